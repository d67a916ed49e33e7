"""A sender checks its claim right before it sends (fencing): a process suspended past
its lease never sends from its stale batch; a send that may have gone out twice (the
sender died between sending and recording) says so; no request outlives the lease."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from tests.escalation_support import Recorder, roster_for
from warroom.clock import ManualClock
from warroom.escalation import delivery
from warroom.escalation.attempts import LEASE
from warroom.escalation.firing import fire_due
from warroom.incident.commands import Commands
from warroom.models import Delivery, TimelineEntry
from warroom.notify import Message
from warroom.policy import Policies
from warroom.store import Store


async def claimed_after_firing(
    store: Store, commands: Commands, policies: Policies
) -> list[delivery.Claimed]:
    inc = await commands.declare("Checkout down", 1)
    await fire_due(store, policies, roster_for(), [inc.id or 0], fired_by="test")
    claimed = await delivery.claim_due(store, roster_for())
    assert claimed
    return claimed


async def test_a_sender_woken_after_its_lease_never_sends_from_its_stale_batch(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    stale = await claimed_after_firing(store, commands, policies)
    clock.advance(seconds=LEASE.total_seconds() + 1)  # "SIGSTOP" past the lease
    fresh = await delivery.claim_due(store, roster_for())
    assert {c.delivery_id for c in stale} <= {c.delivery_id for c in fresh}
    late, other = Recorder(), Recorder()
    await delivery.send_all(store, other, fresh)
    outcomes = await delivery.send_all(store, late, stale)  # "SIGCONT": it wakes up
    assert late.sent == []
    assert all(not o.ok and "lapsed" in (o.error or "") for o in outcomes)
    assert len(other.sent) == len(fresh)
    async with store.read() as s:
        rows = (await s.execute(select(Delivery))).scalars().all()
    assert {d.status for d in rows if d.id in {c.delivery_id for c in fresh}} == {"sent"}


async def test_a_send_in_doubt_is_marked_may_have_been_sent_twice(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    first = await claimed_after_firing(store, commands, policies)
    # The first sender confirms its claims and starts sending, then is SIGKILLed before
    # it records anything: its requests may have reached the pager.
    assert await delivery.confirm_claims(store, first) == {c.delivery_id for c in first}
    clock.advance(seconds=LEASE.total_seconds() + 1)
    again = await delivery.claim_due(store, roster_for())
    started = {c.delivery_id for c in first}
    assert {c.delivery_id for c in again if c.maybe_sent} == started  # only those, each
    await delivery.send_all(store, Recorder(), again)
    async with store.read() as s:
        pages = (
            (await s.execute(select(TimelineEntry.text).where(TimelineEntry.kind == "page")))
            .scalars()
            .all()
        )
    assert any("may have been sent twice" in t for t in pages)


async def test_a_recorded_failure_is_not_a_send_in_doubt(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    first = await claimed_after_firing(store, commands, policies)
    await delivery.send_all(store, Recorder(fail=len(first)), first)  # all fail, recorded
    clock.advance(minutes=5)
    again = await delivery.claim_due(store, roster_for())
    assert {c.delivery_id for c in first} <= {c.delivery_id for c in again}
    assert not any(c.maybe_sent for c in again)


class Hung:
    async def send(self, url: str, message: Message) -> None:
        await asyncio.Event().wait()


async def test_no_request_outlives_its_lease(
    store: Store,
    commands: Commands,
    policies: Policies,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import timedelta

    monkeypatch.setattr(delivery, "SEND_TIMEOUT", timedelta(milliseconds=50))
    claimed = await claimed_after_firing(store, commands, policies)
    outcomes = await delivery.send_all(store, Hung(), claimed)  # type: ignore[arg-type]
    assert outcomes and all(not o.ok and "no answer within" in (o.error or "") for o in outcomes)
    assert delivery.SEND_TIMEOUT < LEASE
