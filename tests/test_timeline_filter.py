"""Searching the timeline: ``/`` on the timeline (or ctrl+f anywhere in the war room)
opens the filter line; words, ``role:``, ``kind:`` and ``author:`` terms keep the
matching entries, with the count of matches; Escape clears it."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from screens.war_room import WarRoomScreen
from tests.console_helpers import ConsoleFactory, open_room, paste, settle
from tests.data import commands_on, seed_sev1
from warroom.clock import ManualClock
from warroom.policy import Policies
from widgets.scribe_input import ScribeInput
from widgets.timeline_draw import TAG_KINDS
from widgets.timeline_filter import EntryFilter, TimelineFilter
from widgets.timeline_view import TimelineView


def count(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#timeline-filter-count", Static).render())


async def filter_by(app, pilot, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Type ``text`` in the (open) filter line; the texts of the rows shown."""
    field = app.screen.query_one("#timeline-filter-input", Input)
    field.value = ""
    await paste(pilot, text)
    await settle(app, pilot)
    return [r.text for r in app.screen.query_one(TimelineView).shown_rows]


async def test_slash_filters_by_text_with_the_count_and_escape_clears(room) -> None:  # type: ignore[no-untyped-def]
    app, pilot, _ = room
    timeline = app.screen.query_one(TimelineView)
    total = len(timeline.rows)
    await pilot.press("ctrl+o", "slash")
    line = app.screen.query_one(TimelineFilter)
    assert line.is_open and app.focused is line.input
    assert await filter_by(app, pilot, "ROLLING") == ["Rolling back deploy 4812"]
    assert count(app) == f"1 of {total}"
    assert "Rolling back" in "".join(s.text for s in timeline.render_line(0))
    await pilot.press("escape")
    await settle(app, pilot)
    assert not line.is_open and app.focused is timeline
    assert len(timeline.shown_rows) == total
    assert isinstance(app.screen, WarRoomScreen)


async def test_role_kind_and_author_terms(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    iid = await seed_sev1(db_path, clock, policies)
    async with commands_on(db_path, clock, policies, actor="bob") as bob:
        await bob.log(f"INC-{iid}", "replica lag back to normal", role="tech")
    async with console() as (app, pilot):
        await open_room(app, pilot, iid)
        app.screen.query_one(ScribeInput).entry.focus()
        await pilot.press("ctrl+f")  # from the scribe line too
        assert app.screen.query_one(TimelineFilter).is_open
        assert await filter_by(app, pilot, "role:ENG") == [
            "Error rate 40% on checkout-api since deploy 4812",
            "replica lag back to normal",
        ]
        assert await filter_by(app, pilot, "role:tech author:BOB") == ["replica lag back to normal"]
        decisions = await filter_by(app, pilot, "kind:decision")
        assert decisions[-1] == "Rolling back deploy 4812" and len(decisions) == 2
        assert await filter_by(app, pilot, 'kind:decision "back deploy"') == [
            "Rolling back deploy 4812"
        ]
        assert await filter_by(app, pilot, "nothing-like-this") == []
        assert count(app).startswith("0 of ")
        assert "No entry matches" in "".join(
            s.text for s in app.screen.query_one(TimelineView).render_line(0)
        )


async def test_entries_arriving_while_filtered_are_matched(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    iid = await seed_sev1(db_path, clock, policies)
    async with console() as (app, pilot), commands_on(db_path, clock, policies) as c:
        await open_room(app, pilot, iid)
        await pilot.press("ctrl+f")
        assert await filter_by(app, pilot, "deploy") == [
            "Error rate 40% on checkout-api since deploy 4812",
            "Rolling back deploy 4812",
        ]
        await c.log(f"INC-{iid}", "deploy 4812 rolled back")
        await c.log(f"INC-{iid}", "customers confirm recovery")
        await app.check_changes()
        await settle(app, pilot)
        timeline = app.screen.query_one(TimelineView)
        assert [r.text for r in timeline.shown_rows][-1] == "deploy 4812 rolled back"
        assert count(app) == f"3 of {len(timeline.rows)}"
        await pilot.press("enter")  # keeps the filter, back on the timeline
        assert app.focused is timeline and len(timeline.shown_rows) == 3
        await pilot.press("escape")  # on the filtered timeline: clears it
        await settle(app, pilot)
        assert len(timeline.shown_rows) == len(timeline.rows)
        assert not app.screen.query_one(TimelineFilter).is_open


def test_filter_terms_are_parsed() -> None:
    f = EntryFilter.parse('Role:eng kind:SEV author:bo "two words" is:pinned x:y', TAG_KINDS)
    assert f is not None
    assert f.roles == {"ENG"} and f.kinds == {"severity"} and f.authors == ("bo",)
    assert f.words == ("two words", "x:y") and f.pinned
    assert EntryFilter.parse("   ") is None
