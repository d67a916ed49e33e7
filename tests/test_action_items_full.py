"""Action items in full: add, edit and reassign from the console (owner completed from
the roster, due +7d / a date / the policy's default per priority, priority, kind,
status); ``/action TEXT @owner +7d P1`` on the scribe line; the screen sorts overdue
first, filters by owner, incident and status, and cuts the Action column with an
ellipsis at 80 and 120 columns. Snapshots of the screen and the form."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from screens.action_item_form import ActionItemForm
from screens.action_items import ActionItemsScreen
from tests.console_helpers import ConsoleFactory, settle, show
from tests.data import T0, commands_on
from warroom.clock import ManualClock
from warroom.errors import BadInput, NotFound
from warroom.incident.action_parse import parse_action_filter, split_action_text
from warroom.incident.actions import list_actions
from warroom.incident.commands import Commands
from warroom.incident.verbs import Command, perform
from warroom.policy import Policies, load_policies
from warroom.policy.roster import load_roster

TODAY = date(2026, 3, 2)
LONG = "Make payments-gw migrations backward compatible for one release, with a check in CI"


# --- the core ---------------------------------------------------------------------------


def test_the_scribe_line_gives_owner_due_priority_and_kind_after_the_text() -> None:
    line = split_action_text("Alert on p99 latency above 5 s @bob +7d P1")
    assert (line.title, line.owner, line.due, line.priority) == (
        "Alert on p99 latency above 5 s",
        "bob",
        "+7d",
        "P1",
    )
    line = split_action_text("Runbook for the rollback kind:runbook due:2026-04-01")
    assert (line.title, line.kind, line.due, line.owner) == (
        "Runbook for the rollback",
        "runbook",
        "2026-04-01",
        None,
    )
    assert split_action_text("Email alice@example.com about P1s").owner is None  # mid-text
    with pytest.raises(BadInput, match="unknown action item kind"):
        split_action_text("x kind:nope")
    f = parse_action_filter("owner:Bob inc:3 status:open,done canary")
    assert (f.owner, f.incident_id, f.statuses, f.words) == (
        "bob",
        3,
        frozenset({"open", "done"}),
        ("canary",),
    )
    with pytest.raises(BadInput):
        parse_action_filter("status:later")


async def test_slash_action_and_the_policys_default_due_date(
    commands: Commands, clock: ManualClock, store: object
) -> None:
    ref = (await commands.declare("Checkout down", 1, ic="alice")).ref or ""
    added = await perform(commands, ref, Command("action", "Alert on p99 latency @bob +3d P1"))
    item = added.result
    assert (item.title, item.owner, item.due, item.priority) == (
        "Alert on p99 latency",
        "bob",
        TODAY + timedelta(days=3),
        "P1",
    )
    assert "owner bob" in added.message and "due 2026-03-05" in added.message
    p1 = await commands.add_action(ref, "Page the DBA on replica lag", priority="P1")
    p3 = await commands.add_action(ref, "Tidy the dashboards", priority="P3")
    assert p1.due == TODAY + timedelta(days=7) and p3.due == TODAY + timedelta(days=90)


# --- the console -----------------------------------------------------------------------


@pytest.fixture
def team(pol_dir: Path) -> tuple[Policies, object]:
    return load_policies(pol_dir), load_roster(pol_dir)


async def seed(db: Path, clock: ManualClock, policies: Policies) -> None:
    """INC-1 (resolved 20 days ago) with an overdue item of bob's and a done one; INC-2
    open with carol's item due in 10 days and a long one nobody owns."""
    async with commands_on(db, clock, policies) as c:
        clock.set(T0 - timedelta(days=20))
        one = await c.declare("Search results empty", 2, ic="alice")
        await c.resolve(one.ref or "")
        await c.add_action("INC-1", "Check shard counts", owner="bob", due="+5d")
        done = await c.add_action("INC-1", "Alias switch runbook", owner="carol", due="+9d")
        await c.complete_action(done.id or 0)
        clock.set(T0 - timedelta(hours=1))
        await c.declare("Checkout failing in eu-west", 1, ic="alice")
        await c.add_action(
            "INC-2", "Alert on p99 latency", owner="carol", due="+10d", priority="P1"
        )
        await c.add_action("INC-2", LONG)
    clock.set(T0)


def rows(app: object) -> list[list[str]]:
    table = app.screen.query_one(DataTable)  # type: ignore[attr-defined]
    return [[c.plain for c in table.get_row_at(i)] for i in range(table.row_count)]


async def type_text(pilot: Pilot, text: str) -> None:
    for ch in text:
        await pilot.press({" ": "space", "/": "slash", "+": "plus", ":": "colon"}.get(ch, ch))


