"""The same store and commands on PostgreSQL (a throwaway server started by the test)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC

import pytest
from sqlalchemy import select

from tests.pg_server import find_bin, postgres_server
from warroom.clock import ManualClock
from warroom.commands import Commands
from warroom.errors import NotPermitted
from warroom.models import TimelineEntry
from warroom.policy import Policies
from warroom.queries import load_view
from warroom.store import Store
from warroom.timeline import verify_chain

pytestmark = pytest.mark.skipif(find_bin() is None, reason="PostgreSQL is not installed")


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


async def test_incident_life_cycle_on_postgres(
    pg_url: str, policies: Policies, clock: ManualClock
) -> None:
    store = await Store.open(pg_url, clock)
    try:
        cmds = Commands(store, policies, "alice", UTC)
        inc = await cmds.declare("db down", 1, ic="alice")
        clock.advance(minutes=3)
        await cmds.log(inc.ref or "", "looking at replicas")
        await cmds.ack(inc.ref or "")
        with pytest.raises(NotPermitted):
            await Commands(store, policies, "bob", UTC).resolve(inc.ref or "")
        clock.advance(minutes=30)
        await cmds.resolve(inc.ref or "")
        view = await load_view(store, inc.ref or "")
        assert view.incident.status == "resolved"
        assert view.to_json()["time_to_resolve_min"] == 33
        assert verify_chain(view.ref, view.timeline).ok
    finally:
        await store.close()


async def test_concurrent_writers_on_postgres(
    pg_url: str, policies: Policies, clock: ManualClock
) -> None:
    stores = [await Store.open(pg_url, clock) for _ in range(4)]
    try:
        inc = await Commands(stores[0], policies, "ic", UTC).declare("load", 2)

        async def writer(i: int, store: Store) -> None:
            cmds = Commands(store, policies, f"w{i}", UTC)
            for n in range(50):
                await cmds.log(inc.ref or "", f"w{i} entry {n}")

        await asyncio.gather(*(writer(i, s) for i, s in enumerate(stores)))
        async with stores[0].read() as s:
            q = (
                select(TimelineEntry)
                .where(TimelineEntry.incident_id == inc.id)
                .order_by(TimelineEntry.seq)
            )
            entries = list((await s.execute(q)).scalars())
        assert len([e for e in entries if e.text.startswith("w")]) == 200
        assert verify_chain(inc.ref or "", entries).ok
    finally:
        for s in stores:
            await s.close()
