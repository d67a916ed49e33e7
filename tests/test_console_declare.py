"""The declare modal, driven from the keyboard; every declaration checked in the database.
Snapshots of the modal at 80x24 and 120x40."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, OptionList, Static

from screens.app import WarroomApp
from screens.declare import DeclareScreen
from screens.home import HomeScreen
from tests.console_helpers import ConsoleFactory, paste, settle
from warroom.clock import ManualClock
from warroom.incident.queries import load_view
from warroom.models import ChecklistItem, Incident, TimelineEntry
from warroom.policy import Policies
from warroom.policy.roster import load_roster
from warroom.store import Store


async def incidents(db: Path, clock: ManualClock) -> list[Incident]:
    async with await Store.open(db, clock) as store, store.read() as s:
        return list((await s.execute(select(Incident).order_by(Incident.id))).scalars())  # type: ignore[arg-type]


def error_text(app: WarroomApp) -> str:
    error = app.screen.query_one("#error", Static)
    return str(error.render()) if error.display else ""


async def open_declare(app: WarroomApp, pilot: Pilot) -> DeclareScreen:
    await settle(app, pilot)
    await pilot.press("d")
    await settle(app, pilot)
    assert isinstance(app.screen, DeclareScreen)
    return app.screen


async def test_declare_a_sev2_from_the_keyboard(
    console: ConsoleFactory, db_path: Path, clock: ManualClock
) -> None:
    async with console(actor="alice") as (app, pilot):
        await open_declare(app, pilot)
        await paste(pilot, "Search is down")
        await pilot.press("tab", "2")  # the severity list; 2 picks SEV2
        await settle(app, pilot)
        assert app.screen.query_one("#severity", OptionList).highlighted == 1
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)  # SEV2 without a war room: stay home
    [inc] = await incidents(db_path, clock)
    assert (inc.title, inc.severity, inc.created_by) == ("Search is down", 2, "alice")
    assert not inc.war_room and inc.channel is None
    async with await Store.open(db_path, clock) as store:
        view = await load_view(store, inc.ref or "")
        assert view.roles["ic"].person == "alice"  # the IC field starts as you
        kinds = [e.kind for e in view.timeline]
        assert kinds[0] == "declared" and "assign" in kinds
        assert len(view.checklist) > 0  # the command layer made the workflow checklist


async def test_sev1_opens_the_war_room_with_channel_and_bridge(
    console: ConsoleFactory, db_path: Path, clock: ManualClock
) -> None:
    async with console(actor="alice") as (app, pilot):
        screen = await open_declare(app, pilot)
        await paste(pilot, "Checkout down")
        await pilot.press("tab", "1")
        await settle(app, pilot)
        note = str(screen.query_one("#war-room-note", Static).render())
        assert "automatically" in note and "#incident-2026-03-02-checkout-down" in note
        assert screen.query_one("#bridge", Input).display
        screen.query_one("#bridge", Input).value = "https://meet.example.com/abc"
        screen.query_one("#ic", Input).value = "carol"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "WarRoomScreen"
    [inc] = await incidents(db_path, clock)
    assert inc.severity == 1 and inc.war_room
    assert inc.channel == "#incident-2026-03-02-checkout-down"
    assert inc.bridge == "https://meet.example.com/abc"
    async with await Store.open(db_path, clock) as store:
        view = await load_view(store, inc.ref or "")
    assert view.roles["ic"].person == "carol"


async def test_sev2_offers_the_war_room(
    console: ConsoleFactory, db_path: Path, clock: ManualClock
) -> None:
    async with console() as (app, pilot):
        screen = await open_declare(app, pilot)
        await paste(pilot, "One region degraded")
        await pilot.press("tab", "2")
        await settle(app, pilot)
        box = screen.query_one("#open-war-room", Checkbox)
        assert box.display and not box.value
        assert not screen.query_one("#bridge", Input).display
        box.value = True
        await settle(app, pilot)
        assert screen.query_one("#bridge", Input).display
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "WarRoomScreen"
    [inc] = await incidents(db_path, clock)
    assert inc.war_room and inc.channel == "#incident-2026-03-02-one-region-degraded"


async def test_severity_picker_shows_what_each_level_means(
    console: ConsoleFactory, policies: Policies, data_dir: Path
) -> None:
    roster = load_roster(data_dir)
    async with console(roster=roster) as (app, pilot):
        screen = await open_declare(app, pilot)
        brief = screen.query_one("#brief", Static)
        assert "Pick a severity" in str(brief.render())
        await pilot.press("tab", "1")
        await settle(app, pilot)
        text = str(brief.render())
        sev1 = policies.level(1)
        assert sev1.impact in text and sev1.examples[0] in text
        assert "Respond within 15 min" in text and "updates every 30 min" in text
        # Who is paged, with the names the roster gives for 2026-03-02 09:00 UTC.
        names = {"primary_oncall": "primary on-call (carol)", "team_lead": "team lead (carol)"}
        names |= {"secondary_oncall": "secondary on-call (dave)"}
        for target in sev1.pages:
            assert names[target] in text
        await pilot.press("4")
        await settle(app, pilot)
        text = str(brief.render())
        assert policies.level(4).impact in text
        assert ("nobody" in text) == (not policies.level(4).pages)
        await pilot.press("3")
        await settle(app, pilot)
        assert "None for SEV3" in str(screen.query_one("#war-room-note", Static).render())


async def test_validation_errors_keep_the_input(
    console: ConsoleFactory, db_path: Path, clock: ManualClock
) -> None:
    async with console() as (app, pilot):
        screen = await open_declare(app, pilot)
        await pilot.press("enter")  # no title yet
        await settle(app, pilot)
        assert "Type a title" in error_text(app)
        assert screen.query_one("#title", Input).has_focus
        await paste(pilot, "Disk full on db-3")
        await pilot.press("enter")  # no severity yet: Enter goes to the picker
        await settle(app, pilot)
        assert "Pick a severity" in error_text(app)
        assert screen.query_one("#severity", OptionList).has_focus
        await pilot.press("4")
        ic = screen.query_one("#ic", Input)
        ic.value = "bad\x1b[2Jname"  # pasted with a terminal escape: refused by the core
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, DeclareScreen)
        assert "Not declared" in error_text(app) and "control characters" in error_text(app)
        assert "\x1b" not in error_text(app)  # shown escaped
        assert screen.query_one("#title", Input).value == "Disk full on db-3"
        assert ic.value == "bad\x1b[2Jname"
        assert screen.query_one("#severity", OptionList).highlighted == 3
        ic.value = "dave"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
    [inc] = await incidents(db_path, clock)
    assert (inc.title, inc.severity) == ("Disk full on db-3", 4)


async def test_markup_in_the_title_is_stored_and_shown_literally(
    console: ConsoleFactory, db_path: Path, clock: ManualClock
) -> None:
    title = "[bold]x[/] [@click=app.quit]quit[/] [link=https://evil]y[/link]"
    async with console(size=(200, 40)) as (app, pilot):
        screen = await open_declare(app, pilot)
        await paste(pilot, title)
        assert screen.query_one("#title", Input).value == title
        await pilot.press("tab", "3", "enter")
        await settle(app, pilot)
        assert app.is_running and isinstance(app.screen, HomeScreen)
        await app.check_changes()
        await settle(app, pilot)
        from textual.widgets import DataTable

        row = app.screen.query_one("#incidents", DataTable).get_row_at(0)
        assert row[3].plain == title
    [inc] = await incidents(db_path, clock)
    assert inc.title == title


async def test_a_pasted_escape_sequence_is_drawn_harmlessly(
    console: ConsoleFactory, db_path: Path, clock: ManualClock
) -> None:
    from textual import events

    async with console() as (app, pilot):
        screen = await open_declare(app, pilot)
        title = screen.query_one("#title", Input)
        title.post_message(events.Paste("DB \x1b[2J\x1b]0;x\x07down"))
        await settle(app, pilot)
        drawn = "".join(s.text for s in title.render_line(0))
        assert "DB ␛[2J␛]0;x␇down" in drawn and "\x1b" not in drawn
        await pilot.press("tab", "3", "enter")  # refused by the command layer, kept
        await settle(app, pilot)
        assert isinstance(app.screen, DeclareScreen) and "control characters" in error_text(app)
    assert await incidents(db_path, clock) == []


async def test_escape_backs_out_and_nothing_is_declared(
    console: ConsoleFactory, db_path: Path, clock: ManualClock
) -> None:
    async with console() as (app, pilot):
        await open_declare(app, pilot)
        await paste(pilot, "Not really an incident")
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("d")  # d works again from home (and from anywhere)
        await settle(app, pilot)
        assert isinstance(app.screen, DeclareScreen)
        assert app.screen.query_one("#title", Input).value == ""  # a fresh form
    assert await incidents(db_path, clock) == []
    async with await Store.open(db_path, clock) as store, store.read() as s:
        assert (await s.execute(select(func.count()).select_from(TimelineEntry))).scalar() == 0
        assert (await s.execute(select(func.count()).select_from(ChecklistItem))).scalar() == 0


# --- snapshots ------------------------------------------------------------------------


async def _filled(pilot: Pilot) -> None:
    app = pilot.app
    await settle(app, pilot)  # type: ignore[arg-type]
    await pilot.press("d")
    await settle(app, pilot)  # type: ignore[arg-type]
    await paste(pilot, "Checkout failing for EU customers")
    await pilot.press("tab", "1")
    await settle(app, pilot)  # type: ignore[arg-type]
    for widget in app.screen.query(Input):
        widget.cursor_blink = False


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_declare_modal(
    snap_compare: object, console: ConsoleFactory, data_dir: Path, size: tuple[int, int]
) -> None:
    app = console.app(actor="alice", roster=load_roster(data_dir))
    assert snap_compare(app, terminal_size=size, run_before=_filled)  # type: ignore[operator]
