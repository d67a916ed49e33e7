"""Firing exactly once, in order, late but once after a sleep; acks stop the rest."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import select

from tests.escalation_support import Recorder, roster_for
from warroom.clock import ManualClock
from warroom.escalation import EscalationLoop, load_snapshot, plan
from warroom.incident.commands import Commands
from warroom.models import Delivery, EscalationFiring, Incident, TimelineEntry
from warroom.policy import Policies
from warroom.store import Store


async def entries(store: Store, incident_id: int, kind: str | None = None) -> list[TimelineEntry]:
    async with store.read() as s:
        q = select(TimelineEntry).where(TimelineEntry.incident_id == incident_id)
        if kind:
            q = q.where(TimelineEntry.kind == kind)
        return list((await s.execute(q.order_by(TimelineEntry.seq))).scalars())


async def firings(store: Store) -> list[EscalationFiring]:
    async with store.read() as s:
        q = select(EscalationFiring).order_by(EscalationFiring.id)
        return list((await s.execute(q)).scalars())


async def deliveries(store: Store) -> list[Delivery]:
    async with store.read() as s:
        return list((await s.execute(select(Delivery).order_by(Delivery.id))).scalars())


class Paging(NamedTuple):
    inc: Incident
    sender: Recorder
    loop: EscalationLoop


@pytest.fixture
async def sev1(store: Store, commands: Commands, policies: Policies, clock: ManualClock) -> Paging:
    """A SEV1 "Checkout down" just declared (INC-1), and one loop paging the full roster
    through a recording sender."""
    inc = await commands.declare("Checkout down", 1)
    sender = Recorder()
    return Paging(inc, sender, EscalationLoop(store, policies, roster_for(), clock, sender=sender))


async def run_minutes(loops: list[EscalationLoop], clock: ManualClock, minutes: int) -> None:
    for _ in range(minutes):
        await asyncio.gather(*(lp.tick() for lp in loops))
        for lp in loops:
            await lp.drain()
        clock.advance(minutes=1)


async def test_sev1_unacknowledged_pages_at_0_15_30_60_120_once_with_two_loops(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    inc = await commands.declare("Checkout down", 1, ic="alice")
    sender = Recorder()
    roster = roster_for()
    loops = [
        EscalationLoop(store, policies, roster, clock, name=n, sender=sender) for n in ("a", "b")
    ]
    await run_minutes(loops, clock, 125)
    fired = await firings(store)
    assert [(f.step_key, f.fired_at - inc.declared_at) for f in fired] == [
        ("sev1-page", timedelta(0)),
        ("sev1-no-ack-15", timedelta(minutes=15)),
        ("sev1-unresolved-30", timedelta(minutes=30)),
        ("sev1-unresolved-60", timedelta(minutes=60)),
        ("sev1-unresolved-120", timedelta(minutes=120)),
    ]
    pages = [e.text for e in await entries(store, inc.id, "page") if e.text.startswith("Esc")]
    assert len(pages) == 5
    assert pages[0] == (
        "Escalation sev1-page: SEV1 INC-1: Checkout down. Page the primary on-call; "
        "paging carol (primary on-call)."
    )
    assert pages[1].startswith(
        "Escalation sev1-no-ack-15: SEV1 INC-1 unacknowledged for 15 min. Re-page the on-call"
    )
    assert "paging carol (primary on-call), dave (secondary on-call)" in pages[1]
    assert "paging carol (team lead)" in pages[2]
    assert "frank (engineering manager, executive on-call)" in pages[3]
    assert "late" not in " ".join(pages)
    # Every delivery went out once: no (url, body) twice.
    keys = [(url, m.body) for url, m in sender.sent]
    assert len(keys) == len(set(keys))
    rows = await deliveries(store)
    assert {d.status for d in rows} <= {"sent", "cancelled"}
    # Cancelled only as replaced: the manager's push of the page at 0 came due at 15 with
    # the re-page, which notified him instead (at once).
    assert all("superseded" in (d.last_error or "") for d in rows if d.status == "cancelled")
    sent = [e.text for e in await entries(store, inc.id, "page") if e.text.startswith("paged")]
    assert sent[0] == "paged carol (primary on-call) via push: SEV1 INC-1: Checkout down"
    assert "paged dave (secondary on-call) via push: SEV1 INC-1: Checkout down" in sent
    assert (
        "paged carol (primary on-call) via push, dave (secondary on-call) via push, "
        "frank (engineering manager) via push: SEV1 INC-1 unacknowledged for 15 min"
    ) in sent
    assert "paged carol (team lead) via sms: SEV1 INC-1 unresolved for 30 min" in sent
    assert sum(t.count(" via ") for t in sent) == len(sender.sent)


async def test_loop_asleep_two_hours_fires_overdue_steps_once_in_order_saying_how_late(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    inc = await commands.declare("Checkout down", 1)
    loop = EscalationLoop(store, policies, roster_for(), clock, sender=Recorder())
    await run_minutes([loop], clock, 5)  # minutes 0..4 (the page at 0), then the laptop sleeps
    clock.set(inc.declared_at + timedelta(minutes=125))
    report = await loop.tick()
    await loop.drain()
    assert [f.step.step_id for f in report.fired] == [
        "sev1-no-ack-15",
        "sev1-unresolved-30",
        "sev1-unresolved-60",
        "sev1-unresolved-120",
    ]
    texts = [e.text for e in await entries(store, inc.id, "page") if e.text.startswith("Esc")]
    assert [t.split(":")[0] for t in texts] == [
        "Escalation sev1-page",
        "Escalation sev1-no-ack-15",
        "Escalation sev1-unresolved-30",
        "Escalation sev1-unresolved-60",
        "Escalation sev1-unresolved-120",
    ]
    assert "late" not in texts[0]  # the page at declaration went out on time
    assert "Fired 1 h 50 min late (the engine was not running when it was due)." in texts[1]
    assert "Fired 1 h 35 min late" in texts[2]
    assert "Fired 1 h 05 min late" in texts[3]
    assert "Fired 5 min late" in texts[4]
    again = await loop.tick()
    assert again.fired == [] and len(await firings(store)) == 5
    # A second process that wakes up later fires nothing either.
    other = EscalationLoop(store, policies, roster_for(), clock, sender=Recorder())
    assert (await other.tick()).fired == []


async def test_a_declaration_entered_after_the_fact_pages_at_once_saying_why(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    """``declare --at`` ten minutes ago with the engine running: the page goes out at
    once, 10 min after its time, and the timeline does not blame the engine."""
    loop = EscalationLoop(store, policies, roster_for(), clock, sender=Recorder())
    await loop.tick()
    inc = await commands.declare("Checkout down", 2, at=clock.now() - timedelta(minutes=10))
    report = await loop.tick()
    (fired,) = report.fired
    assert fired.step.step_id == "sev2-page" and fired.late == timedelta(minutes=10)
    assert fired.text.endswith(
        " Fired 10 min late (the declaration was entered after the fact, when this step "
        "was already due)."
    )
    # Then nothing runs for 30 min: the re-page due at 30 was known in time, so its delay
    # is the engine's.
    clock.advance(minutes=30)
    (fired,) = (await loop.tick()).fired
    assert fired.step.step_id == "sev2-no-ack-30"
    assert fired.text.endswith(" Fired 10 min late (the engine was not running when it was due).")
    # A raise to SEV1 entered 5 min after the fact, the engine asleep 3 more minutes.
    sev = inc.declared_at + timedelta(minutes=35)
    clock.set(sev + timedelta(minutes=5))
    await commands.set_severity(inc.ref or "", 1, at=sev)
    clock.advance(minutes=3)
    fired_now = (await loop.tick()).fired
    assert [f.step.step_id for f in fired_now] == [
        "sev1-page",
        "sev1-no-ack-15",
        "sev1-unresolved-30",
    ]
    assert all(
        f.text.endswith(
            " Fired 8 min late (the severity change was entered after the fact, when this "
            "step was already due, and the engine was not running for 3 min after that)."
        )
        for f in fired_now
    )


async def test_ack_stops_the_rest_of_the_page(
    sev1: Paging, store: Store, policies: Policies, clock: ManualClock, commands: Commands
) -> None:
    inc, sender, loop = sev1
    # The re-page fired at 15 (push to carol and dave), as the page at 0 climbed to the
    # manager (15 minutes: primary 5, secondary 10): he got the re-page's push instead.
    await run_minutes([loop], clock, 16)
    before_ack = len(sender.sent)
    assert [url.rsplit("/", 2)[-2:] for url, _ in sender.sent[-3:]] == [
        ["carol", "push"],
        ["dave", "push"],
        ["frank", "push"],
    ]
    await Commands(store, policies, "carol", commands.tz).ack("INC-1")
    await run_minutes([loop], clock, 10)
    assert len(sender.sent) == before_ack  # no phone, no sms, no manager after the ack
    stopped = [e.text for e in await entries(store, inc.id, "delivery")]
    assert stopped == [
        "Stopped paging for sev1-page: INC-1 was acknowledged by carol; not sent: frank via phone.",
        "Stopped paging for sev1-no-ack-15: INC-1 was acknowledged by carol; not sent: "
        "carol via phone, carol via sms, dave via sms, frank via phone.",
    ]
    status = {(d.firing_id, d.person, d.method): d.status for d in await deliveries(store)}
    page, repage = (f.id for f in await firings(store))
    assert status[(repage, "carol", "sms")] == "cancelled"
    assert status[(repage, "frank", "push")] == "sent"  # replaced the page's at 15, at once
    assert status[(page, "frank", "push")] == "cancelled"  # the page at 0 climbed to him
    assert [f.step_key for f in await firings(store)] == ["sev1-page", "sev1-no-ack-15"]


async def test_ack_stops_the_climb_of_the_page_at_declaration(
    sev1: Paging, store: Store, policies: Policies, clock: ManualClock, commands: Commands
) -> None:
    inc, sender, loop = sev1
    await run_minutes([loop], clock, 3)  # push at 0, phone at 1, sms at 2: carol only
    await Commands(store, policies, "carol", commands.tz).ack("INC-1")
    await run_minutes([loop], clock, 25)  # to minute 27: past the re-page at 15
    assert [url.rsplit("/", 2)[-2:] for url, _ in sender.sent] == [
        ["carol", "push"],
        ["carol", "phone"],
        ["carol", "sms"],
    ]
    (stopped,) = [e.text for e in await entries(store, inc.id, "delivery")]
    assert stopped == (
        "Stopped paging for sev1-page: INC-1 was acknowledged by carol; not sent: "
        "dave via push, dave via sms, frank via push, frank via phone."
    )
    # Acknowledged: the no_ack re-page at 15 did not fire.
    assert [f.step_key for f in await firings(store)] == ["sev1-page"]
    p = plan(policies, await load_snapshot(store, inc.id or 0), clock.now())
    assert [(s.step_id, s.cancelled_by) for s in p.cancelled] == [("sev1-no-ack-15", "ack")]


async def test_unacknowledged_page_climbs_the_escalation_policy_levels(
    sev1: Paging, store: Store, clock: ManualClock
) -> None:
    inc, sender, loop = sev1
    await run_minutes([loop], clock, 22)
    got = [(url.rsplit("/", 2)[-2], url.rsplit("/", 1)[-1]) for url, _ in sender.sent]
    # The page at declaration: the primary now by push, phone at +1, sms at +2; the
    # secondary at +5 (dave has no phone), the manager at +15 (the process: primary 5
    # min, secondary 10). The re-page at 15: primary and secondary at once; the
    # manager's push of the page, due then too, is the re-page's (sent at once).
    assert got == [
        ("carol", "push"),
        ("carol", "phone"),
        ("carol", "sms"),
        ("dave", "push"),
        ("dave", "sms"),
        ("carol", "push"),
        ("dave", "push"),
        ("frank", "push"),
        ("frank", "phone"),
        ("carol", "phone"),
        ("carol", "sms"),
        ("dave", "sms"),
    ]
    keys = {f.id: f.step_key for f in await firings(store)}
    sent_at = sorted(
        (keys[d.firing_id or 0], (d.sent_at - inc.declared_at) // timedelta(minutes=1), d.person)
        for d in await deliveries(store)
        if d.sent_at is not None
    )
    assert [m for k, m, _ in sent_at if k == "sev1-page"] == [0, 1, 2, 5, 7, 16]
    assert [m for k, m, _ in sent_at if k == "sev1-no-ack-15"] == [15, 15, 15, 16, 17, 17]


async def test_no_roster_and_unfilled_targets_are_said_not_skipped(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    inc = await commands.declare("Checkout down", 1)
    loop = EscalationLoop(store, policies, None, clock, sender=Recorder())
    await run_minutes([loop], clock, 16)
    pages = [e.text for e in await entries(store, inc.id, "page")]
    assert [p.split(":")[0] for p in pages] == ["Escalation sev1-page", "Escalation sev1-no-ack-15"]
    assert all("nobody could be paged" in p and "no roster.yaml" in p for p in pages)

    roster = roster_for(targets={"engineering_manager": "frank"})
    inc2 = await commands.declare("Search down", 1)
    loop2 = EscalationLoop(store, policies, roster, clock, sender=Recorder())
    await run_minutes([loop2], clock, 31)
    texts = [e.text for e in await entries(store, inc2.id, "page") if e.text.startswith("Esc")]
    assert any("Nobody fills team_lead (see roster.yaml)" in t for t in texts)


async def test_a_failing_sender_is_retried_and_recorded_and_the_loop_keeps_going(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    inc = await commands.declare("Checkout down", 2, ic="alice")
    sender = Recorder(fail=3)
    loop = EscalationLoop(store, policies, roster_for(), clock, sender=sender)
    await run_minutes([loop], clock, 50)  # to the re-page's manager level (30 + 15)
    failures = [e.text for e in await entries(store, inc.id, "delivery")]
    assert len(failures) == 3
    assert "(attempt 1 of 8): the pager service answered 503; retrying in 15 s" in failures[0]
    assert loop.last_error is None
    assert {d.status for d in await deliveries(store)} == {"sent"}
    assert len(sender.sent) == len(await deliveries(store))


async def test_firing_rechecks_inside_the_transaction(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock, db_path: Path
) -> None:
    """A loop with a stale snapshot (the ack landed in another process) fires nothing."""
    inc = await commands.declare("Checkout down", 1)
    loop = EscalationLoop(store, policies, roster_for(), clock, sender=Recorder())
    await loop.tick()
    clock.advance(minutes=16)
    other = await Store.open(db_path, clock)
    try:
        await Commands(other, policies, "carol").ack(inc.ref or "")
    finally:
        await other.close()
    loop._mark = await store.change_mark()  # pretend it missed the change feed
    assert plan(policies, loop.snapshots[inc.id or 0], clock.now()).due  # stale: looks due
    assert (await loop.tick()).fired == []
    fresh = await load_snapshot(store, inc.id or 0)
    assert plan(policies, fresh, clock.now()).cancelled[0].cancelled_by == "ack"


async def test_an_on_call_override_is_who_gets_paged(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    from warroom.models import OncallOverride

    async def add(s):  # type: ignore[no-untyped-def]
        s.add(
            OncallOverride(
                rotation="primary",
                person="erin",
                replaces="carol",
                starts_at=clock.now(),
                ends_at=clock.now() + timedelta(hours=1),
                arranged_by="carol",
                created_at=clock.now(),
            )
        )

    await store.transaction(add)
    inc = await commands.declare("Checkout down", 1)
    loop = EscalationLoop(store, policies, roster_for(), clock, sender=Recorder())
    await run_minutes([loop], clock, 16)
    page, repage = [
        e.text for e in await entries(store, inc.id, "page") if e.text.startswith("Esc")
    ]
    assert page.endswith("; paging erin (primary on-call).")
    assert "paging erin (primary on-call), dave (secondary on-call)" in repage


async def test_a_declaration_committed_below_the_mark_still_pages(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    """PostgreSQL commits change-feed ids out of order: a declaration whose change row
    becomes visible after a higher id was read must still page (at once, not never)."""
    from sqlalchemy import update

    from warroom.models import Change

    other = await commands.declare("Search slow", 3)
    loop = EscalationLoop(store, policies, roster_for(), clock, sender=Recorder())
    await loop.tick()
    mark = await store.change_mark()

    async def later_change(s):  # type: ignore[no-untyped-def]
        # Committed first, with the higher id: another console's write.
        s.add(Change(id=mark + 50, incident_id=other.id, kind="delivery", at=clock.now()))

    await store.transaction(later_change)
    assert (await loop.tick()).fired == []
    inc = await commands.declare("Checkout down", 1)

    async def renumber(s):  # type: ignore[no-untyped-def]
        # The declaration's rows got their ids before the write above committed.
        await s.execute(
            update(Change).where(Change.id > mark + 50).values(id=Change.id - 49)  # type: ignore[arg-type, operator]
        )

    await store.transaction(renumber)
    assert await store.change_mark() == mark + 50  # the newest id has not moved
    (fired,) = (await loop.tick()).fired
    assert (fired.ref, fired.step.step_id) == (inc.ref, "sev1-page")
    for _ in range(40):  # the holes are forgotten after a while: ticks are cheap again
        assert (await loop.tick()).fired == []
    assert loop.feed.holes == {}


async def test_waking_after_three_hours_notifies_each_person_once_per_method(
    sev1: Paging, store: Store, clock: ManualClock
) -> None:
    """Asleep 30 s after the page at declaration, awake 3 h later: the four overdue steps
    fire (each on the timeline) but nobody gets the same method several times at once;
    what each person gets is the latest step's page."""
    inc, sender, loop = sev1
    await loop.tick()
    await loop.drain()  # the push of the page at declaration went out on time
    clock.set(inc.declared_at + timedelta(hours=3))
    fired = (await loop.tick()).fired
    assert len(fired) == 4
    await run_minutes([loop], clock, 15)
    after = sender.sent[1:]
    sent = [tuple(url.rsplit("/", 2)[-2:]) for url, _ in after]
    assert sorted(sent) == sorted(set(sent)), "a person got the same method twice"
    assert {m.body.split(". ")[0] for _, m in after} == {"SEV1 INC-1 unresolved for 120 min"}
    texts = [e.text for e in await entries(store, inc.id, "page") if e.text.startswith("Esc")]
    assert "sev1-no-ack-15" in texts[1] and "sev1-unresolved-120" in texts[1]  # says why
    stale = [d for d in await deliveries(store) if d.status == "cancelled"]
    assert stale and all("superseded by sev1-unresolved-120" in (d.last_error or "") for d in stale)
    assert "Not sent, as this page replaces them: carol via phone (sev1-page)" in texts[-1]


