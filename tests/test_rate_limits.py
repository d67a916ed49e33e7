"""Delivery shaped like a pager: per person and contact method, the limits of
``oncall.yaml`` (GoAlert's by default); pages over a limit are held back and bundled
into the next message the limit allows ("3 more incidents need you: ..."), never
dropped, each held incident's timeline saying so; exactly once with fencing, on SQLite
and on PostgreSQL. Time is a manual clock."""

from __future__ import annotations

import asyncio
import re
import shutil
import uuid
from collections import Counter
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.escalation_support import Recorder, roster_for
from tests.pg_server import find_bin
from warroom.clock import ManualClock
from warroom.errors import PolicyError
from warroom.escalation import EscalationLoop, delivery
from warroom.escalation.attempts import LEASE
from warroom.escalation.firing import fire_due
from warroom.incident.commands import Commands
from warroom.models import Delivery, TimelineEntry
from warroom.policy import Policies, load_policies
from warroom.policy.oncall import DEFAULT_LIMITS
from warroom.store import Store

SMS = roster_for(methods=("sms",))
PHONE = roster_for(methods=("phone",))


async def tick(loops: list[EscalationLoop], clock: ManualClock, seconds: float = 30) -> None:
    await asyncio.gather(*(lp.tick() for lp in loops))
    await asyncio.gather(*(lp.drain() for lp in loops))
    clock.advance(seconds=seconds)


def to(sender: Recorder, person: str, method: str) -> list[str]:
    """What ``person`` got by ``method``: 'title | body' per message."""
    return [
        f"{m.title} | {m.body}" for url, m in sender.sent if url.endswith(f"/{person}/{method}")
    ]


async def rows(store: Store) -> list[Delivery]:
    async with store.read() as s:
        return list((await s.execute(select(Delivery).order_by(Delivery.id))).scalars())


async def timeline(store: Store, incident_id: int, kind: str = "delivery") -> list[str]:
    async with store.read() as s:
        q = select(TimelineEntry.text).where(
            TimelineEntry.incident_id == incident_id, TimelineEntry.kind == kind
        )
        return list((await s.execute(q.order_by(TimelineEntry.seq))).scalars())


def refs_in(messages: list[str]) -> Counter[str]:
    """How often each incident is in these messages: the one paged (title) and the
    ones bundled with it (body)."""
    out: Counter[str] = Counter()
    for m in messages:
        title, body = m.split(" | ", 1)
        out.update(re.findall(r"INC-\d+", title)[:1])
        more = re.search(r"need(?:s)? you: ([^.]*)\.", body)
        out.update(more.group(1).split(", ") if more else [])
    return out


def test_the_default_limits_are_goalert_s(policies: Policies) -> None:
    limits = policies.oncall.notification_limits
    assert limits == DEFAULT_LIMITS
    assert [r[:2] for r in limits["phone"].rules()] == [(1, 1), (3, 15), (7, 60), (15, 180)]
    assert [r[:2] for r in limits["sms"].rules()] == [(1, 1), (5, 15), (11, 60), (21, 180)]
    assert [r[:2] for r in limits["email"].rules()] == [(1, 1)]
    assert "push" not in limits and "chat" not in limits


def test_a_limit_that_is_no_limit_is_refused(tmp_path: Path, policies_dir: Path) -> None:
    pdir = tmp_path / "policies"
    shutil.copytree(policies_dir, pdir)
    oncall = pdir / "oncall.yaml"
    oncall.write_text(oncall.read_text().replace("sms: {per_minute: 1,", "sms: {per_minute: 0,"))
    with pytest.raises(PolicyError, match=r"notification_limits\.sms\.per_minute"):
        load_policies(pdir)


