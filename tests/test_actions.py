"""Action items: the life cycle, overdue listing, completion-rate inputs, bad input."""

from __future__ import annotations

import shutil
from datetime import UTC, date, timedelta
from pathlib import Path

import pytest

from warroom.clock import ManualClock
from warroom.errors import BadInput, NotFound
from warroom.incident.actions import (
    action_stats,
    is_overdue,
    list_actions,
    parse_due,
)
from warroom.incident.commands import Commands
from warroom.incident.queries import load_view
from warroom.models import ActionItem
from warroom.policy import Policies, load_policies
from warroom.store import Store

TODAY = date(2026, 3, 2)  # the clock fixture's day


@pytest.fixture
async def ref(commands: Commands) -> str:
    inc = await commands.declare("Checkout down", 1, ic="alice")
    return inc.ref or ""


async def action_entries(store: Store, ref: str) -> list[str]:
    return [e.text for e in (await load_view(store, ref)).timeline if e.kind == "action"]


async def test_life_cycle(commands: Commands, clock: ManualClock, store: Store, ref: str) -> None:
    item = await commands.add_action(
        ref, "Add a canary stage", kind="Detection", owner="bob", priority="1", due="+7d"
    )
    assert (item.kind, item.owner, item.priority, item.due) == (
        "detection",
        "bob",
        "P1",
        date(2026, 3, 9),
    )
    assert item.status == "open" and item.created_at == clock.now() and item.completed_at is None
    assert item.created_by == "alice"
    clock.advance(days=1)
    item = await commands.update_action("AI-1", status="in progress", owner="carol")
    assert item.status == "in_progress" and item.owner == "carol"
    item = await commands.update_action(1, due="2026-03-20", title="Add a canary stage to deploy")
    assert item.due == date(2026, 3, 20)
    clock.advance(days=2)
    item = await commands.complete_action("#1")
    assert item.status == "done" and item.completed_at == clock.now()
    with pytest.raises(BadInput, match="already done"):
        await commands.complete_action(1)
    item = await commands.update_action(1, status="open")  # reopened
    assert item.completed_at is None
    item = await commands.update_action(1, status="wont_do", reason="replaced by AI-2")
    assert item.status == "wont_do" and item.reason == "replaced by AI-2"
    assert item.completed_at == clock.now()
    entries = await action_entries(store, ref)
    assert entries == [
        "Action item AI-1 added: Add a canary stage (P1, detection, owner bob, due 2026-03-09)",
        "Action item AI-1 updated (Add a canary stage): owner bob -> carol; "
        "status open -> in progress",
        "Action item AI-1 updated (Add a canary stage to deploy): "
        "title Add a canary stage -> Add a canary stage to deploy; due 2026-03-09 -> 2026-03-20",
        "Action item AI-1 done: Add a canary stage to deploy",
        "Action item AI-1 updated (Add a canary stage to deploy): status done -> open",
        "Action item AI-1 updated (Add a canary stage to deploy): status open -> won't do; "
        "reason none -> replaced by AI-2",
    ]


async def test_a_quick_capture_from_the_war_room_needs_only_a_title(
    commands: Commands, ref: str
) -> None:
    item = await commands.add_action(ref, "Rate-limit the retry storm")
    assert item.owner is None and item.priority == "P2"
    assert item.due == TODAY + timedelta(days=30)  # the policy's default for a P2
    assert item.kind == "preventive"


async def test_overdue_listing_sorts_overdue_first(
    commands: Commands, clock: ManualClock, store: Store, ref: str
) -> None:
    other = (await commands.declare("Search slow", 2, ic="alice")).ref or ""
    a = await commands.add_action(ref, "due in 10 days", owner="bob", due="+10d")
    b = await commands.add_action(ref, "due tomorrow", owner="carol", due="tomorrow")
    c = await commands.add_action(other, "due in 3 days", owner="bob", due="+3d", priority="P1")
    d = await commands.add_action(other, "no due date yet")
    clock.advance(days=5)
    today = TODAY + timedelta(days=5)
    items = await list_actions(store, today=today)
    assert [i.id for i in items] == [b.id, c.id, a.id, d.id]  # most overdue first
    assert [is_overdue(i, today) for i in items] == [True, True, False, False]
    overdue = await list_actions(store, today=today, overdue_only=True)
    assert [i.id for i in overdue] == [b.id, c.id]
    mine = await list_actions(store, today=today, owner="BOB")
    assert [i.id for i in mine] == [c.id, a.id]
    assert [i.id for i in await list_actions(store, today=today, incident=other)] == [c.id, d.id]
    await commands.complete_action(b.id or 0)
    assert [i.id for i in await list_actions(store, today=today, overdue_only=True)] == [c.id]
    everything = await list_actions(store, today=today, include_closed=True)
    assert everything[-1].id == b.id  # done items last
    due_today = await commands.add_action(ref, "due today", owner="bob", due="today")
    assert not is_overdue(due_today, today)


