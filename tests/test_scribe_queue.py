"""The scribe line at bridge-call speed: Enter queues at once, lines are recorded in
order exactly once, a paste is one entry a line, a failed line is kept and comes back
with one key, and lines not saved survive the console closing. Keys are pressed with no
pause between them (one ``pilot.press`` for a whole burst)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from pathlib import Path

import pytest
from textual.pilot import Pilot

from screens.app import WarroomApp
from screens.entry_queue import ENV, MAY_BE_SAVED, NOT_SENT
from screens.palette import collect_actions
from screens.war_room import WarRoomScreen
from tests.console_helpers import ConsoleFactory, open_room, paste, settle
from tests.data import seed_sev1
from warroom.clock import ManualClock
from warroom.errors import WarroomError
from warroom.incident.queries import load_view
from warroom.policy import Policies
from warroom.store import Store
from widgets.scribe_input import ScribeInput
from widgets.timeline_lines import PendingRow
from widgets.timeline_view import TimelineView


@pytest.fixture(autouse=True)
def drafts_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The drafts files of this test only (never the user-data folder)."""
    folder = tmp_path / "drafts"
    monkeypatch.setenv(ENV, str(folder))
    return folder


async def notes(db: Path, clock: ManualClock, incident_id: int) -> list[tuple[str, str | None]]:
    async with await Store.open(db, clock) as store:
        view = await load_view(store, str(incident_id))
    return [(e.text, e.role) for e in view.timeline if e.kind == "note"]


def keys(*lines: str) -> list[str]:
    """The key presses that type ``lines``, each followed by Enter."""
    out: list[str] = []
    for line in lines:
        out += [*line, "enter"]
    return out


def shown(timeline: TimelineView) -> str:
    return "\n".join(
        "".join(seg.text for seg in timeline.render_line(y)) for y in range(timeline.size.height)
    )


# Short lines: Pilot itself waits a little after each key (none between lines, though).
LINES = [f"ENG: n{n:02}" if n % 5 == 0 else f"n{n:02}" for n in range(1, 21)]
# No prefix: the author's own role (the room's tester is the IC).
EXPECTED = [(f"n{n:02}", "ENG" if n % 5 == 0 else "IC") for n in range(1, 21)]


async def test_twenty_lines_typed_back_to_back_are_twenty_entries_in_order(
    room: tuple[WarroomApp, Pilot, int], db_path: Path, clock: ManualClock
) -> None:
    app, pilot, iid = room
    before = await notes(db_path, clock, iid)
    await pilot.press(*keys(*LINES))
    assert app.screen.query_one(ScribeInput).value == ""
    await settle(app, pilot)
    assert (await notes(db_path, clock, iid))[len(before) :] == EXPECTED
    timeline = app.screen.query_one(TimelineView)
    assert timeline.pending == []  # committed: the stored rows only, no double row
    assert [r.text for r in timeline.rows[-20:]] == [t for t, _ in EXPECTED]


