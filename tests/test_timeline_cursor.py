"""Working the timeline from the keyboard: Enter on the timeline highlights a row, Up
and Down move it, Escape leaves; on the row ``c`` puts ``/correct #SEQ`` in the scribe
line, ``p`` pins or unpins it through the command layer, ``y`` copies its text, ``f``
folds or unfolds it. Long entries are folded by default; pins and corrections say so
in words."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from screens.app import WarroomApp
from screens.war_room import WarRoomScreen
from tests.console_helpers import ConsoleFactory, open_room, settle
from tests.data import commands_on, seed_sev1
from warroom.clock import ManualClock
from warroom.incident.queries import load_view
from warroom.policy import Policies
from warroom.store import Store
from widgets.scribe_input import ScribeInput
from widgets.timeline_view import TimelineView

LONG = " ".join(f"word{n:04}" for n in range(550))  # about 5,000 characters


def screen_text(timeline: TimelineView) -> str:
    return "\n".join(
        "".join(s.text for s in timeline.render_line(y)).rstrip()
        for y in range(timeline.size.height)
    )


async def entries(db: Path, clock: ManualClock, iid: int) -> list[tuple[int, str, int | None]]:
    """(seq, kind, seq of the entry it points at) of every entry."""
    async with await Store.open(db, clock) as store:
        view = await load_view(store, str(iid))
    seq_of = {e.id: e.seq for e in view.timeline}
    return [(e.seq, e.kind, seq_of.get(e.corrects_id)) for e in view.timeline]


async def cursor_on(app: WarroomApp, pilot: Pilot, text: str) -> TimelineView:
    """Focus the timeline, enter cursor mode and move up to the row saying ``text``."""
    timeline = app.screen.query_one(TimelineView)
    await pilot.press("ctrl+o", "enter")
    for _ in range(len(timeline.rows)):
        assert timeline.cursor is not None
        if timeline.cursor.text == text:
            return timeline
        await pilot.press("up")
    raise AssertionError(f"no row says {text!r}")


async def test_enter_highlights_the_newest_row_up_moves_escape_leaves(room) -> None:  # type: ignore[no-untyped-def]
    app, pilot, _ = room
    timeline = app.screen.query_one(TimelineView)
    await pilot.press("ctrl+o", "enter")
    assert timeline.cursor == timeline.rows[-1]
    assert f"Timeline · #{timeline.rows[-1].seq} · times in UTC" in str(timeline.border_title)
    await pilot.press("up")
    assert timeline.cursor == timeline.rows[-2]
    row_line = next(
        timeline.render_line(y)
        for y in range(timeline.size.height)
        if "Error rate 40%" in "".join(s.text for s in timeline.render_line(y))
    )
    assert any(s.style and s.style.reverse for s in row_line)  # highlighted, not by colour
    await pilot.press("escape")
    assert timeline.cursor is None
    assert isinstance(app.screen, WarRoomScreen)  # Escape left cursor mode, not the room
    await pilot.press("escape")
    assert not isinstance(app.screen, WarRoomScreen)


async def test_c_puts_a_correction_in_the_scribe_line_and_it_points_at_the_row(
    room, db_path, clock
) -> None:  # type: ignore[no-untyped-def]
    app, pilot, iid = room
    timeline = await cursor_on(app, pilot, "Error rate 40% on checkout-api since deploy 4812")
    target = timeline.cursor
    assert target is not None
    await pilot.press("c")
    scribe = app.screen.query_one(ScribeInput)
    assert scribe.value == f"/correct #{target.seq} "
    assert app.focused is scribe.entry and timeline.cursor is None
    await pilot.press(*"Error rate 60%", "enter")
    await settle(app, pilot)
    last = (await entries(db_path, clock, iid))[-1]
    assert last[1:] == ("correction", target.seq)
    text = screen_text(timeline)
    assert f"corrects #{target.seq}: Error rate 60%" in text
    assert f"[corrected in #{last[0]}] Error rate 40%" in text


async def test_p_pins_and_unpins_through_the_command_layer(room, db_path, clock) -> None:  # type: ignore[no-untyped-def]
    app, pilot, iid = room
    timeline = await cursor_on(app, pilot, "Rolling back deploy 4812")
    seq = timeline.rows[-1].seq
    await pilot.press("p")
    await settle(app, pilot)
    assert (await entries(db_path, clock, iid))[-1][1:] == ("pin", seq)
    assert "[pin] Rolling back deploy 4812" in screen_text(timeline)
    assert "Pinned" in str(app.screen.query_one("#scribe-status").render())
    await cursor_on(app, pilot, "Rolling back deploy 4812")
    await pilot.press("p")
    await settle(app, pilot)
    assert (await entries(db_path, clock, iid))[-1][1:] == ("unpin", seq)
    assert "[pin] Rolling" not in screen_text(timeline)


async def test_y_copies_the_entry_text(room) -> None:  # type: ignore[no-untyped-def]
    app, pilot, _ = room
    await cursor_on(app, pilot, "Rolling back deploy 4812")
    await pilot.press("y")
    await pilot.pause()
    assert app.clipboard == "Rolling back deploy 4812"


async def test_a_long_entry_is_folded_and_f_unfolds_it(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    iid = await seed_sev1(db_path, clock, policies)
    async with commands_on(db_path, clock, policies) as c:
        await c.log(f"INC-{iid}", LONG)
    async with console(size=(80, 24)) as (app, pilot):
        await open_room(app, pilot, iid)
        timeline = app.screen.query_one(TimelineView)
        row = timeline.rows[-1]
        assert timeline.order.height[row.seq] == 4  # 3 lines, then "… N more lines"
        lines = screen_text(timeline).splitlines()
        first = next(n for n, line in enumerate(lines) if "word0000" in line)
        assert "word" in lines[first + 2] and lines[first + 3].strip().endswith("more lines")
        await pilot.press("ctrl+o", "enter", "f")
        assert timeline.order.height[row.seq] > 100
        await pilot.press("f")
        assert timeline.order.height[row.seq] == 4


async def test_cursor_keys_type_while_the_scribe_line_has_focus(room) -> None:  # type: ignore[no-untyped-def]
    app, pilot, _ = room
    scribe = app.screen.query_one(ScribeInput)
    scribe.entry.focus()
    await pilot.press("c", "p", "y", "f", "o", "slash")
    assert scribe.value == "cpyfo/"
    timeline = app.screen.query_one(TimelineView)
    assert timeline.cursor is None and timeline.by_event
