"""The handoff review screen, driven with Pilot: review, notes, acknowledgment."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TextArea

from screens.app import WarroomApp
from screens.handoff import HandoffScreen
from tests.console_helpers import ConsoleFactory, settle, show
from tests.data import commands_on
from tests.oncall_helpers import demo_roster, utc
from warroom.clock import ManualClock
from warroom.models import Handoff
from warroom.oncall.handoff import HandoffCommands
from warroom.oncall.handoff_notes import read_notes
from warroom.policy import Policies, load_policies
from warroom.store import Store

NOW = utc(2026, 3, 9, 9, 40)  # 20 minutes before dave hands the pager to erin
NOTES = "INC-1: rollback done, [bold]watch[/] the queue \x1b[31m"


async def seed(db: Path, clock: ManualClock, policies: Policies) -> None:
    async with commands_on(db, clock, policies, actor="dave") as dave:
        await dave.declare("Checkout down", 1, ic="dave", at=utc(2026, 3, 9, 9))


async def open_handoff(app: WarroomApp, pilot: Pilot) -> HandoffScreen:
    return await show(app, pilot, HandoffScreen())


def plain(app: WarroomApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def stored(db: Path) -> Handoff | None:
    async with await Store.open(db, ManualClock(NOW)) as store, store.read() as s:
        return (await s.execute(select(Handoff))).scalar_one_or_none()


async def test_review_notes_and_acknowledgment_in_the_console(
    console: ConsoleFactory, db_path: Path, pol_dir: Path
) -> None:
    policies = load_policies(pol_dir)
    roster = demo_roster(pol_dir)
    clock = ManualClock(NOW)
    await seed(db_path, clock, policies)
    on_call = {"policies": policies, "clock": clock, "roster": roster}
    # The outgoing engineer (dave) writes notes from his console.
    async with console(actor="dave", settled=False, **on_call) as (dave_app, pilot):
        await open_handoff(dave_app, pilot)
        head = plain(dave_app, "#handoff-head")
        assert "dave -> erin" in head and "erin -> alice" in head
        assert "NOTES MISSING" in head
        table = dave_app.screen.query_one("#handoff-incidents", DataTable)
        assert table.row_count == 1
        row = [str(c) for c in table.get_row_at(0)]
        assert row[0] == "INC-1" and row[3] == "dave" and "Checkout down" in row[6]
        # Not acknowledged and no engine ran: the page at declaration (09:00) is still due.
        assert row[4].startswith("Mon 09:00 Page the primary on-call")
        await pilot.press("e")
        notes = dave_app.screen.query_one("#handoff-notes", TextArea)
        assert notes.has_focus
        notes.insert(NOTES)
        await pilot.press("ctrl+s")
        await settle(dave_app, pilot)
        assert [n.text for n in read_notes(await stored(db_path))] == [NOTES]
        # dave is the outgoing one: his acknowledgment is refused and nothing is recorded.
        await pilot.press("escape")  # out of the editor
        await pilot.press("a")
        await settle(dave_app, pilot)
        assert (await stored(db_path)).acknowledged_at is None  # type: ignore[union-attr]

    # The incoming engineer (erin) reads them and acknowledges.
    clock.set(utc(2026, 3, 9, 9, 55))
    async with console(actor="erin", settled=False, **on_call) as (erin_app, pilot):
        screen = await open_handoff(erin_app, pilot)
        notes = screen.query_one("#handoff-notes", TextArea)
        assert notes.text == NOTES  # markup and control characters kept as typed
        assert "NOTES MISSING" not in plain(erin_app, "#handoff-head")
        assert "Not acknowledged" in plain(erin_app, "#handoff-ack")
        await pilot.press("a")
        await settle(erin_app, pilot)
        row = await stored(db_path)
        assert row is not None
        assert (row.acknowledged_by, row.acknowledged_at) == ("erin", utc(2026, 3, 9, 9, 55))
        await settle(erin_app, pilot)
        assert "Acknowledged by erin at Mon 09 Mar 09:55" in plain(erin_app, "#handoff-ack")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(erin_app.screen, HandoffScreen)


async def test_late_acknowledgment_is_flagged_and_changes_elsewhere_show_up(
    console: ConsoleFactory, db_path: Path, pol_dir: Path
) -> None:
    policies = load_policies(pol_dir)
    roster = demo_roster(pol_dir)
    clock = ManualClock(utc(2026, 3, 9, 11, 30))  # 90 minutes after the handoff
    on_call = {"policies": policies, "clock": clock, "roster": roster}
    async with console(size=(100, 30), actor="erin", settled=False, **on_call) as (app, pilot):
        await open_handoff(app, pilot)
        assert "UNACKNOWLEDGED" in plain(app, "#handoff-head")
        # Notes written from the CLI (another process) appear through the change feed.
        async with await Store.open(db_path, clock) as store:
            await HandoffCommands(store, policies, roster, "dave").save_notes("all quiet")
        await app.check_changes()
        await settle(app, pilot)
        assert app.screen.query_one("#handoff-notes", TextArea).text == "all quiet"
        # Unsaved edits block the acknowledgment and are not overwritten by a reload.
        await pilot.press("e")
        await pilot.press("x")
        await pilot.press("escape", "a")
        await settle(app, pilot)
        assert (await stored(db_path)).acknowledged_at is None  # type: ignore[union-attr]
        await pilot.press("r")
        await settle(app, pilot)
        assert app.screen.query_one("#handoff-notes", TextArea).text == "xall quiet"


def test_bindings_have_ids_and_descriptions() -> None:
    for b in HandoffScreen.BINDINGS:
        assert b.id and b.description  # type: ignore[union-attr]


async def test_h_opens_the_handoff_review_from_home(console: ConsoleFactory, pol_dir: Path) -> None:
    policies, roster = load_policies(pol_dir), demo_roster(pol_dir)
    on_call = {"policies": policies, "clock": ManualClock(NOW), "roster": roster}
    async with console(size=(100, 30), **on_call) as (app, pilot):
        await pilot.press("h")
        await settle(app, pilot)
        assert isinstance(app.screen, HandoffScreen)
        assert "dave -> erin" in plain(app, "#handoff-head")
