"""The timeline in event-time order: a backdated entry sits where it happened (marked),
``o`` switches to recorded order and the pane title says which; the rows loaded in
slices behind the first paint and the ones arriving live land in place, each once; an
entry not from today (in the zone shown) shows its date, at 80 columns too."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from screens import war_room_view
from tests.cli_helpers import Warroom
from tests.console_helpers import ConsoleFactory, open_room, settle
from tests.data import T0, commands_on, seed_sev1
from warroom.clock import ManualClock
from warroom.incident.queries import EntryRow
from warroom.policy import Policies
from widgets.scribe_input import ScribeInput
from widgets.timeline_order import TimelineOrder
from widgets.timeline_view import TimelineView


def screen_lines(timeline: TimelineView) -> list[str]:
    return [
        "".join(s.text for s in timeline.render_line(y)).rstrip()
        for y in range(timeline.size.height)
    ]


def line_of(timeline: TimelineView, text: str) -> str:
    return next(line for line in screen_lines(timeline) if text in line)


async def backdate(db: Path, clock: ManualClock, policies: Policies, iid: int, text: str,
                   at: timedelta) -> None:  # fmt: skip
    async with commands_on(db, clock, policies) as c:
        await c.log(f"INC-{iid}", text, at=T0 + at)


async def test_a_backdated_entry_sits_where_it_happened_and_o_shows_recorded_order(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    iid = await seed_sev1(db_path, clock, policies)  # 09:00 .. 09:05, now 09:10
    await backdate(db_path, clock, policies, iid, "DBA paged by phone", timedelta(minutes=1))
    async with console() as (app, pilot):
        await open_room(app, pilot, iid)
        timeline = app.screen.query_one(TimelineView)
        texts = [r.text for r in timeline.rows]
        assert texts.index("DBA paged by phone") < texts.index(
            "Error rate 40% on checkout-api since deploy 4812"
        )  # 09:01 before 09:03, although recorded at 09:10
        assert "09:01*" in line_of(timeline, "DBA paged by phone")
        assert "by event time" in str(timeline.border_title)
        await pilot.press("ctrl+o", "o")
        await pilot.pause()
        assert not timeline.by_event
        assert timeline.rows[-1].text == "DBA paged by phone"  # recorded last
        assert [r.seq for r in timeline.rows] == sorted(r.seq for r in timeline.rows)
        assert "recorded order" in str(timeline.border_title)
        await pilot.press("o")
        await pilot.pause()
        assert timeline.by_event and "by event time" in str(timeline.border_title)


async def test_a_backdated_entry_from_another_console_lands_in_place(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    iid = await seed_sev1(db_path, clock, policies)
    async with console() as (app, pilot):
        await open_room(app, pilot, iid)
        timeline = app.screen.query_one(TimelineView)
        await backdate(db_path, clock, policies, iid, "late: bridge opened", timedelta(minutes=4))
        await app.check_changes()
        await settle(app, pilot)
        texts = [r.text for r in timeline.rows]
        assert texts[-2:] == ["late: bridge opened", "Rolling back deploy 4812"]  # 09:04, 09:05
        assert texts.count("late: bridge opened") == 1


async def test_rows_loaded_in_slices_and_live_are_in_event_order_once_each(
    console: ConsoleFactory,
    db_path: Path,
    clock: ManualClock,
    policies: Policies,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(war_room_view, "TAIL_ROWS", 4)
    monkeypatch.setattr(war_room_view, "SLICE_ROWS", 3)
    iid = await seed_sev1(db_path, clock, policies)
    async with commands_on(db_path, clock, policies) as c:
        for n in range(20):  # every third one backdated, the others in order
            clock.advance(minutes=1)
            at = T0 + timedelta(seconds=30 * n + 7) if n % 3 == 0 else None
            await c.log(f"INC-{iid}", f"entry {n}", at=at)
    async with console() as (app, pilot):
        await open_room(app, pilot, iid)
        timeline = app.screen.query_one(TimelineView)
        for _ in range(20):
            if not timeline.older_missing:
                break
            await settle(app, pilot)
        seqs = [r.seq for r in timeline.rows]
        assert len(seqs) == len(set(seqs)) == timeline.last_seq  # every entry, once
        keys = [(r.at, r.seq) for r in timeline.rows]
        assert keys == sorted(keys)


def _row(seq: int, minute: int) -> EntryRow:
    at = T0 + timedelta(minutes=minute)
    return EntryRow(seq, at, T0 + timedelta(minutes=seq), "alice", None, "note", f"e{seq}")


def test_a_row_arriving_live_and_again_in_an_older_slice_is_kept_once() -> None:
    order = TimelineOrder()
    order.add([_row(s, s) for s in range(6, 11)], lambda r: 1, older=True)  # the tail
    assert order.older_missing == 5 and order.floor == (T0 + timedelta(minutes=6), 6)
    order.add([_row(11, 2)], lambda r: 1)  # recorded now, happened at minute 2
    older = [_row(s, s) for s in (1, 3, 4, 5)] + [_row(11, 2)]
    added = order.add(older, lambda r: 1, older=True)
    assert [r.seq for r in added] == [1, 3, 4, 5]
    assert [r.seq for r in order.rows] == [1, 11, 3, 4, 5, 6, 7, 8, 9, 10]
    assert order.older_missing == 1 and order.lines == 10  # seq 2 still to come
    order.set_order(by_event=False)
    assert [r.seq for r in order.rows] == [1, 3, 4, 5, 6, 7, 8, 9, 10, 11]


# --- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (160, 40)])
async def test_an_entry_from_another_day_shows_its_date(
    console: ConsoleFactory,
    db_path: Path,
    clock: ManualClock,
    policies: Policies,
    size: tuple[int, int],
) -> None:
    iid = await seed_sev1(db_path, clock, policies)  # today is Mon Mar 02 (UTC)
    await backdate(db_path, clock, policies, iid, "first alert", -timedelta(hours=9, minutes=1))
    async with console(size=size) as (app, pilot):
        await open_room(app, pilot, iid)
        timeline = app.screen.query_one(TimelineView)
        assert timeline.rows[0].text == "first alert"
        old, new = line_of(timeline, "first alert"), line_of(timeline, "Rolling back")
        if size[0] == 80:
            assert old.startswith("Mar 01 23:59* ")
            assert new.startswith("09:05  ")  # today: the time only
        else:  # wide: one time column, as wide as a date needs
            assert old.startswith("Mar 01 23:59:00* ")
            assert new.startswith("       09:05:00  ")
            assert old.index("alice") == new.index("alice")


async def test_after_midnight_yesterdays_entries_show_their_date(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    iid = await seed_sev1(db_path, clock, policies)
    async with console(size=(80, 24)) as (app, pilot):
        await open_room(app, pilot, iid)
        timeline = app.screen.query_one(TimelineView)
        assert line_of(timeline, "Rolling back").startswith("09:05 ")
        clock.advance(hours=15)  # 00:10 on Mar 03
        app.screen.tick()  # type: ignore[attr-defined]
        await pilot.pause()
        assert line_of(timeline, "Rolling back").startswith("Mar 02 09:05 ")


async def test_today_is_the_day_in_the_zone_shown(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    iid = await seed_sev1(db_path, clock, policies)
    # 23:30 UTC on Mar 01 is 08:30 on Mar 02 in Tokyo, the console's "today" (18:10).
    await backdate(db_path, clock, policies, iid, "first alert", -timedelta(hours=9, minutes=30))
    async with console(size=(80, 24), tz=ZoneInfo("Asia/Tokyo")) as (app, pilot):
        await open_room(app, pilot, iid)
        timeline = app.screen.query_one(TimelineView)
        assert line_of(timeline, "first alert").startswith("08:30* ")
        await pilot.press("ctrl+g")  # UTC: that is yesterday
        await pilot.pause()
        assert line_of(timeline, "first alert").startswith("Mar 01 23:30* ")


# --- two consoles --------------------------------------------------------------------


async def test_two_consoles_typing_at_once_show_the_same_entries_in_the_same_order(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    iid = await seed_sev1(db_path, clock, policies)
    ic_lines = [f"ic{n}" for n in range(6)]
    scribe_lines = [f"sc{n}" for n in range(6)]
    async with console() as (ic, ic_pilot), console(actor="sam") as (scribe, sp):
        await open_room(ic, ic_pilot, iid)
        await open_room(scribe, sp, iid)
        for app in (ic, scribe):
            app.screen.query_one(ScribeInput).entry.focus()
        await asyncio.gather(  # both type, no pause between their keys
            ic_pilot.press(*(k for line in ic_lines for k in (*line, "enter"))),
            sp.press(*(k for line in scribe_lines for k in (*line, "enter"))),
        )
        for _ in range(3):
            for app, pilot in ((ic, ic_pilot), (scribe, sp)):
                await settle(app, pilot)
                await app.check_changes()
        shown = [
            [(r.seq, r.author, r.text) for r in app.screen.query_one(TimelineView).rows]
            for app in (ic, scribe)
        ]
    assert shown[0] == shown[1]
    texts = [text for _, _, text in shown[0]]
    assert [t for t in texts if t.startswith("ic")] == ic_lines  # each once, in order
    assert [t for t in texts if t.startswith("sc")] == scribe_lines
    result = await asyncio.to_thread(Warroom(db_path), "verify", f"INC-{iid}")
    assert result.exit_code == 0, result.output
