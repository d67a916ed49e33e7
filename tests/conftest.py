"""Shared fixtures: a manual clock, the packaged policies, a fresh database per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warroom.clock import ManualClock
from warroom.incident.commands import Commands
from warroom.policy import Policies, load_policies
from warroom.policy.loader import bundled_dir
from warroom.store import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture(scope="session")
def policies_dir() -> Path:
    return bundled_dir("policies")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return bundled_dir("data")


@pytest.fixture(scope="session")
def policies(policies_dir: Path) -> Policies:
    return load_policies(policies_dir)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "warroom.db"


@pytest.fixture
async def store(db_path: Path, clock: ManualClock) -> AsyncIterator[Store]:
    s = await Store.open(db_path, clock)
    yield s
    await s.close()


@pytest.fixture
def commands(store: Store, policies: Policies) -> Commands:
    return Commands(store, policies, "alice", UTC)
