"""Shared fixtures: a manual clock, the packaged policies, a fresh database per test, the
console on that database, and one PostgreSQL server per test worker.

The data behind them (T0, hostile text, seeds) is in ``tests/data.py``. Tests run in
parallel (pytest-xdist, ``-n auto --dist loadfile``): nothing here may use a fixed port
or a shared path; each test gets its own ``tmp_path``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.data import DATA_DIR, POLICIES_DIR, T0, seed_sev1, sqlite_url
from warroom.clock import ManualClock
from warroom.incident.commands import Commands
from warroom.policy import Policies, load_policies
from warroom.store import Store

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from screens.app import WarroomApp
    from tests.console_helpers import ConsoleFactory


@pytest.fixture(autouse=True)
def no_user_keymap(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keymap of whoever runs the tests never changes the console's keys in them."""
    monkeypatch.setenv("WARROOM_KEYMAP", str(tmp_path_factory.getbasetemp() / "no-keymap.yaml"))
    # Lines kept aside by one test's console never reach another test (nor the user's).
    monkeypatch.setenv("WARROOM_DRAFTS_DIR", str(tmp_path_factory.mktemp("drafts")))
    # The audit key and its witness of each test are its own (never the user's).
    monkeypatch.setenv("WARROOM_AUDIT_DIR", str(tmp_path_factory.mktemp("audit")))
    # Caches (policies, the demo's history) of the tests are theirs, never the user's.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture(scope="session")
def policies_dir() -> Path:
    return POLICIES_DIR


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA_DIR


@pytest.fixture(scope="session")
def policies(policies_dir: Path) -> Policies:
    return load_policies(policies_dir)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh SQLite file for this test (not created until something opens it)."""
    return tmp_path / "warroom.db"


@pytest.fixture
def db_url(db_path: Path) -> str:
    """The same fresh database as ``db_path``, as the URL ``make_app`` and ``--db`` take."""
    return sqlite_url(db_path)


@pytest.fixture
def pol_dir(tmp_path: Path, policies_dir: Path, data_dir: Path) -> Path:
    """A copy of the packaged policies with the demo roster beside them
    (``tests/oncall_helpers.py`` describes the roster)."""
    from tests.oncall_helpers import policies_with_roster

    return policies_with_roster(tmp_path, policies_dir, data_dir)


@pytest.fixture
async def store(db_path: Path, clock: ManualClock) -> AsyncIterator[Store]:
    s = await Store.open(db_path, clock)
    yield s
    await s.close()


@pytest.fixture
def commands(store: Store, policies: Policies) -> Commands:
    return Commands(store, policies, "alice", UTC)


@pytest.fixture
def console(db_url: str, policies: Policies, clock: ManualClock) -> ConsoleFactory:
    """Start the console on this test's database and clock:
    ``async with console(actor="alice", size=(80, 24)) as (app, pilot): ...``;
    ``console.app(...)`` gives the app unstarted, for ``snap_compare``."""
    from tests.console_helpers import ConsoleFactory  # Textual only for the UI tests

    return ConsoleFactory(db_url, policies, clock)


@pytest.fixture
async def room(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> AsyncIterator[tuple[WarroomApp, Pilot, int]]:
    """The console (actor ``tester``, 120x40) in the war room of ``seed_sev1``'s SEV1,
    declared at T0 with ``tester`` as IC; the clock stands at T0 + 10 minutes."""
    from tests.console_helpers import open_room

    incident_id = await seed_sev1(db_path, clock, policies)
    async with console() as (app, pilot):
        await open_room(app, pilot, incident_id)
        yield app, pilot, incident_id


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL server, started once per test worker on a free port in
    its own temp folder (skipped where PostgreSQL is not installed)."""
    from tests.pg_server import find_bin, postgres_server

    if find_bin() is None:
        pytest.skip("PostgreSQL is not installed")
    with postgres_server() as url:
        yield url