async def test_lines_typed_while_another_connection_holds_the_write_lock(
    room: tuple[WarroomApp, Pilot, int], db_path: Path, clock: ManualClock
) -> None:
    app, pilot, iid = room
    before = await notes(db_path, clock, iid)
    held = threading.Event()

    def hold_the_lock() -> None:
        con = sqlite3.connect(db_path, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            held.set()
            threading.Event().wait(0.5)  # the holder sleeps, not the test
            con.execute("COMMIT")
        finally:
            con.close()

    timeline = app.screen.query_one(TimelineView)
    painted: set[str] = set()  # every "saving…" line the timeline drew
    set_pending = timeline.set_pending

    def recording(rows: list[PendingRow]) -> None:
        set_pending(rows)
        painted.update(line for line in shown(timeline).splitlines() if "saving… " in line)

    timeline.set_pending = recording  # type: ignore[method-assign,assignment]
    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert await asyncio.to_thread(held.wait, 5)
        await pilot.press(*keys(*LINES))  # the first Enters come while the lock is held
        assert app.screen.query_one(ScribeInput).value == ""
    finally:
        await asyncio.to_thread(holder.join)
    await settle(app, pilot)
    assert (await notes(db_path, clock, iid))[len(before) :] == EXPECTED
    assert timeline.pending == []
    assert any(f"saving… {LINES[0]}" in line for line in painted)  # pending, at once


async def test_a_three_line_cr_paste_is_three_entries_with_their_own_roles(
    room: tuple[WarroomApp, Pilot, int], db_path: Path, clock: ManualClock
) -> None:
    app, pilot, iid = room
    before = await notes(db_path, clock, iid)
    await paste(pilot, "paste line one\rCOMMS: paste line two\rENG: paste line three\r")
    await settle(app, pilot)
    assert (await notes(db_path, clock, iid))[len(before) :] == [
        ("paste line one", "IC"),
        ("paste line two", "COMMS"),
        ("paste line three", "ENG"),
    ]
    assert app.screen.query_one(ScribeInput).value == ""


async def test_a_paste_of_more_than_ten_lines_asks_first(
    room: tuple[WarroomApp, Pilot, int], db_path: Path, clock: ManualClock
) -> None:
    app, pilot, iid = room
    before = await notes(db_path, clock, iid)
    text = "\r\n".join(f"pasted {n}" for n in range(12))
    scribe = app.screen.query_one(ScribeInput)
    await paste(pilot, text)
    await settle(app, pilot)
    status = str(scribe.query_one("#scribe-status").render())
    assert "Paste 12 lines as 12 entries? Enter to confirm, Escape to cancel" in status
    assert await notes(db_path, clock, iid) == before
    await pilot.press("escape")  # drops the paste; still in the war room
    await settle(app, pilot)
    assert isinstance(app.screen, WarRoomScreen)
    assert await notes(db_path, clock, iid) == before
    await paste(pilot, text)
    await pilot.press("enter")
    await settle(app, pilot)
    added = await notes(db_path, clock, iid)
    assert [t for t, _ in added[len(before) :]] == [f"pasted {n}" for n in range(12)]


async def test_a_failed_line_stays_visible_and_ctrl_e_brings_it_back_to_retry(
    room: tuple[WarroomApp, Pilot, int], db_path: Path, clock: ManualClock
) -> None:
    app, pilot, iid = room
    screen = app.screen
    assert isinstance(screen, WarRoomScreen)
    assert "war_room.edit_failed" in {e.binding.id for e in collect_actions(app, screen)}
    before = await notes(db_path, clock, iid)
    gate = asyncio.Event()
    perform = screen._perform
    calls: list[object] = []

    async def busy_once(parsed: object) -> str:
        calls.append(parsed)
        await gate.wait()
        if len(calls) == 1:
            raise WarroomError("the database is busy")
        return await perform(parsed)  # type: ignore[arg-type]

    screen._perform = busy_once  # type: ignore[method-assign]
    await pilot.press(*keys("ENG: retry me"), "n", "e", "x", "t")
    gate.set()
    await settle(app, pilot)
    scribe = screen.query_one(ScribeInput)
    timeline = screen.query_one(TimelineView)
    assert scribe.value == "next"  # the scribe's next line is not touched
    assert timeline.pending == [PendingRow("ENG: retry me", "the database is busy")]
    assert "not saved: the database is busy · ENG: retry me" in shown(timeline)
    await pilot.press("ctrl+e")  # the input is not empty: nothing is overwritten
    assert scribe.value == "next"
    await pilot.press("ctrl+u")
    await pilot.press("ctrl+e")
    assert scribe.value == "ENG: retry me"
    assert timeline.pending == []
    await pilot.press("enter")
    await settle(app, pilot)
    assert (await notes(db_path, clock, iid))[len(before) :] == [("retry me", "ENG")]
    assert len(calls) == 2


async def test_lines_not_saved_come_back_after_the_console_stops(
    console: ConsoleFactory,
    db_path: Path,
    clock: ManualClock,
    policies: Policies,
    drafts_dir: Path,
) -> None:
    """The console stops while one line is being saved and one waits: on reopen both are
    back as failed lines (the first "may already be saved"), and nothing was stored twice."""
    iid = await seed_sev1(db_path, clock, policies)
    async with console() as (app, pilot):
        screen = await open_room(app, pilot, iid)
        before = await notes(db_path, clock, iid)
        stuck = asyncio.Event()

        async def never(parsed: object) -> str:
            await stuck.wait()
            return ""

        screen._perform = never  # type: ignore[method-assign]
        await pilot.press(*keys("first, saving", "second, waiting"))
        expected = [("first, saving", "saving"), ("second, waiting", "queued")]
        kept, saved = drafts_dir / "none yet", []
        for _ in range(100):  # the writer is stuck: no settle(), the file is written
            await pilot.pause(0.02)
            files = list(drafts_dir.glob("*.json"))
            if files:
                kept = files[0]
                saved = json.loads(kept.read_text())["lines"]
                if [(x["line"], x["state"]) for x in saved] == expected:
                    break
        assert [(x["line"], x["state"]) for x in saved] == expected
        assert kept.stat().st_mode & 0o777 == 0o600
    async with console() as (app, pilot):
        screen = await open_room(app, pilot, iid)
        assert screen.query_one(TimelineView).pending == [
            PendingRow("first, saving", MAY_BE_SAVED),
            PendingRow("second, waiting", NOT_SENT),
        ]
        status = screen.query_one(ScribeInput).query_one("#scribe-status").render()
        assert "2 lines not saved last time" in str(status)
        await pilot.press("ctrl+e", "enter", "ctrl+e", "enter")
        await settle(app, pilot)
        assert screen.query_one(TimelineView).pending == []
        assert list(drafts_dir.iterdir()) == []  # nothing left to keep
    assert (await notes(db_path, clock, iid))[len(before) :] == [
        ("first, saving", "IC"),
        ("second, waiting", "IC"),
    ]


async def test_keys_arriving_in_one_burst_as_from_a_terminal_are_one_entry_a_line(
    room: tuple[WarroomApp, Pilot, int], db_path: Path, clock: ManualClock
) -> None:
    """A real terminal delivers a fast typist's keys in one read: every key is queued
    before the first is handled (Pilot waits after each key and hides this). Enter must
    take exactly the characters typed before it, never the next line's."""
    from textual import events

    from widgets.scribe_input import EntryInput

    app, pilot, iid = room
    before = await notes(db_path, clock, iid)
    entry = app.screen.query_one(EntryInput)
    lines = ["ENG: line one", "IC : spaced", "COMMS: third"]
    for key in keys(*lines):
        char = key if len(key) == 1 else None
        entry.post_message(events.Key("space" if key == " " else key, char))
    await settle(app, pilot)
    assert (await notes(db_path, clock, iid))[len(before) :] == [
        ("line one", "ENG"),
        ("IC : spaced", "IC"),
        ("third", "COMMS"),
    ]
    assert entry.value == ""
