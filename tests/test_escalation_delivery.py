"""Delivery through a real HTTP endpoint (apprise ``json://`` to a local receiver):
three engine loops on one database page every step exactly once; a receiver that
fails and recovers loses nothing."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from tests.escalation_support import receiver, roster_for
from warroom.clock import ManualClock
from warroom.escalation import EscalationLoop, load_snapshot, plan
from warroom.incident.commands import Commands
from warroom.models import Delivery, EscalationFiring, TimelineEntry
from warroom.notify import Message
from warroom.policy import Policies
from warroom.store import Store


async def _deliveries(store: Store) -> list[Delivery]:
    async with store.read() as s:
        return list((await s.execute(select(Delivery))).scalars())


async def test_three_loops_fifty_incidents_every_step_delivered_exactly_once(
    db_path: Path, policies: Policies, clock: ManualClock
) -> None:
    stores = [await Store.open(db_path, clock) for _ in range(3)]
    try:
        with receiver() as rec:
            roster = roster_for(rec, methods=("push",))
            loops = [
                EscalationLoop(s, policies, roster, clock, name=f"console-{i}")
                for i, s in enumerate(stores)
            ]
            cmd = Commands(stores[0], policies, "alice")
            refs = []
            for n in range(50):
                inc = await cmd.declare(f"Incident {n}", 1 if n % 2 else 2)
                refs.append(inc.ref or "")
            for minute in range(126):
                if minute == 10:  # a third of them acknowledged, some resolved later
                    for ref in refs[::3]:
                        await cmd.ack(ref)
                if minute == 45:
                    for ref in refs[1::5]:
                        await cmd.resolve(ref)
                await asyncio.gather(*(lp.tick() for lp in loops))
                await asyncio.gather(*(lp.drain() for lp in loops))
                clock.advance(minutes=1)
            for _ in range(3):  # let the last retries and offsets run out
                await asyncio.gather(*(lp.tick() for lp in loops))
                await asyncio.gather(*(lp.drain() for lp in loops))
                clock.advance(minutes=5)

            rows = await _deliveries(stores[0])
            assert rows and {d.status for d in rows} <= {"sent", "cancelled"}
            sent = [d for d in rows if d.status == "sent"]
            # The receiver got each sent notification exactly once, nothing else.
            got = Counter((path, body["title"], body["message"]) for path, body in rec.received)
            assert max(got.values()) == 1
            assert len(rec.received) == len(sent)
            assert Counter(p for p, _, _ in got) == Counter(f"/{d.person}/{d.method}" for d in sent)
            # Every step that came due fired once, and nothing is left due.
            async with stores[1].read() as s:
                fired = (
                    await s.execute(select(func.count()).select_from(EscalationFiring))
                ).scalar()
            expected = 0
            for i in range(1, 51):
                snap = await load_snapshot(stores[2], i)
                p = plan(policies, snap, clock.now())
                assert p.due == []
                expected += len(p.fired)
            assert fired == expected
            sev1_unacked = 6  # INC-6: SEV1, never acknowledged nor resolved
            snap = await load_snapshot(stores[0], sev1_unacked)
            assert sorted(snap.fired) == [
                "sev1-no-ack-15",
                "sev1-page",
                "sev1-unresolved-120",
                "sev1-unresolved-30",
                "sev1-unresolved-60",
            ]
    finally:
        for s in stores:
            await s.close()


async def test_receiver_that_fails_then_recovers_loses_nothing(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    with receiver() as rec:
        inc = await commands.declare("Checkout down", 1)
        loop = EscalationLoop(store, policies, roster_for(rec), clock)
        for _ in range(15):
            await loop.tick()
            # Sends run in the background; the manual clock must not jump past the
            # 2-minute lease of a send still in flight (another claim would send again).
            await loop.drain()
            clock.advance(minutes=1)
        rec.fail_remaining = 4  # the pager endpoint is down for the first 4 requests
        for _ in range(40):
            report = await loop.tick()
            await loop.drain()
            assert report.error is None
            clock.advance(seconds=15)
        everything = await _deliveries(store)
        # Left out: the manager's push the re-page replaced at 15 (superseded) and the
        # re-page's manager level, due at 30 (15 minutes up its chain).
        rows = [d for d in everything if d.status == "sent"]
        rest = [d for d in everything if d.status != "sent"]
        assert {(d.status, d.person) for d in rest} == {
            ("cancelled", "frank"),
            ("pending", "frank"),
        }
        assert all(d.next_attempt_at > clock.now() for d in rest if d.status == "pending")
        assert rec.refused == 4
        assert len(rec.received) == len(rows)
        assert sum(d.attempts for d in rows) == len(rows) + 4
        async with store.read() as s:
            q = select(TimelineEntry.text).where(
                TimelineEntry.incident_id == inc.id, TimelineEntry.kind == "delivery"
            )
            failures = list((await s.execute(q)).scalars())
        assert len(failures) == 4
        assert all("could not page" in f and "retrying in" in f for f in failures)


async def test_a_contact_apprise_rejects_is_given_up_at_once_and_said(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    roster = roster_for(
        people=[
            {"name": n, "contacts": {"push": "nosuchservice://x"}}
            for n in ("alice", "bob", "carol", "dave", "erin", "frank")
        ]
    )
    inc = await commands.declare("Checkout down", 1)
    loop = EscalationLoop(store, policies, roster, clock)
    for _ in range(16):
        await loop.tick()
        await loop.drain()
        clock.advance(minutes=1)
    rows = await _deliveries(store)
    tried = [d for d in rows if d.attempts]
    assert tried and {(d.status, d.attempts) for d in tried} == {("failed", 1)}
    async with store.read() as s:
        q = select(TimelineEntry.text).where(
            TimelineEntry.incident_id == inc.id, TimelineEntry.kind == "delivery"
        )
        texts = list((await s.execute(q)).scalars())
    assert texts and "gave up after 1 attempt" in texts[0]
    assert "apprise does not accept" in texts[0]


class SlowSender:
    """A sender whose sends hang until released (a pager endpoint taking its time)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.begun = asyncio.Event()
        self.started: list[str] = []

    async def send(self, url: str, message: Message) -> None:
        self.started.append(url)
        self.begun.set()
        await self.release.wait()


async def test_a_send_outlasting_its_lease_is_not_started_again_by_its_own_loop(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    """On a drill clock running 60 times faster, a 3-second send outlasts the 2-minute
    lease; the loop sending it must not page the person a second time meanwhile."""
    sender = SlowSender()
    loop = EscalationLoop(store, policies, roster_for(methods=("push",)), clock, sender=sender)
    await commands.declare("Checkout down", 1)
    await loop.tick()
    await asyncio.wait_for(sender.begun.wait(), 30)  # the page is on its way, and hangs
    claimed = {d.id: d.attempts for d in await _deliveries(store) if d.attempts}
    assert claimed
    clock.advance(minutes=3)  # past the lease, the send still in flight
    await loop.tick()  # claims happen inside the tick: a second claim would show now
    again = {d.id: d.attempts for d in await _deliveries(store) if d.id in claimed}
    assert again == claimed
    sender.release.set()
    await loop.drain()
    rows = await _deliveries(store)
    assert {(d.status, d.attempts) for d in rows if d.id in claimed} == {("sent", 1)}
    assert len(sender.started) == len(claimed)
