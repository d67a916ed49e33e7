"""The same store and commands on PostgreSQL (a throwaway server started by the test)."""

from __future__ import annotations

import asyncio
from datetime import UTC

import pytest
from sqlalchemy import select

from tests.pg_server import find_bin
from warroom.clock import ManualClock
from warroom.errors import NotPermitted
from warroom.incident.commands import Commands
from warroom.incident.queries import load_view
from warroom.incident.timeline import verify_chain
from warroom.models import TimelineEntry
from warroom.policy import Policies
from warroom.store import Store

pytestmark = pytest.mark.skipif(find_bin() is None, reason="PostgreSQL is not installed")

# ``pg_url`` (conftest): one server per test worker, started on first use.


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


async def test_escalation_loops_fire_each_step_once_on_postgres(
    pg_url: str, policies: Policies, clock: ManualClock
) -> None:
    """Three engine loops (three consoles) on one PostgreSQL database: every step of
    every incident fires once and every notification is sent once."""
    from collections import Counter

    from tests.escalation_support import Recorder, roster_for
    from warroom.escalation import EscalationLoop, load_snapshot, plan
    from warroom.models import EscalationFiring

    stores = [await Store.open(pg_url, clock) for _ in range(3)]
    sender = Recorder()
    try:
        roster = roster_for(methods=("push",))
        loops = [
            EscalationLoop(s, policies, roster, clock, name=f"pg-{i}", sender=sender)
            for i, s in enumerate(stores)
        ]
        cmds = Commands(stores[0], policies, "alice", UTC)
        ids = []
        for n in range(10):
            inc = await cmds.declare(f"pg incident {n}", 1 if n % 2 else 2)
            ids.append(inc.id or 0)
        for _minute in range(125):
            await asyncio.gather(*(lp.tick() for lp in loops))
            await asyncio.gather(*(lp.drain() for lp in loops))
            clock.advance(minutes=1)
        async with stores[0].read() as s:
            keys = [
                (f.incident_id, f.step_key)
                for f in (await s.execute(select(EscalationFiring))).scalars()
            ]
        assert max(Counter(keys).values()) == 1
        for iid in ids:
            p = plan(policies, await load_snapshot(stores[1], iid), clock.now())
            assert p.due == [] and p.fired
        sent = Counter((url, m.title, m.body) for url, m in sender.sent)
        assert sent and max(sent.values()) == 1
    finally:
        for s in stores:
            await s.close()