async def test_an_ack_stamped_by_a_clock_a_minute_ahead_stops_the_no_ack_page(
    sev1: Paging, store: Store, policies: Policies, clock: ManualClock, db_path: Path
) -> None:
    """The scribe's machine runs a minute fast: its ack (recorded, so a fact) carries a time
    just after the re-page's due time. The re-page must not go out 'unacknowledged'."""
    inc, sender, loop = sev1
    await run_minutes([loop], clock, 15)  # now minute 15 - 30 s on this machine
    clock.set(inc.declared_at + timedelta(minutes=14, seconds=30))
    await loop.tick()
    fast = ManualClock(clock.now() + timedelta(minutes=1))
    other = await Store.open(db_path, fast)
    try:
        await Commands(other, policies, "carol").ack(inc.ref or "")  # at 15:30
    finally:
        await other.close()
    await loop.tick()
    before = len(sender.sent)
    clock.set(inc.declared_at + timedelta(minutes=15))
    assert (await loop.tick()).fired == []
    await loop.drain()
    assert len(sender.sent) == before
    assert [f.step_key for f in await firings(store)] == ["sev1-page"]


async def test_plan_at_an_earlier_moment_counts_the_status_updates_made_by_then(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    """SEV1 (an update every 30 min), updates at 10 and 50: asked about minute 35, the
    next update was due at 40 and not overdue (not 'due at 30, overdue')."""
    from warroom.escalation.report import escalation_report

    inc = await commands.declare("Checkout down", 1)
    for minute in (10, 50):
        clock.set(inc.declared_at + timedelta(minutes=minute))
        await commands.record_status(inc.ref or "", "Investigating", at=clock.now())
    clock.advance(minutes=5)
    then = inc.declared_at + timedelta(minutes=35)
    p, data = await escalation_report(store, policies, roster_for(), inc.id or 0, then)
    assert p.next_update_due == inc.declared_at + timedelta(minutes=40)
    assert not p.update_overdue
    assert data["status_update"]["last_at"] == "2026-03-02T09:10:00Z"
    p, _ = await escalation_report(store, policies, roster_for(), inc.id or 0, clock.now())
    assert p.next_update_due == inc.declared_at + timedelta(minutes=80)