async def test_the_list_sorts_overdue_first_and_filters_as_people_type(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, team: tuple
) -> None:
    policies, roster = team
    await seed(db_path, clock, policies)
    async with console(policies=policies, roster=roster, size=(80, 24), actor="alice") as c:
        screen = await c.show(ActionItemsScreen())
        got = rows(c.app)
        assert [r[0] for r in got] == ["AI-1", "AI-3", "AI-4"]  # overdue first, done hidden
        assert got[0][4] == "15d LATE"  # in words, not only red
        await c.pilot.press("slash")
        await type_text(c.pilot, "owner:carol status:open,done")
        await c.settle()
        assert [r[0] for r in rows(c.app)] == ["AI-3", "AI-2"]
        # letters the screen binds (n new, e edit, o owner, x done, p, a, m) only type
        await type_text(c.pilot, " nexpamo")
        await c.settle()
        assert c.app.screen is screen and rows(c.app) == []
        assert screen.query_one("#ai-filter", Input).value.endswith(" nexpamo")
        screen.query_one("#ai-filter", Input).value = "inc:1"
        await c.settle()
        assert [r[0] for r in rows(c.app)] == ["AI-1"]  # open ones of INC-1
        async with commands_on(db_path, clock, policies) as cmds:
            assert [
                i.status for i in await list_actions(cmds.store, today=TODAY, include_closed=True)
            ].count("done") == 1


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_action_column_ends_with_an_ellipsis_when_cut(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, team: tuple, size: tuple
) -> None:
    policies, roster = team
    await seed(db_path, clock, policies)
    async with console(policies=policies, roster=roster, size=size, actor="alice") as c:
        await c.show(ActionItemsScreen())
        table = c.app.screen.query_one(DataTable)
        title = next(r[-1] for r in rows(c.app) if r[-1].startswith("Make payments"))
        width = table.ordered_columns[table.get_column_index("title")].width
        assert title.endswith("…") and len(title) == width
        used = sum(col.get_render_width(table) for col in table.columns.values())
        assert used <= size[0]  # every column on screen, none cut off at the edge


async def test_add_edit_and_reassign_from_the_console(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, team: tuple
) -> None:
    policies, roster = team
    await seed(db_path, clock, policies)
    async with console(policies=policies, roster=roster, size=(80, 24), actor="alice") as c:
        await c.show(ActionItemsScreen(incident_id=2))
        await c.pilot.press("n")
        await c.settle()
        form = c.app.screen
        assert isinstance(form, ActionItemForm)
        assert c.app.focused is form.query_one("#ai-title")  # the cursor where to write
        await type_text(c.pilot, "Failover drill every quarter")
        await c.pilot.press("tab")
        await type_text(c.pilot, "da")
        await c.pilot.press("right")  # the roster's suggestion: dave
        assert form.query_one("#ai-owner", Input).value == "dave"
        await c.pilot.press("tab")
        await type_text(c.pilot, "+14d")
        form.query_one("#ai-kind", Select).value = "process"
        await c.pilot.press("enter")
        await c.settle()
        assert isinstance(c.app.screen, ActionItemsScreen)
        async with commands_on(db_path, clock, policies) as cmds:
            new = await list_actions(cmds.store, today=TODAY, incident="INC-2")
        added = next(i for i in new if i.title == "Failover drill every quarter")
        assert (added.owner, added.due, added.kind, added.priority) == (
            "dave",
            TODAY + timedelta(days=14),
            "process",
            "P2",
        )
        # Reassign the long one (nobody owns it): the form opens on its owner.
        table = c.app.screen.query_one(DataTable)
        table.move_cursor(row=[r[-1].startswith("Make") for r in rows(c.app)].index(True))
        await c.pilot.press("o")
        await c.settle()
        form = c.app.screen
        assert c.app.focused is form.query_one("#ai-owner")
        await type_text(c.pilot, "nobody")
        await c.pilot.press("enter")
        await c.settle()
        assert "unknown owner" in str(form.query_one("#ai-form-error").render())
        assert c.app.screen is form  # the form stays, with what was typed
        form.query_one("#ai-owner", Input).value = "bob"
        form.query_one("#ai-priority", Select).value = "P1"
        await c.pilot.press("ctrl+s")
        await c.settle()
        assert isinstance(c.app.screen, ActionItemsScreen)
        async with commands_on(db_path, clock, policies) as cmds:
            items = {i.title: i for i in await list_actions(cmds.store, today=TODAY)}
        assert items[LONG].owner == "bob" and items[LONG].priority == "P1"
        # Edit: won't do needs a reason, said in the form.
        await c.pilot.press("e")
        await c.settle()
        form = c.app.screen
        form.query_one("#ai-status", Select).value = "wont_do"
        await c.pilot.press("ctrl+s")
        await c.settle()
        assert "needs a reason" in str(form.query_one("#ai-form-error").render())
        await c.pilot.press("escape")
        await c.settle()
        assert isinstance(c.app.screen, ActionItemsScreen)


def test_unknown_owner_is_refused_by_the_core(pol_dir: Path) -> None:
    from warroom.incident.actions import owner_name

    with pytest.raises(NotFound, match="the roster names alice"):
        owner_name(load_policies(pol_dir), "nobody")


# --- snapshots ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_action_items(
    snap_compare: object, console: ConsoleFactory, db_path: Path, clock: ManualClock,
    team: tuple, size: tuple[int, int],
) -> None:  # fmt: skip
    policies, roster = team
    asyncio.run(seed(db_path, clock, policies))

    async def ready(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)  # type: ignore[arg-type]
        await show(pilot.app, pilot, ActionItemsScreen())  # type: ignore[arg-type]

    app = console.app(policies=policies, roster=roster, actor="alice")
    assert snap_compare(app, terminal_size=size, run_before=ready)  # type: ignore[operator]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_action_item_form(
    snap_compare: object, console: ConsoleFactory, db_path: Path, clock: ManualClock,
    team: tuple, size: tuple[int, int],
) -> None:  # fmt: skip
    policies, roster = team
    asyncio.run(seed(db_path, clock, policies))

    async def ready(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)  # type: ignore[arg-type]
        await show(pilot.app, pilot, ActionItemsScreen())  # type: ignore[arg-type]
        await pilot.press("e")
        await settle(pilot.app, pilot)  # type: ignore[arg-type]
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False  # the look, not the moment of a blink
        await pilot.pause()

    app = console.app(policies=policies, roster=roster, actor="alice")
    assert snap_compare(app, terminal_size=size, run_before=ready)  # type: ignore[operator]
