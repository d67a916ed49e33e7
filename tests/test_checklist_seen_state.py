"""A checklist toggle carries the state the person saw: a toggle over a change they had
not seen ("already done by bob") changes nothing, so two people ticking one item at once
(both meaning done) leave it done. The CLI (``warroom checklist``), the scribe's
``/check`` and the console's checklist all say what they saw."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from tests.cli_helpers import Warroom
from tests.console_helpers import settle
from tests.data import commands_on
from warroom.clock import ManualClock
from warroom.incident.commands import Commands
from warroom.incident.lifecycle import ChecklistChanged
from warroom.incident.queries import load_view
from warroom.incident.verbs import Command, perform
from warroom.models import ChecklistItem
from widgets.checklist import Checklist
from widgets.scribe_input import ScribeInput


async def _items(c: Commands, incident_id: int) -> list[ChecklistItem]:
    async with c.store.read() as s:
        q = select(ChecklistItem).where(col(ChecklistItem.incident_id) == incident_id)
        return list((await s.execute(q.order_by(col(ChecklistItem.id)))).scalars())


async def test_two_concurrent_toggles_both_meaning_done_end_done(commands: Commands) -> None:
    inc = await commands.declare("Checkout down", 1, ic="alice")
    assert inc.id is not None
    item = (await _items(commands, inc.id))[3]  # the page line: the first three tick themselves
    assert item.id is not None and not item.done
    bob = Commands(commands.store, commands.policies, "bob", commands.tz)
    results = await asyncio.gather(
        bob.toggle_checklist("INC-1", item.id, seen=False),
        commands.toggle_checklist("INC-1", item.id, seen=False),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, ChecklistChanged)]
    assert len(refused) == 1, results
    winner = next(r for r in results if isinstance(r, ChecklistItem))
    assert refused[0].message.startswith(f"already done by {winner.done_by} at ")
    after = (await _items(commands, inc.id))[3]
    assert after.done and after.done_by == winner.done_by
    entries = [
        e for e in (await load_view(commands.store, "INC-1")).timeline if e.kind == "checklist"
    ]
    assert [e.text for e in entries] == [f"Done: {item.text}"]  # one entry, no "Undone"


async def test_an_undo_over_an_unseen_undo_names_who_undid_it(commands: Commands) -> None:
    inc = await commands.declare("Checkout down", 1, ic="alice")
    assert inc.id is not None
    item_id = (await _items(commands, inc.id))[3].id  # a line no event ticked
    assert item_id is not None
    await commands.toggle_checklist("INC-1", item_id, seen=False)
    bob = Commands(commands.store, commands.policies, "bob", commands.tz)
    await bob.toggle_checklist("INC-1", item_id, seen=True)
    with pytest.raises(ChecklistChanged, match="already undone by bob"):
        await commands.toggle_checklist("INC-1", item_id, seen=True)
    assert not (await _items(commands, inc.id))[3].done


async def test_scribe_check_and_uncheck_mean_a_state(commands: Commands) -> None:
    await commands.declare("Checkout down", 1, ic="alice")
    bob = Commands(commands.store, commands.policies, "bob", commands.tz)
    done = await perform(bob, "INC-1", Command("check", "page the on-call"))
    assert done.message == "Done: Page the on-call engineer"
    again = await perform(commands, "INC-1", Command("check", "Page the"))
    assert again.message.startswith("Already done by bob at ")
    assert (await perform(commands, "INC-1", Command("uncheck", "Page"))).message.startswith(
        "Undone: "
    )
    assert (await perform(bob, "INC-1", Command("uncheck", "Page"))).message.startswith(
        "Already undone by alice"
    )


def test_cli_checklist_lists_ticks_and_keeps_a_change_not_seen(tmp_path: Path) -> None:
    wr = Warroom(tmp_path / "w.db")
    assert wr("declare", "--sev", "1", "--title", "x", "--ic", "alice").exit_code == 0
    r = wr("checklist", "INC-1", "Page the on-call", actor="bob")
    assert r.exit_code == 0 and r.stdout.startswith("Done: Page the on-call engineer")
    r = wr("checklist", "INC-1", "Page the on-call")
    assert r.exit_code == 0 and "Already done by bob" in r.stdout
    items = wr.json("checklist", "INC-1")
    paged = next(i for i in items if i["text"].startswith("Page"))
    assert paged["done"] and paged["done_by"] == "bob"
    assert len(items) == 4 and {i["phase"] for i in items} == {"declare"}
    assert "[x]" in wr("checklist", "INC-1").stdout
    assert wr("checklist", "INC-1", "Page", "--undo").exit_code == 0
    assert not next(i for i in wr.json("checklist", "INC-1") if i["text"].startswith("Page"))[
        "done"
    ]
    assert wr("checklist", "INC-1", "no such item").exit_code == 2
    assert wr("checklist", "INC-1", "--undo").exit_code == 2


async def test_console_toggle_over_a_change_not_seen_keeps_it(room, db_path, clock) -> None:
    app, pilot, iid = room
    screen = app.screen
    await pilot.press("ctrl+l", "down", "down", "down")  # the page line (no event ticked it)
    checklist = screen.query_one(Checklist)
    first = checklist.items[3]
    assert not first.done
    screen.reload = lambda: None  # the console has not seen bob's tick yet
    async with commands_on(db_path, clock, actor="bob") as bob:
        await bob.toggle_checklist(screen.ref, first.id, seen=False)
    await pilot.press("space")  # the tester saw it not done and means done
    await settle(app, pilot)
    said = str(screen.query_one("#scribe-status").render())
    assert "already done by bob" in said
    async with commands_on(db_path, clock) as c:
        items = await _items(c, iid)
    assert items[3].done and items[3].done_by == "bob"


async def test_console_space_on_a_done_item_means_undone(room, db_path, clock) -> None:
    app, pilot, iid = room
    screen = app.screen
    await pilot.press("ctrl+l", "down", "down", "down", "space")  # the page line
    await settle(app, pilot)
    assert screen.query_one(Checklist).items[3].done
    await pilot.press("space")
    await settle(app, pilot)
    async with commands_on(db_path, clock) as c:
        assert not (await _items(c, iid))[3].done
    assert "Not done any more" in str(
        screen.query_one(ScribeInput).query_one("#scribe-status").render()
    )


async def test_f4_for_someone_who_is_not_the_ic_refuses_at_once(
    console, db_path, clock: ManualClock
) -> None:
    from tests.console_helpers import open_room
    from tests.data import seed_sev1

    iid = await seed_sev1(db_path, clock, ic="alice")
    async with console() as (app, pilot):
        await open_room(app, pilot, iid)
        await pilot.press("f4")
        await settle(app, pilot)
        said = str(app.screen.query_one("#scribe-status").render())
        assert "only the incident commander" in said and "alice" in said, said
        assert "again" not in said
        assert app.screen._armed is None
