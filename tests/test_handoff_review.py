"""The handoff review (`warroom handoff`) for a week with open incidents, pages and overdue
action items; notes, the acknowledgment and its flags."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.cli_helpers import Warroom
from tests.oncall_helpers import demo_roster, record_pages, utc
from warroom.clock import ManualClock
from warroom.errors import BadInput, NotPermitted
from warroom.incident.commands import Commands
from warroom.models import ActionItem
from warroom.oncall.handoff import HandoffCommands
from warroom.oncall.review import load_review
from warroom.policy import Policies, load_policies
from warroom.store import Store

LONDON = ZoneInfo("Europe/London")


async def _action(store: Store, title: str, owner: str, due: date, status: str = "open") -> None:
    async def work(s):  # type: ignore[no-untyped-def]
        s.add(
            ActionItem(
                incident_id=1,
                title=title,
                owner=owner,
                due=due,
                status=status,
                created_by="frank",
                created_at=utc(2026, 2, 25),
            )
        )

    await store.transaction(work)


async def build_week(db: Path, policies: Policies) -> None:
    """The shift from Monday 2 March 10:00 to Monday 9 March 10:00 (London = UTC then):
    dave primary, erin secondary; at 10:00 erin takes the primary, alice the secondary."""
    clock = ManualClock(utc(2026, 3, 9, 9, 40))
    store = await Store.open(db, clock)
    try:
        dave = Commands(store, policies, "dave", LONDON)
        old = await dave.declare("Old blip", 4, at=utc(2026, 2, 20, 10))
        await dave.resolve(old.ref or "", at=utc(2026, 2, 21, 10))
        inc3 = await dave.declare("Slow search", 2, ic="carol", at=utc(2026, 2, 27, 12))
        await dave.mitigate(inc3.ref or "", at=utc(2026, 2, 28, 12))
        inc2 = await dave.declare("Queue backlog", 3, at=utc(2026, 3, 3, 10))
        await dave.resolve(inc2.ref or "", at=utc(2026, 3, 4, 12))
        inc1 = await dave.declare("Checkout down", 1, ic="dave", at=utc(2026, 3, 9, 9))
        await dave.ack(inc1.ref or "", at=utc(2026, 3, 9, 9, 5))
        await dave.record_status(
            inc1.ref or "", "Investigating checkout errors", at=utc(2026, 3, 9, 9, 20)
        )
        assert (inc1.id, inc3.id) == (4, 2)
        # Pages: the SEV2 re-page at 19:00 UTC (00:30 in Kolkata, 06:00 in Sydney: night
        # for both), its team-lead step in dave's day, the SEV1 team-lead page in Berlin's day.
        page = record_pages
        await page(store, 2, "sev2-no-ack-30", utc(2026, 3, 3, 19),
                   {"dave": ["push", "phone", "sms"], "erin": ["push"]})  # fmt: skip
        await page(store, 2, "sev2-unresolved-60", utc(2026, 3, 5, 6), {"dave": ["push"]})
        await page(store, 4, "sev1-unresolved-30", utc(2026, 3, 9, 9, 30),
                   {"carol": ["push", "sms"]})  # fmt: skip
        await page(store, 1, "old", utc(2026, 2, 20, 11), {"dave": ["push"]})  # not this shift
        await _action(store, "Add a queue depth alert", "bob", date(2026, 3, 5))  # overdue
        await _action(store, "Runbook for failover", "alice", date(2026, 3, 9))  # due today
        await _action(store, "Load test search", "carol", date(2026, 3, 12), "in_progress")
        await _action(store, "Later work", "dave", date(2026, 3, 20))  # beyond the week
        await _action(store, "Done already", "erin", date(2026, 3, 1), "done")
    finally:
        await store.close()


@pytest.fixture
def week(db_path: Path, pol_dir: Path) -> Warroom:
    asyncio.run(build_week(db_path, load_policies(pol_dir)))
    return Warroom(db_path, actor="dave", tz="Europe/London", policies=pol_dir)


def test_handoff_json_for_a_busy_week(week: Warroom) -> None:
    data = week.json("handoff", "--at", "2026-03-09T09:40")
    assert data["handoff_at"] == "2026-03-09T10:00:00Z"
    assert data["primary"] == {"outgoing": "dave", "incoming": "erin"}
    assert data["secondary"] == {"outgoing": "erin", "incoming": "alice"}
    assert data["shift"] == {"from": "2026-03-02T10:00:00Z", "until": "2026-03-09T09:40:00Z"}

    open_ = data["open_incidents"]
    assert [(o["ref"], o["severity"], o["ic"]) for o in open_] == [
        ("INC-4", 1, "dave"),
        ("INC-2", 2, "carol"),
    ]
    inc1, inc3 = open_
    assert inc1["phase"] != "declare"  # acknowledged
    assert inc1["next_escalation"] == {
        "due_at": "2026-03-09T10:00:00Z",
        "action": "Page the engineering manager and the executive on-call",
        "targets": ["engineering_manager", "executive_oncall"],
        "overdue": False,
    }
    assert inc1["last_status_update"]["text"] == "Investigating checkout errors"
    assert inc1["last_status_update"]["at"] == "2026-03-09T09:20:00Z"
    assert inc3["status"] == "mitigated" and inc3["last_status_update"] is None
    assert inc3["next_escalation"]["overdue"] is True

    during = data["during_shift"]
    assert [i["ref"] for i in during["declared"]] == ["INC-3", "INC-4"]
    assert [i["ref"] for i in during["resolved"]] == ["INC-3"]
    assert during["pages"] == {
        "carol": {"total": 1, "night": 0, "day": 1},
        "dave": {"total": 2, "night": 1, "day": 1},
        "erin": {"total": 1, "night": 1, "day": 0},
    }
    assert during["pages_total"] == 4

    actions = data["action_items"]
    assert [(a["title"], a["due"]) for a in actions["overdue"]] == [
        ("Add a queue depth alert", "2026-03-05")
    ]
    assert [a["title"] for a in actions["due_this_week"]] == [
        "Runbook for failover",
        "Load test search",
    ]
    assert data["notes"] == {"text": "", "by": None, "entries": []}
    assert data["acknowledgment"] == {"by": None, "at": None, "due_by": "2026-03-09T11:00:00Z"}
    assert [f["kind"] for f in data["flags"]] == ["notes_missing"]

    text = week("handoff", "--at", "2026-03-09T09:40").output
    assert "primary    dave -> erin" in text
    assert "next escalation Mon 2026-03-09 10:00 GMT: Page the engineering manager" in text


def test_notes_acknowledgment_and_flags(week: Warroom, db_path: Path, pol_dir: Path) -> None:
    # Only an incoming on-call may acknowledge (exit 3); not before the notes exist (exit 2).
    r = week("handoff", "ack", "--at", "2026-03-09T09:40", actor="bob")
    assert r.exit_code == 3 and "only the incoming on-call (erin or alice)" in r.stderr
    r = week("handoff", "ack", "--at", "2026-03-09T09:40", actor="erin")
    assert r.exit_code == 2
    notes = "INC-4 checkout: rollback pending\nwatch [bold]the queue[/] \x1b[31m"
    r = week("handoff", "notes", notes, "--at", "2026-03-09T09:40")
    assert r.exit_code == 0 and "by dave" in r.output
    data = week.json("handoff", "--at", "2026-03-09T09:45")
    assert data["notes"]["text"] == notes and data["notes"]["by"] == "dave"  # byte-exact
    assert data["notes"]["entries"] == [{"by": "dave", "at": "2026-03-09T09:40:00Z", "text": notes}]
    assert "\\x1b[31m" in week("handoff", "--at", "2026-03-09T09:45").output  # shown escaped

    policies = load_policies(pol_dir)
    roster = demo_roster(pol_dir)

    async def ack(at: datetime, who: str) -> None:
        store = await Store.open(db_path, ManualClock(at))
        try:
            await HandoffCommands(store, policies, roster, who).acknowledge()
        finally:
            await store.close()

    asyncio.run(ack(utc(2026, 3, 9, 9, 50), "erin"))
    after = week.json("handoff", "--at", "2026-03-09T10:30")
    assert after["acknowledgment"]["by"] == "erin"
    assert after["acknowledgment"]["at"] == "2026-03-09T09:50:00Z"
    assert after["flags"] == []
    # The secondary acknowledges their own side; a second ack of one side is refused.
    asyncio.run(ack(utc(2026, 3, 9, 9, 55), "alice"))
    with pytest.raises(BadInput, match="already acknowledged by erin"):
        asyncio.run(ack(utc(2026, 3, 9, 9, 56), "erin"))

    # A week later: the next review shows this acknowledgment, and flags its own once late.
    nxt = week.json("handoff", "--at", "2026-03-16T09:00")
    assert nxt["primary"] == {"outgoing": "erin", "incoming": "alice"}
    assert nxt["previous"][0]["acknowledged_by"] == "erin"
    assert nxt["previous"][0]["handoff_at"] == "2026-03-09T10:00:00Z"
    late = week.json("handoff", "--at", "2026-03-16T11:30")
    assert late["handoff_at"] == "2026-03-16T10:00:00Z"
    flags = {f["kind"]: f["message"] for f in late["flags"]}
    assert "unacknowledged" in flags
    assert "not acknowledged 1h 30m after the handoff" in flags["unacknowledged"]
    with pytest.raises(NotPermitted):
        asyncio.run(ack(utc(2026, 3, 16, 11, 30), "erin"))  # erin is the outgoing one now


async def review_at(store: Store, pol_dir: Path, at: datetime):  # type: ignore[no-untyped-def]
    """The handoff review as of ``at`` with the demo roster."""
    return await load_review(store, load_policies(pol_dir), demo_roster(pol_dir), at)


async def test_review_picks_the_coming_handoff_from_twelve_hours_before(
    store: Store, pol_dir: Path
) -> None:
    friday = await review_at(store, pol_dir, utc(2026, 3, 6, 12))
    assert friday.at == utc(2026, 3, 2, 10)  # the last one
    sunday = await review_at(store, pol_dir, utc(2026, 3, 8, 22, 30))
    assert sunday.at == utc(2026, 3, 9, 10)  # the coming one
    assert (sunday.primary.outgoing, sunday.primary.incoming) == ("dave", "erin")


async def test_review_weeks_before_the_rotation_starts_is_of_its_first_handoff(
    store: Store, pol_dir: Path
) -> None:
    early = await review_at(store, pol_dir, utc(2025, 12, 1, 9))
    assert early.at == utc(2026, 1, 5, 10)  # the first handoff, not one before the start
    assert early.primary.incoming == "alice"
