"""The history: every incident (open, resolved, closed) newest first, filtered by the
filter line, each with its post-mortem's status and deadline; the palette finds any
incident by ref or title words; an incident that is over opens read-only, with its
post-mortem and action items one key away. Snapshots at 80x24 and 120x40."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from screens.action_items import ActionItemsScreen
from screens.history import HistoryScreen
from screens.home import HomeScreen
from screens.palette import IncidentCommands
from screens.past_war_room import PastWarRoomScreen
from screens.postmortem import PostmortemScreen
from screens.war_room import WarRoomScreen
from tests.console_helpers import ConsoleFactory, settle
from tests.data import T0, commands_on
from warroom.clock import ManualClock
from warroom.errors import BadInput
from warroom.incident.history import parse_filter
from warroom.incident.queries import get_incident
from warroom.policy import Policies
from widgets.incident_history import IncidentHistory
from widgets.scribe_input import ScribeInput


async def seed(db: Path, clock: ManualClock, policies: Policies) -> None:
    """INC-1 SEV2 resolved 35 days ago (post-mortem In Review), INC-2 SEV1 closed 20 days
    ago (post-mortem never started: overdue), INC-3 SEV3 open an hour, INC-4 SEV1 open."""
    async with commands_on(db, clock, policies) as alice:
        clock.set(T0 - timedelta(days=35))
        one = await alice.declare("Search results empty for 30% of queries", 2, ic="alice")
        clock.advance(minutes=40)
        await alice.resolve(one.ref or "")
        await alice.save_sections(one.ref or "", {"impact": "30% of searches empty."})
        await alice.move_postmortem_status(one.ref or "", "in_review")
        await alice.add_action(one.ref or "", "Check shard counts before the alias switch")
        clock.set(T0 - timedelta(days=20))
        two = await alice.declare("Login page down after CDN certificate expired", 1, ic="alice")
        clock.advance(minutes=58)
        await alice.resolve(two.ref or "")
        await alice.close(two.ref or "")
        clock.set(T0 - timedelta(hours=1))
        await alice.declare("Nightly invoice export delayed", 3, ic="erin")
        clock.set(T0 - timedelta(minutes=10))
        await alice.declare("Checkout failing in eu-west", 1, ic="alice")
    clock.set(T0)


def shown(app: object) -> list[str]:
    widget = app.screen.query_one(IncidentHistory)  # type: ignore[attr-defined]
    return [line.ref for line in widget.lines]


async def open_history(app: object, pilot: Pilot) -> HistoryScreen:
    await pilot.press("l")
    await settle(app, pilot)  # type: ignore[arg-type]
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, HistoryScreen)
    return screen


async def type_text(pilot: Pilot, text: str) -> None:
    for ch in text:
        await pilot.press({" ": "space", "?": "question_mark", "/": "slash"}.get(ch, ch))


# --- the filter, in the core ----------------------------------------------------------


def test_the_filter_line_reads_severity_status_dates_ic_and_words() -> None:
    today = date(2026, 3, 2)
    f = parse_filter(
        "sev:1,2 status:resolved,closed ic:@Alice since:30d until:2026-03-01 CDN", today=today
    )
    assert f.severities == {1, 2} and f.statuses == {"resolved", "closed"}
    assert f.ic == "alice" and f.words == ("cdn",)
    assert f.since == date(2026, 1, 31) and f.until == date(2026, 3, 1)
    assert parse_filter("SEV3 export", today=today).severities == {3}
    assert parse_filter("", today=today).empty
    for bad, said in [
        ("sev:9", "not a severity"),
        ("status:gone", "not a status"),
        ("since:yesterday", "not a date"),
        ("ic:", "needs a value"),
        ("since:2026-03-01 until:2026-02-01", "after"),
    ]:
        with pytest.raises(BadInput, match=said):
            parse_filter(bad, today=today)


# --- the screen ---------------------------------------------------------------------


async def test_every_incident_newest_first_with_its_postmortem(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    await seed(db_path, clock, policies)
    async with console(size=(120, 40), actor="alice") as (app, pilot):
        assert isinstance(app.screen, HomeScreen)
        await open_history(app, pilot)
        assert shown(app) == ["INC-4", "INC-3", "INC-2", "INC-1"]  # resolved and closed too
        lines = {line.ref: line for line in app.screen.query_one(IncidentHistory).lines}
        assert lines["INC-2"].status == "closed" and lines["INC-1"].status == "resolved"
        # The SEV1's 48 h deadline passed almost 18 days ago, nobody started it: said in words.
        assert lines["INC-2"].late and "OVERDUE" in lines["INC-2"].postmortem_wide
        assert lines["INC-2"].postmortem.startswith("Unstarted LATE 17d")
        # The SEV2's 168 h deadline passed too; its post-mortem is In Review.
        assert lines["INC-1"].postmortem_wide.startswith("In Review · OVERDUE")
        assert lines["INC-4"].postmortem == "-"  # open: due after the resolution
        summary = str(app.screen.query_one("#history-summary").render())
        assert "4 of 4 incidents" in summary


async def test_the_filter_line_filters_as_people_type_and_no_key_acts_in_it(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    await seed(db_path, clock, policies)
    async with console(size=(80, 24), actor="alice") as (app, pilot):
        await open_history(app, pilot)
        await pilot.press("slash")  # the filter line
        await type_text(pilot, "sev:1,2 status:resolved,closed")
        await settle(app, pilot)
        assert shown(app) == ["INC-2", "INC-1"]
        await type_text(pilot, " login")
        await settle(app, pilot)
        assert shown(app) == ["INC-2"]
        # Every letter the screens bind (d declare, h handoff, a, m, l, p, q, ?) types.
        await type_text(pilot, " dhamlpq?/")
        await settle(app, pilot)
        assert isinstance(app.screen, HistoryScreen) and len(app.screen_stack) == 2
        value = app.screen.query_one("#history-filter", Input).value
        assert value == "sev:1,2 status:resolved,closed login dhamlpq?/"
        assert shown(app) == []  # the words match nothing
        # A filter the core cannot read is said, and the list stays as it was.
        app.screen.query_one("#history-filter", Input).value = "sev:7"
        await settle(app, pilot)
        summary = str(app.screen.query_one("#history-summary").render())
        assert "not a severity" in summary


async def test_a_resolved_incident_opens_read_only_with_postmortem_and_actions_a_key_away(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    await seed(db_path, clock, policies)
    async with console(size=(120, 40), actor="alice") as (app, pilot):
        history = await open_history(app, pilot)
        history.query_one("#history-filter", Input).value = "search"
        await settle(app, pilot)
        await pilot.press("enter")  # the list has focus: open INC-1
        await settle(app, pilot)
        room = app.screen
        assert isinstance(room, PastWarRoomScreen) and room.incident_id == 1
        assert not room.query_one(ScribeInput).display  # no scribe line: read-only
        assert "Read-only: INC-1 is resolved" in str(room.query_one("#past-note").render())
        await pilot.press("f2", "f4", "f4", "i", "x")
        await settle(app, pilot)
        assert isinstance(app.screen, PastWarRoomScreen)
        inc = await get_incident(app.store, "INC-1")
        assert inc.status == "resolved" and inc.closed_at is None  # nothing changed
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, PostmortemScreen) and app.screen.incident_id == 1
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        items = app.screen
        assert isinstance(items, ActionItemsScreen) and items.incident_id == 1
        assert [i.title for i in items.items] == ["Check shard counts before the alias switch"]


async def test_an_open_incident_opens_its_live_war_room(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    await seed(db_path, clock, policies)
    async with console(size=(120, 40), actor="alice") as (app, pilot):
        await open_history(app, pilot)
        await pilot.press("enter")  # INC-4, the newest
        await settle(app, pilot)
        assert type(app.screen) is WarRoomScreen and app.screen.incident_id == 4


async def test_the_palette_finds_any_incident_by_ref_or_title_words(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    await seed(db_path, clock, policies)
    async with console(size=(120, 40), actor="alice") as (app, pilot):
        provider = IncidentCommands(app.screen)
        await provider.startup()
        names = [h.text async for h in provider.discover()]
        assert any(n.startswith("Open INC-2 SEV1 (closed): Login page") for n in names)
        assert any(n.startswith("Open INC-1 SEV2 (resolved)") for n in names)
        hits = [h async for h in provider.search("certificate login")]  # words in any order
        assert hits and str(hits[0].text).startswith("Open INC-2")
        assert [h async for h in provider.search("INC-1")]
        with app._context():
            hits[0].command()
        await settle(app, pilot)
        assert isinstance(app.screen, PastWarRoomScreen) and app.screen.incident_id == 2


# --- snapshots ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_history(
    snap_compare: object,
    console: ConsoleFactory,
    db_path: Path,
    clock: ManualClock,
    policies: Policies,
    size: tuple[int, int],
) -> None:
    asyncio.run(seed(db_path, clock, policies))

    async def ready(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)  # type: ignore[arg-type]
        await pilot.press("l")
        await settle(pilot.app, pilot)  # type: ignore[arg-type]

    app = console.app(actor="alice")
    assert snap_compare(app, terminal_size=size, run_before=ready)  # type: ignore[operator]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_read_only_war_room(
    snap_compare: object,
    console: ConsoleFactory,
    db_path: Path,
    clock: ManualClock,
    policies: Policies,
    size: tuple[int, int],
) -> None:
    asyncio.run(seed(db_path, clock, policies))

    async def ready(pilot: Pilot) -> None:
        app = pilot.app
        await settle(app, pilot)  # type: ignore[arg-type]
        app.open_past_incident(2)  # type: ignore[attr-defined]
        await settle(app, pilot)  # type: ignore[arg-type]

    app = console.app(actor="alice")
    assert snap_compare(app, terminal_size=size, run_before=ready)  # type: ignore[operator]