async def test_thirty_pages_at_once_are_one_message_naming_the_other_twenty_nine(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    incs = [await commands.declare(f"Outage {n}", 1) for n in range(30)]
    sender = Recorder()
    loop = EscalationLoop(store, policies, SMS, clock, sender=sender)
    for _ in range(8):  # to minute 4: the primary's SMS is due at +2
        await tick([loop], clock)
    (one,) = to(sender, "carol", "sms")
    assert one.startswith("SEV1 INC-1: Outage 0 (+29 more) | ")
    others = ", ".join(f"INC-{n}" for n in range(2, 31))
    assert f"29 more incidents need you: {others}." in one
    carol = [d for d in await rows(store) if d.person == "carol"]
    assert Counter(d.status for d in carol) == {"sent": 1, "bundled": 29}
    said = await timeline(store, incs[7].id or 0, "page")
    assert any(
        "paged carol (primary on-call) via sms: SEV1 INC-8: Outage 7, bundled into the message "
        "of 09:02:00 UTC, sent for INC-1 (held back by the rate limit)" in t
        for t in said
    ), said


async def test_a_page_over_the_limit_is_held_said_and_goes_in_the_next_message(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    sender = Recorder()
    loop = EscalationLoop(store, policies, SMS, clock, sender=sender)
    first = await commands.declare("Checkout down", 1)  # carol's SMS at 09:02:00
    await tick([loop], clock)
    second = await commands.declare("Search down", 1)  # 09:02:30: held until 09:03:00
    await tick([loop], clock, seconds=10)
    third = await commands.declare("Login slow", 1)  # 09:02:40: held too
    while clock.now() < first.declared_at + timedelta(minutes=2, seconds=50):
        await tick([loop], clock, seconds=10)
    assert len(to(sender, "carol", "sms")) == 1
    for _ in range(6):
        await tick([loop], clock, seconds=10)
    got = to(sender, "carol", "sms")
    assert [m.split(" | ")[0] for m in got] == [
        "SEV1 INC-1: Checkout down",
        "SEV1 INC-2: Search down (+1 more)",
    ]
    assert "1 more incident needs you: INC-3." in got[1]
    for inc in (second, third):
        (held,) = [t for t in await timeline(store, inc.id or 0) if "held back" in t]
        assert held == (
            "Page to carol via sms held back by the rate limit (at most 1 sms message a minute "
            "to one person): it goes out with the next sms to carol, at 09:03:00 UTC."
        )
    assert not [t for t in await timeline(store, first.id or 0) if "held back" in t]
    assert Counter(d.status for d in await rows(store) if d.person == "carol") == {
        "sent": 2,
        "bundled": 1,
    }


async def test_at_most_three_calls_in_a_quarter_hour(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    sender = Recorder()
    loop = EscalationLoop(store, policies, PHONE, clock, sender=sender)
    calls: list[int] = []
    for minute in range(18):
        if minute in (0, 2, 4, 6):  # carol's calls due at 1, 3, 5, 7 minutes
            await commands.declare(f"Outage at {minute}", 1)
        before = len(to(sender, "carol", "phone"))
        await tick([loop], clock, seconds=60)
        calls += [minute] * (len(to(sender, "carol", "phone")) - before)
    assert calls == [1, 3, 5, 16]  # the fourth waits for the first to leave the window
    # ... and rides with the re-page of the first (15 minutes without an ack).
    assert refs_in(to(sender, "carol", "phone")[-1:]) == {"INC-1": 1, "INC-4": 1}
    (held,) = [t for t in await timeline(store, 4) if "held back" in t]
    assert "(at most 3 phone messages in 15 minutes to one person)" in held
    assert "at 09:16:00 UTC" in held


async def test_limits_come_from_oncall_yaml(
    tmp_path: Path, policies_dir: Path, db_path: Path, clock: ManualClock
) -> None:
    pdir = tmp_path / "policies"
    shutil.copytree(policies_dir, pdir)
    oncall = pdir / "oncall.yaml"
    oncall.write_text(oncall.read_text().replace("sms: {per_minute: 1,", "sms: {per_minute: 2,"))
    policies = load_policies(pdir)
    store = await Store.open(db_path, clock)
    try:
        commands = Commands(store, policies, "alice", UTC)
        for n in range(3):
            await commands.declare(f"Outage {n}", 1)
        sender = Recorder()
        loop = EscalationLoop(store, policies, SMS, clock, sender=sender)
        for _ in range(6):
            await tick([loop], clock)
        got = [m.split(" | ")[0] for m in to(sender, "carol", "sms")]
        # Two a minute: one message of its own, the last one allowed carries the rest.
        assert got == ["SEV1 INC-1: Outage 0", "SEV1 INC-2: Outage 1 (+1 more)"]
    finally:
        await store.close()


async def test_a_page_acknowledged_while_held_is_stopped_not_sent(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    sender = Recorder()
    loop = EscalationLoop(store, policies, SMS, clock, sender=sender)
    await commands.declare("Checkout down", 1)
    await tick([loop], clock)
    second = await commands.declare("Search down", 1)
    for _ in range(7):
        await tick([loop], clock, seconds=20)  # 09:02:50: INC-2 held until 09:03:00
    await Commands(store, policies, "carol", UTC).ack(second.ref or "")
    for _ in range(4):
        await tick([loop], clock)
    assert [m.split(" | ")[0] for m in to(sender, "carol", "sms")] == ["SEV1 INC-1: Checkout down"]
    said = await timeline(store, second.id or 0)
    assert any("held back" in t for t in said)
    assert any(t.startswith("Stopped paging for sev1-page") for t in said)


async def test_a_bundle_whose_lease_lapsed_is_sent_once_by_the_new_holder(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    for n in range(3):
        inc = await commands.declare(f"Outage {n}", 1)
        await fire_due(store, policies, SMS, [inc.id or 0], fired_by="test")
    clock.advance(minutes=2)
    limits = policies.oncall.notification_limits
    stale = await delivery.claim_due(store, SMS, limits=limits)
    assert [len(c.bundle) for c in stale if c.person == "carol"] == [2]
    clock.advance(seconds=LEASE.total_seconds() + 1)  # the holder is suspended past its lease
    fresh = await delivery.claim_due(store, SMS, limits=limits)
    assert [len(c.bundle) for c in fresh if c.person == "carol"] == [2]
    late, other = Recorder(), Recorder()
    await delivery.send_all(store, other, fresh)
    await delivery.send_all(store, late, stale)  # it wakes: nothing of its batch goes out
    assert late.sent == []
    assert len(to(other, "carol", "sms")) == 1
    assert Counter(d.status for d in await rows(store) if d.person == "carol") == {
        "sent": 1,
        "bundled": 2,
    }


async def test_a_page_acknowledged_after_the_claim_leaves_the_bundle(
    store: Store, commands: Commands, policies: Policies, clock: ManualClock
) -> None:
    incs = []
    for n in range(3):
        incs.append(await commands.declare(f"Outage {n}", 1))
        await fire_due(store, policies, SMS, [incs[-1].id or 0], fired_by="test")
    clock.advance(minutes=2)
    claimed = await delivery.claim_due(store, SMS, limits=policies.oncall.notification_limits)
    await Commands(store, policies, "carol", UTC).ack(incs[2].ref or "")
    await delivery.stop_acknowledged(store)
    sender = Recorder()
    await delivery.send_all(store, sender, claimed)
    (one,) = to(sender, "carol", "sms")
    assert "1 more incident needs you: INC-2." in one and "INC-3" not in one


async def exactly_once(url: str, clock: ManualClock, policies: Policies, n: int = 30) -> None:
    """Three loops (three processes) on one database, ``n`` SEV1s at once, an SMS-only
    roster: every page reaches its person exactly once (alone or bundled), within the
    limits."""
    stores = [await Store.open(url, clock) for _ in range(3)]
    try:
        commands = Commands(stores[0], policies, "alice", UTC)
        for i in range(n):
            await commands.declare(f"Outage {i}", 1)
        sender = Recorder()
        loops = [
            EscalationLoop(s, policies, SMS, clock, name=f"w{i}", sender=sender)
            for i, s in enumerate(stores)
        ]
        for _ in range(24):  # 12 minutes: carol at +2, dave at +7 (the secondary level)
            await tick(loops, clock)
        for person in ("carol", "dave"):
            got = to(sender, person, "sms")
            assert len(got) == 1, got  # one a minute, and all of them due in the same one
            assert refs_in(got) == Counter(f"INC-{i}" for i in range(1, n + 1))
        statuses = Counter(d.status for d in await rows(stores[1]) if d.person != "frank")
        assert statuses == {"sent": 2, "bundled": 2 * n - 2}
    finally:
        for s in stores:
            await s.close()


async def test_three_processes_page_each_incident_once_within_the_limits_on_sqlite(
    db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    await exactly_once(str(db_path), clock, policies)


@pytest.mark.skipif(find_bin() is None, reason="PostgreSQL is not installed")
async def test_three_processes_page_each_incident_once_within_the_limits_on_postgres(
    pg_url: str, clock: ManualClock, policies: Policies
) -> None:
    name = f"limits_{uuid.uuid4().hex[:8]}"  # its own database: nothing left by other tests
    admin = create_async_engine(pg_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    await exactly_once(pg_url.rsplit("/", 1)[0] + "/" + name, clock, policies)
