"""The console shell: the home board, help, the command palette, Escape, themes, the
change feed; driven with Pilot on a temp database and a manual clock. Snapshots of the
home screen (empty and with incidents) at 80x24 and 120x40."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from screens.app import WarroomApp, make_app
from screens.help import HelpScreen
from screens.home import HomeScreen
from screens.palette import IncidentCommands, SystemCommands, collect_actions
from tests.console_helpers import ConsoleFactory, paste, settle
from tests.data import MARKUP_TITLE, T0, commands_on
from warroom.clock import ManualClock
from warroom.durations import countdown
from warroom.errors import StoreError
from warroom.incident.board import next_escalation
from warroom.policy import Policies
from warroom.policy.roster import Roster, load_roster


def cells(app: WarroomApp) -> list[list[str]]:
    table = app.screen.query_one("#incidents", DataTable)
    return [
        [getattr(c, "plain", str(c)) for c in table.get_row_at(i)] for i in range(table.row_count)
    ]


async def seed(db: Path, clock: ManualClock, policies: Policies) -> None:
    """A SEV3 declared at T0-40min, a SEV1 at T0-10min (acked), a resolved SEV2."""
    async with commands_on(db, clock, policies) as alice:
        clock.set(T0 - timedelta(minutes=40))
        await alice.declare("Nightly export delayed", 3, ic="erin")
        clock.set(T0 - timedelta(minutes=30))
        done = await alice.declare("Search slow", 2, ic="alice")
        await alice.resolve(done.ref or "")
        clock.set(T0 - timedelta(minutes=10))
        sev1 = await alice.declare(MARKUP_TITLE, 1, ic="alice")
        await alice.ack(sev1.ref or "")
        clock.set(T0)


@pytest.fixture
def roster(data_dir: Path) -> Roster:
    r = load_roster(data_dir)
    assert r is not None
    return r


# --- behaviour ------------------------------------------------------------------------


async def test_empty_database_welcomes_and_points_at_the_demo(console: ConsoleFactory) -> None:
    async with console(size=(100, 30)) as (app, _pilot):
        assert isinstance(app.screen, HomeScreen)
        welcome = app.screen.query_one("#welcome", Static)
        text = str(welcome.render())
        assert welcome.display and "warroom demo" in text and "declare an incident" in text
        assert not app.screen.query_one("#incidents", DataTable).display


async def test_open_incidents_most_severe_first_with_ages_and_countdowns(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    await seed(db_path, clock, policies)
    async with console(size=(200, 30)) as (app, _pilot):
        rows = cells(app)
        assert [r[0] for r in rows] == ["INC-3", "INC-1"]  # the resolved INC-2 is not open
        sev1, sev3 = rows
        assert sev1[1].strip() == "SEV1" and sev3[1].strip() == "SEV3"
        assert sev1[2] == "Assess" and sev3[2] == "Declare"  # the policy's phase names
        assert sev1[3] == MARKUP_TITLE  # markup shown literally
        assert sev1[4] == "alice" and sev3[4] == "erin"
        assert sev1[5] == "10m 00s" and sev3[5] == "40m 00s"
        # SEV1 acked: the next step is the 30-minute page of the team lead, 20 min away.
        assert sev1[6].startswith("20:00") and "team lead" in sev1[6]
        # SEV3: whatever the engine plans next, as a countdown (or DUE when overdue).
        board = app.screen.board  # type: ignore[attr-defined]
        step = next_escalation(policies, board.rows[1], T0)
        assert step is not None
        left = step.due_at - T0
        shown = f"DUE {countdown(-left)}" if step.overdue else countdown(left)
        assert sev3[6].startswith(shown)

        clock.advance(minutes=21)  # the team-lead page is now overdue
        app.screen.tick()  # type: ignore[attr-defined]
        rows = cells(app)
        assert rows[0][5] == "31m 00s"
        assert rows[0][6].startswith("DUE 01:00")


async def test_enter_opens_the_war_room_and_escape_comes_back(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    await seed(db_path, clock, policies)
    async with console() as (app, pilot):
        await pilot.press("down")  # INC-1, the SEV3
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "WarRoomScreen"
        assert app.screen.incident_id == 1  # type: ignore[attr-defined]
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("escape")  # Escape on the home screen does nothing harmful
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen) and app.is_running


async def test_clicking_a_highlighted_row_opens_its_war_room(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    await seed(db_path, clock, policies)
    async with console() as (app, pilot):
        await pilot.click("#incidents", offset=(20, 3))  # border, header, INC-3, INC-1
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)  # the first click highlights the row,
        await pilot.click("#incidents", offset=(20, 3))  # a click on it opens it
        await settle(app, pilot)
        assert type(app.screen).__name__ == "WarRoomScreen"
        assert app.screen.incident_id == 1  # type: ignore[attr-defined]


async def test_another_console_declaring_shows_up_through_the_change_feed(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    async with console(size=(120, 30)) as (app, pilot):
        async with commands_on(db_path, clock, policies, actor="bob") as bob:  # another terminal
            await bob.declare("Payments down", 1, ic="bob")
        assert await app.check_changes()
        await settle(app, pilot)
        assert [r[3] for r in cells(app)] == ["Payments down"]
        assert not await app.check_changes()  # nothing new: nothing reloaded


async def test_on_call_now_from_the_roster(console: ConsoleFactory, roster: Roster) -> None:
    async with console(size=(120, 30), roster=roster) as (app, _pilot):
        line = str(app.screen.query_one("#oncall", Static).render())
        assert "carol (primary)" in line and "dave (secondary)" in line
        assert "handoff Mon 02 Mar 10:00" in line


async def test_no_roster_no_on_call_line(console: ConsoleFactory) -> None:
    async with console(size=(120, 30)) as (app, _pilot):
        assert not app.screen.query_one("#oncall", Static).display


async def test_help_lists_the_keys_and_escape_closes_it(console: ConsoleFactory) -> None:
    async with console(size=(100, 40)) as (app, pilot):
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = [
            [getattr(c, "plain", str(c)) for c in table.get_row_at(i)]
            for i in range(table.row_count)
        ]
        assert ["d", "Declare"] in rows and ["?", "Help"] in rows and ["q", "Quit"] in rows
        await pilot.press("d")  # no declare dialog on top of help
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_every_bound_action_has_an_id_and_is_in_the_palette(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    await seed(db_path, clock, policies)
    async with console() as (app, pilot):
        for node in [app, app.screen]:
            ours = [c for c in type(node).__mro__ if c.__module__.startswith("screens.")]
            for cls in ours:
                for b in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
                    assert b.id and b.description, f"{cls.__name__}: {b.key} -> {b.action}"
        described = {e.description for e in collect_actions(app, app.screen)}
        assert {"Declare", "Help", "Open", "Quit"} <= described

        incidents = IncidentCommands(app.screen)
        await incidents.startup()
        names = [h.text async for h in incidents.discover()]
        assert f"Open INC-3 SEV1: {MARKUP_TITLE}" in names  # the title as typed, not markup
        provider = SystemCommands(app.screen)
        assert "Declare" in [h.text async for h in provider.discover()]
        hits = [h async for h in provider.search("declare")]
        assert hits and hits[0].text == "Declare"
        with app._context():
            await hits[0].command()
        await settle(app, pilot)
        assert type(app.screen).__name__ == "DeclareScreen"


async def test_palette_opens_with_ctrl_p_and_runs_an_action(console: ConsoleFactory) -> None:
    async with console() as (app, pilot):
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        await paste(pilot, "help")
        await pilot.pause(0.3)  # the palette searches in a worker of its own
        await settle(app, pilot)
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_theme_toggles_between_dark_and_light(console: ConsoleFactory) -> None:
    async with console(size=(80, 24)) as (app, pilot):
        assert app.theme == "warroom-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "warroom-light"
        await pilot.press("ctrl+t")
        assert app.theme == "warroom-dark"


async def test_a_failing_read_is_shown_and_the_console_keeps_running(
    console: ConsoleFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with console(size=(120, 30)) as (app, pilot):

        async def broken(*_a: object, **_k: object) -> None:
            raise StoreError("the database /x stayed locked by another process for 30 s")

        monkeypatch.setattr("screens.home.load_board", broken)
        app.screen.reload()  # type: ignore[attr-defined]
        monkeypatch.setattr(app.store, "change_mark", broken)
        app._poll_tick()
        await settle(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("Could not read incidents: the database /x") for m in messages)
        assert any(m.startswith("Cannot read the database") for m in messages)
        assert app.is_running and isinstance(app.screen, HomeScreen)


async def test_a_database_that_cannot_be_opened_is_reported_not_a_crash(
    tmp_path: Path, clock: ManualClock, policies: Policies
) -> None:
    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    app = make_app(str(bad), policies, clock)
    await app.run_async(headless=True)
    assert app.return_code == 1
    assert app.startup_error is not None
    assert "not a readable warroom database" in app.startup_error.message


# --- snapshots ------------------------------------------------------------------------


async def _ready(pilot: Pilot) -> None:
    await settle(pilot.app, pilot)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_home_empty(
    snap_compare: object, console: ConsoleFactory, size: tuple[int, int]
) -> None:
    app = console.app(actor="alice")
    assert snap_compare(app, terminal_size=size, run_before=_ready)  # type: ignore[operator]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_home_with_incidents(
    snap_compare: object,
    console: ConsoleFactory,
    db_path: Path,
    clock: ManualClock,
    policies: Policies,
    roster: Roster,
    size: tuple[int, int],
) -> None:
    asyncio.run(seed(db_path, clock, policies))
    app = console.app(actor="alice", roster=roster)
    assert snap_compare(app, terminal_size=size, run_before=_ready)  # type: ignore[operator]


async def test_overdue_postmortems_and_action_items_are_on_the_home_screen(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    await seed(db_path, clock, policies)
    async with commands_on(db_path, clock, policies) as alice:
        await alice.add_action("INC-2", "Add a search latency alert", owner="bob", due="+2d")
    clock.set(T0 + timedelta(days=8))  # the SEV2's 168-hour deadline has passed
    async with console(size=(120, 30), actor="alice") as (app, _pilot):
        line = str(app.screen.query_one("#followups", Static).render())
        assert "Post-mortems:" in line and "INC-2 OVERDUE" in line
        assert "Action items: 1 OVERDUE of 1 open" in line
