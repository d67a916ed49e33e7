"""What was typed or pressed in the console is never dropped, and hidden screens stay idle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.widgets import TextArea

from screens.action_items import ActionItemsScreen
from screens.messages import Changes
from screens.postmortem import PostmortemScreen
from screens.war_room import WarRoomScreen
from tests.console_helpers import Console, ConsoleFactory, settle, show
from tests.data import commands_on
from warroom.clock import ManualClock
from warroom.incident.actions import list_actions
from warroom.policy import Policies
from warroom.postmortem import load_document


async def seed(db: Path, clock: ManualClock, policies: Policies) -> tuple[int, list[int]]:
    """A resolved SEV2 with two open action items."""
    async with commands_on(db, clock, policies) as c:
        inc = await c.declare("Search is slow", 2, ic="alice")
        clock.advance(minutes=20)
        await c.resolve(inc.ref or "")
        items = [
            await c.add_action(inc.ref or "", title, owner="bob", due="+7d")
            for title in ("Add an index", "Alert on p99")
        ]
        assert inc.id is not None
        return inc.id, [i.id or 0 for i in items]


@pytest.fixture
async def seeded(db_path: Path, clock: ManualClock, policies: Policies) -> tuple[int, list[int]]:
    return await seed(db_path, clock, policies)


@asynccontextmanager
async def in_war_room(console: ConsoleFactory, incident_id: int) -> AsyncIterator[Console]:
    """The console as alice, opened on the war room of ``incident_id`` (as from the board)."""
    async with console(actor="alice") as c:
        c.app.open_incident(incident_id)
        await c.settle()
        yield c


async def test_unsaved_postmortem_sections_come_back_after_escape(
    console: ConsoleFactory, seeded: tuple[int, list[int]], policies: Policies
) -> None:
    incident_id, _ = seeded
    async with console(size=(140, 40), actor="alice") as (app, pilot):
        app.open_postmortem(incident_id)
        await settle(app, pilot)
        app.screen.query_one("#section-root_cause", TextArea).load_text("The index was dropped")
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, PostmortemScreen)
        app.open_postmortem(incident_id)
        await settle(app, pilot)
        area = app.screen.query_one("#section-root_cause", TextArea)
        assert area.text == "The index was dropped"
        doc = await load_document(app.store, policies, f"INC-{incident_id}")
        assert doc.sections.get("root_cause", "") == ""  # kept, not saved behind your back
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        doc = await load_document(app.store, policies, f"INC-{incident_id}")
        assert doc.sections["root_cause"] == "The index was dropped"


async def test_two_quick_done_presses_both_land(
    console: ConsoleFactory, seeded: tuple[int, list[int]], clock: ManualClock
) -> None:
    _, item_ids = seeded
    async with console(size=(140, 30), actor="alice") as (app, pilot):
        screen = await show(app, pilot, ActionItemsScreen())
        for item_id in item_ids:  # the second press comes before the first write ends
            screen._change(item_id, "done")
        await settle(app, pilot)
        items = await list_actions(app.store, today=clock.now().date(), include_closed=True)
        assert {i.id: i.status for i in items} == {i: "done" for i in item_ids}


async def test_a_hidden_action_items_screen_waits_until_it_is_shown(
    console: ConsoleFactory, seeded: tuple[int, list[int]]
) -> None:
    incident_id, _ = seeded
    async with console(size=(140, 40), actor="alice") as (app, pilot):
        items = await show(app, pilot, ActionItemsScreen())
        loads: list[int] = []
        items.reload = lambda: loads.append(1)  # type: ignore[method-assign]
        app.open_postmortem(incident_id)
        await settle(app, pilot)
        for text in ("one", "two", "three"):
            await app.commands.log(f"INC-{incident_id}", text)
            await app.check_changes()
            await settle(app, pilot)
        assert loads == []  # nobody sees it: no reads 4x a second for it
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is items and loads == [1]  # one catch-up on return


async def test_the_change_feed_is_announced_once_when_read_twice_at_once(
    console: ConsoleFactory, seeded: tuple[int, list[int]]
) -> None:
    incident_id, _ = seeded
    async with console(size=(120, 30), actor="alice") as (app, pilot):
        announced: list[Changes] = []
        app.data_changed.subscribe(app.screen, announced.append, immediate=True)
        await app.commands.log(f"INC-{incident_id}", "hello")
        # Two readers at once (the 4x/second poll may be a third): one announcement.
        results = await asyncio.gather(app.check_changes(), app.check_changes())
        await settle(app, pilot)
        assert sum(results) <= 1
        assert len(announced) == 1 and announced[0].touches(incident_id)


async def test_opening_the_war_room_you_are_in_does_not_stack_a_second_one(
    console: ConsoleFactory, seeded: tuple[int, list[int]]
) -> None:
    incident_id, _ = seeded
    async with in_war_room(console, incident_id) as (app, pilot):
        depth = len(app.screen_stack)
        app.open_incident(incident_id)  # e.g. "Open INC-1" from the command palette
        await settle(app, pilot)
        assert len(app.screen_stack) == depth
        assert isinstance(app.screen, WarRoomScreen)


async def test_the_board_under_a_war_room_catches_up_once_on_return(
    console: ConsoleFactory, seeded: tuple[int, list[int]]
) -> None:
    incident_id, _ = seeded
    async with console(actor="alice") as (app, pilot):
        home = app.screen
        loads: list[int] = []
        home.reload = lambda: loads.append(1)  # type: ignore[attr-defined]
        app.open_incident(incident_id)
        await settle(app, pilot)
        for text in ("one", "two"):
            await app.commands.log(f"INC-{incident_id}", text)
            await app.check_changes()
            await settle(app, pilot)
        assert loads == []  # the scribe's entries do not re-read the whole board
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is home and loads == [1]


async def test_escape_while_a_line_is_saving_leaves_once_saved_and_keeps_no_stale_draft(
    console: ConsoleFactory, seeded: tuple[int, list[int]], policies: Policies
) -> None:
    """A slow write (a busy database) must not leave the saved line behind as a "draft"
    that, sent again on return, would be recorded twice."""
    from widgets.scribe_input import ScribeInput

    incident_id, _ = seeded
    async with in_war_room(console, incident_id) as (app, pilot):
        gate = asyncio.Event()
        log = app.commands.log

        async def slow_log(*args: object, **kwargs: object) -> object:
            async def write() -> object:  # like Store.transaction: survives the caller
                await gate.wait()
                return await log(*args, **kwargs)  # type: ignore[arg-type]

            return await asyncio.shield(asyncio.ensure_future(write()))

        app.commands.log = slow_log  # type: ignore[method-assign]
        app.screen.query_one(ScribeInput).value = "Failover to eu-central done"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)  # still saving: not gone yet
        gate.set()
        await settle(app, pilot)
        assert not isinstance(app.screen, WarRoomScreen)  # saved, then left
        app.open_incident(incident_id)
        await settle(app, pilot)
        assert app.screen.query_one(ScribeInput).value == ""
        entries = [
            e.text
            for e in (await load_document(app.store, policies, f"INC-{incident_id}")).view.timeline
        ]
        assert entries.count("Failover to eu-central done") == 1


@pytest.mark.usefixtures("seeded")
async def test_help_never_promises_a_key_the_screen_uses_for_something_else(
    console: ConsoleFactory,
) -> None:
    """On the action items, m shows my items: help must not say m opens the metrics
    there; d still declares."""
    from screens.help import HelpScreen
    from screens.palette import collect_actions

    async with console(actor="alice") as (app, pilot):
        await pilot.press("a")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ActionItemsScreen)
        keys = {e.description: e.key for e in collect_actions(app, screen)}
        assert keys["Done"] == "x" and keys["Declare"] == "d"
        assert keys["Metrics"] == "ctrl+p" and keys["Help"] == "?"
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        home_keys = {e.description: e.key for e in collect_actions(app, app.screen_stack[0])}
        assert home_keys["Declare"] == "d"


async def test_quitting_with_unsaved_text_asks_first(
    console: ConsoleFactory, seeded: tuple[int, list[int]]
) -> None:
    """ctrl+q with a half-typed line (or one kept after Escape) warns; a second one quits."""
    from widgets.scribe_input import ScribeInput

    incident_id, _ = seeded
    async with in_war_room(console, incident_id) as (app, pilot):
        app.screen.query_one(ScribeInput).value = "DB failover started"
        await pilot.press("escape")  # kept as a draft for INC-1
        await settle(app, pilot)
        await pilot.press("ctrl+q")
        await settle(app, pilot)
        assert app.is_running
        assert any("ctrl+q again" in str(n.message) for n in app._notifications)
        await pilot.press("ctrl+q")
        await settle(app, pilot)
        assert not app.is_running


async def test_quitting_with_nothing_unsaved_is_immediate(console: ConsoleFactory) -> None:
    async with console(actor="alice") as (app, pilot):
        await pilot.press("q")
        await settle(app, pilot)
        assert not app.is_running
