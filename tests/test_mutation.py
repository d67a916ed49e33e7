"""The one mutation helper: the event time is taken inside the write transaction (once
the lock is held), every entry has its change-feed row, and a missing incident is one
error with one message whichever verb or reader meets it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from tests.data import T0
from warroom.clock import ManualClock
from warroom.errors import NotFound, NotPermitted
from warroom.escalation.report import escalation_report
from warroom.escalation.snapshot import load_snapshot
from warroom.incident.commands import Commands
from warroom.incident.queries import get_incident
from warroom.models import Change, TimelineEntry
from warroom.policy import Policies
from warroom.store import Store

MISSING = "no incident INC-99 in this database (see warroom list)."


class TickingClock:
    """A clock that moves one second each time it is read: every reading is later than
    the one before, so the order of the readings is the order of the entries' times."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now


@contextmanager
def write_lock_held(db: Path) -> Iterator[None]:
    """Another process's writer holding the SQLite write lock until the block ends."""
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        yield
        con.execute("COMMIT")
    finally:
        con.close()


async def _entries(store: Store, incident_id: int) -> list[TimelineEntry]:
    async with store.read() as s:
        q = select(TimelineEntry).where(col(TimelineEntry.incident_id) == incident_id)
        return list((await s.execute(q.order_by(col(TimelineEntry.seq)))).scalars())


async def test_the_event_time_is_read_once_the_write_lock_is_held(
    db_path: Path, store: Store, clock: ManualClock, commands: Commands
) -> None:
    inc = await commands.declare("Checkout down", 2)
    with write_lock_held(db_path):
        task = asyncio.create_task(commands.log(inc.ref or "", "waited for the lock"))
        await asyncio.sleep(0.3)  # the write is waiting on the lock now
        assert not task.done()
        clock.advance(minutes=5)
    entry = await task
    assert entry.at.replace(tzinfo=UTC) == T0 + timedelta(minutes=5)
    assert entry.recorded_at.replace(tzinfo=UTC) == T0 + timedelta(minutes=5)


async def test_a_backdated_time_is_checked_against_the_time_inside_the_lock(
    db_path: Path, store: Store, clock: ManualClock, commands: Commands
) -> None:
    """``--at`` 3 minutes ahead of the moment the command was typed is in the past by
    the time the write gets the lock 5 minutes later: accepted, not "in the future"."""
    inc = await commands.declare("Checkout down", 2)
    at = T0 + timedelta(minutes=3)
    with write_lock_held(db_path):
        task = asyncio.create_task(commands.ack(inc.ref or "", at=at))
        await asyncio.sleep(0.3)
        clock.advance(minutes=5)
    acked = await task
    assert acked.acknowledged_at is not None
    assert acked.acknowledged_at.replace(tzinfo=UTC) == at


async def test_concurrent_writers_never_write_an_entry_earlier_than_the_one_before(
    db_path: Path, policies: Policies
) -> None:
    clock = TickingClock(T0)
    stores = [await Store.open(db_path, clock) for _ in range(4)]
    try:
        writers = [Commands(s, policies, f"w{i}", UTC) for i, s in enumerate(stores)]
        inc = await writers[0].declare("Checkout down", 2)
        ref = inc.ref or ""
        with write_lock_held(db_path):  # all of them queue up on the lock, then race
            tasks = [
                asyncio.create_task(w.log(ref, f"{w.actor} line {n}"))
                for n in range(6)
                for w in writers
            ]
            await asyncio.sleep(0.3)
        await asyncio.gather(*tasks)
        entries = await _entries(stores[0], inc.id or 0)
    finally:
        for s in stores:
            await s.close()
    assert len(entries) == 1 + 6 * len(writers)
    for before, after in pairwise(entries):
        assert after.at >= before.at, f"entry {after.seq} is earlier than entry {before.seq}"
        assert after.recorded_at >= before.recorded_at


async def test_every_entry_has_its_change_feed_row(store: Store, commands: Commands) -> None:
    inc = await commands.declare("Checkout down", 1, ic="alice")
    ref = inc.ref or ""
    await commands.log(ref, "rolled back")
    await commands.add_action(ref, "Add a canary")
    await commands.save_sections(ref, {"impact": "EU checkout down"})
    await commands.record_status(ref, "Investigating")
    async with store.read() as s:
        changes = (
            await s.execute(
                select(func.count(col(Change.id))).where(col(Change.incident_id) == inc.id)
            )
        ).scalar()
    assert changes == len(await _entries(store, inc.id or 0))


async def test_the_permission_is_checked_inside_the_lock(
    store: Store, policies: Policies, commands: Commands
) -> None:
    inc = await commands.declare("Checkout down", 1, ic="alice")
    bob = Commands(store, policies, "bob", UTC)
    with pytest.raises(NotPermitted, match="only the incident commander of INC-1 \\(alice\\)"):
        await bob.resolve(inc.ref or "")
    assert (await get_incident(store, inc.ref or "")).resolved_at is None


def _verbs(commands: Commands) -> dict[str, Callable[[], Awaitable[Any]]]:
    c = commands
    return {
        "log": lambda: c.log("INC-99", "x"),
        "ack": lambda: c.ack("INC-99"),
        "assign": lambda: c.assign("INC-99", "ic", "bob"),
        "severity": lambda: c.set_severity("INC-99", 1),
        "resolve": lambda: c.resolve("INC-99"),
        "milestone": lambda: c.set_milestone("INC-99", "started", T0),
        "checklist": lambda: c.toggle_checklist("INC-99", 1),
        "status": lambda: c.record_status("INC-99", "x"),
        "post_update": lambda: c.post_update("INC-99", audience="internal", text="x"),
        "add_action": lambda: c.add_action("INC-99", "x"),
        "save_sections": lambda: c.save_sections("INC-99", {"impact": "x"}),
        "move_status": lambda: c.move_postmortem_status("INC-99", "in_review"),
    }


VERBS = [
    "log",
    "ack",
    "assign",
    "severity",
    "resolve",
    "milestone",
    "checklist",
    "status",
    "post_update",
    "add_action",
    "save_sections",
    "move_status",
]


@pytest.mark.parametrize("verb", VERBS)
async def test_a_missing_incident_is_one_message_from_every_verb(
    commands: Commands, verb: str
) -> None:
    with pytest.raises(NotFound) as err:
        await _verbs(commands)[verb]()
    assert str(err.value) == MISSING


async def test_a_missing_incident_is_the_same_message_from_the_readers(
    store: Store, policies: Policies
) -> None:
    readers: list[Callable[[], Awaitable[Any]]] = [
        lambda: get_incident(store, "INC-99"),
        lambda: load_snapshot(store, 99),
        lambda: escalation_report(store, policies, None, 99, T0),
    ]
    for read in readers:
        with pytest.raises(NotFound) as err:
            await read()
        assert str(err.value) == MISSING