def test_completion_rate_inputs() -> None:
    today = date(2026, 3, 10)

    def item(status: str, due: date | None, done_on: date | None = None) -> ActionItem:
        completed = None
        if done_on is not None:
            completed = (
                ManualClock().now().replace(year=done_on.year, month=done_on.month, day=done_on.day)
            )
        return ActionItem(
            title="x",
            status=status,
            due=due,
            created_by="a",
            created_at=ManualClock().now(),
            completed_at=completed,
        )

    items = [
        item("done", date(2026, 3, 5), date(2026, 3, 4)),  # on time
        item("done", date(2026, 3, 5), date(2026, 3, 8)),  # late
        item("open", date(2026, 3, 1)),  # overdue
        item("in_progress", date(2026, 3, 20)),
        item("wont_do", date(2026, 3, 1), date(2026, 3, 2)),
    ]
    stats = action_stats(items, today)
    assert stats.to_json() == {
        "total": 5,
        "open": 1,
        "in_progress": 1,
        "done": 2,
        "wont_do": 1,
        "overdue": 1,
        "done_on_time": 1,
        "completion_rate": 0.5,
        "on_time_rate": 0.5,
    }
    assert action_stats([], today).completion_rate is None


async def test_bad_inputs_change_nothing(commands: Commands, store: Store, ref: str) -> None:
    with pytest.raises(BadInput, match=r"due date 2026-03-01 is in the past \(today is 2026-03-02"):
        await commands.add_action(ref, "late already", owner="bob", due="2026-03-01")
    with pytest.raises(BadInput, match="not a date"):
        await commands.add_action(ref, "x", due="next week")
    with pytest.raises(BadInput, match="unknown action item kind 'cleanup'"):
        await commands.add_action(ref, "x", kind="cleanup")
    with pytest.raises(BadInput, match="unknown priority 'P4'"):
        await commands.add_action(ref, "x", priority="P4")
    with pytest.raises(BadInput, match="title is empty"):
        await commands.add_action(ref, "   ")
    with pytest.raises(NotFound, match="no incident INC-99"):
        await commands.add_action("INC-99", "x")
    item = await commands.add_action(ref, "real", owner="bob", due="+1d")
    with pytest.raises(BadInput, match="won't do needs a reason"):
        await commands.update_action(item.id or 0, status="wont_do")
    with pytest.raises(BadInput, match="nothing to change"):
        await commands.update_action(item.id or 0)
    with pytest.raises(BadInput, match="in the past"):
        await commands.update_action(item.id or 0, due="2026-02-01")
    with pytest.raises(NotFound, match="no action item AI-42"):
        await commands.complete_action("AI-42")
    with pytest.raises(BadInput, match="already open"):
        await commands.update_action(item.id or 0, status="open")
    assert len(await action_entries(store, ref)) == 1


async def test_owner_must_be_on_the_roster_when_there_is_one(
    tmp_path: Path, policies_dir: Path, data_dir: Path, store: Store, ref: str
) -> None:
    folder = tmp_path / "policies"
    shutil.copytree(policies_dir, folder)
    shutil.copy(data_dir / "roster.yaml", folder / "roster.yaml")
    commands = Commands(store, load_policies(folder), "alice", UTC)
    with pytest.raises(NotFound, match=r"unknown owner 'mallory': the roster names alice, bob"):
        await commands.add_action(ref, "x", owner="mallory", due="+1d")
    assert (await commands.add_action(ref, "x", owner="BOB", due="+1d")).owner == "bob"
    assert (await commands.add_action(ref, "y", owner="@carol", due="+1d")).owner == "carol"


async def test_without_a_roster_any_owner_is_accepted(
    commands: Commands, policies: Policies, ref: str
) -> None:
    assert not (Path(policies.directory) / "roster.yaml").exists()
    assert (await commands.add_action(ref, "x", owner="Mallory M.", due="+1d")).owner == (
        "Mallory M."
    )


def test_due_date_forms() -> None:
    assert parse_due("2026-04-01", TODAY) == date(2026, 4, 1)
    assert parse_due("+2w", TODAY) == date(2026, 3, 16)
    assert parse_due("3d", TODAY) == date(2026, 3, 5)
    assert parse_due("Tomorrow", TODAY) == date(2026, 3, 3)
