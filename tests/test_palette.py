"""The command palette and the keys from one source: on every screen, one entry per
action and per title; the user's keymap file rebinds keys (and says what it could not)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from textual.actions import parse
from textual.command import CommandList, CommandPalette
from textual.screen import Screen

from screens.app import WarroomApp
from screens.help import HelpScreen
from screens.keymap import ENV, known_bindings, parse_keymap
from screens.palette import collect_actions
from tests.console_helpers import Console, ConsoleFactory, settle
from tests.data import commands_on
from tests.oncall_helpers import demo_roster
from warroom.clock import ManualClock
from warroom.incident.queries import IncidentView, load_view
from warroom.policy import Policies, load_policies
from warroom.store import Store


@pytest.fixture(autouse=True)
def no_user_keymap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never the keymap of whoever runs the tests."""
    monkeypatch.setenv(ENV, str(tmp_path / "no-keymap.yaml"))


async def seed(db: Path, clock: ManualClock, policies: Policies) -> int:
    """An open SEV1 with a war room, and a resolved SEV2 with an action item."""
    async with commands_on(db, clock, policies) as c:
        inc = await c.declare("Checkout down", 1, ic="alice", war_room=True)
        old = await c.declare("Search is slow", 2, ic="alice")
        await c.resolve(old.ref or "")
        await c.add_action(old.ref or "", "Add an index", owner="bob", due="+7d")
        assert inc.id is not None
        return inc.id


async def view(db: Path, clock: ManualClock, incident_id: int) -> IncidentView:
    async with await Store.open(db, clock) as store:
        return await load_view(store, str(incident_id))


def action_of(app: WarroomApp, screen: Screen[Any], callback: Callable[..., Any]) -> object:
    """What a palette entry runs, worked out from its callback alone."""
    if isinstance(callback, partial) and callback.func == app.run_action:
        action, node = callback.args
        namespace, name, params = parse(action)
        where = app if namespace == "app" else screen if namespace == "screen" else node
        return (id(where), name, tuple(params))
    owner, func = getattr(callback, "__self__", None), getattr(callback, "__func__", None)
    if owner is not None and func is not None:
        return (id(owner), func.__name__.removeprefix("action_"), ())
    return callback  # a closure: an action of its own


async def palette_titles(c: Console) -> list[str]:
    """The titles the palette shows when it opens (ctrl+p), then closes it again."""
    await c.pilot.press("ctrl+p")
    await c.pilot.pause(0.3)  # the palette gathers in a worker of its own
    await c.settle()
    palette = c.app.screen
    assert isinstance(palette, CommandPalette)
    options = palette.query_one(CommandList).options
    titles = [str(o.prompt).split("\n")[0] for o in options]
    await c.pilot.press("escape")
    await c.settle()
    return titles


def assert_one_entry_each(app: WarroomApp, screen: Screen[Any], shown: list[str]) -> None:
    commands = list(app.get_system_commands(screen))
    titles = [c.title for c in commands]
    assert len(titles) == len(set(titles)), sorted(t for t in titles if titles.count(t) > 1)
    actions = [action_of(app, screen, c.callback) for c in commands]
    same = [t for t, a in zip(titles, actions, strict=True) if actions.count(a) > 1]
    assert not same, f"{type(screen).__name__}: these run the same action: {same}"
    assert len(shown) == len(set(shown)), sorted(t for t in shown if shown.count(t) > 1)
    assert set(titles) <= set(shown)  # every command is offered when the palette opens


async def test_no_two_palette_entries_run_the_same_action_or_share_a_title(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, pol_dir: Path
) -> None:
    policies = load_policies(pol_dir)
    iid = await seed(db_path, clock, policies)
    roster = demo_roster(pol_dir)
    async with console(size=(140, 40), policies=policies, roster=roster) as c:
        app = c.app
        seen: dict[str, list[str]] = {}

        async def check(name: str) -> None:
            screen = app.screen
            shown = await palette_titles(c)
            assert app.screen is screen
            assert_one_entry_each(app, screen, shown)
            seen[name] = shown

        await check("home")
        app.open_incident(iid)
        await settle(app, c.pilot)
        await check("war room")
        assert "Ack" in seen["war room"] and "Resolve" in seen["war room"]
        assert "Acknowledge the incident" not in seen["war room"]  # the old duplicate
        await c.pilot.press("escape")
        await settle(app, c.pilot)
        for opener, name in (
            (app.action_action_items, "action items"),
            (lambda: app.open_postmortem(iid), "post-mortem"),
            (app.action_handoff, "handoff"),
            (app.action_metrics, "metrics"),
            (app.action_help, "help"),
        ):
            opener()
            await settle(app, c.pilot)
            await check(name)
            app.screen.dismiss(None)
            await settle(app, c.pilot)
        assert [t for t in seen["home"] if t == "Quit"] == ["Quit"]  # q and ctrl+q: one


async def test_resolve_in_the_palette_asks_for_a_confirmation_like_f4(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    iid = await seed(db_path, clock, policies)
    async with console(policies=policies) as c:
        c.app.open_incident(iid)
        await c.settle()
        resolve = next(x for x in c.app.get_system_commands(c.app.screen) if x.title == "Resolve")
        assert "f4" in resolve.help
        with c.app._context():
            await resolve.callback()  # type: ignore[misc]
        await c.settle()
        assert (await view(db_path, clock, iid)).incident.status != "resolved"


async def test_a_keymap_file_rebinds_ack_from_f2_to_another_key(
    console: ConsoleFactory,
    db_path: Path,
    clock: ManualClock,
    policies: Policies,
    tmp_path: Path,
) -> None:
    iid = await seed(db_path, clock, policies)
    keymap = tmp_path / "keymap.yaml"
    keymap.write_text("war_room.ack: f6\nwar_room.nothing: f9\n", encoding="utf-8")
    async with console(policies=policies, keymap=keymap) as c:
        notes = [n.message for n in c.app._notifications]
        assert any("unknown binding id 'war_room.nothing'" in m for m in notes)
        c.app.open_incident(iid)
        await c.settle()
        keys = {e.description: e.key for e in collect_actions(c.app, c.app.screen)}
        assert keys["Ack"] == "f6"  # the footer, the help screen and the palette say so
        await c.pilot.press("f2")
        await c.settle()
        assert (await view(db_path, clock, iid)).incident.acknowledged_at is None
        await c.pilot.press("f6")
        await c.settle()
        assert (await view(db_path, clock, iid)).incident.acknowledged_at is not None


async def test_the_keymap_env_var_is_read_and_help_shows_the_new_key(
    console: ConsoleFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keymap = tmp_path / "mine.yaml"
    keymap.write_text("app.declare: ctrl+d\n", encoding="utf-8")
    monkeypatch.setenv(ENV, str(keymap))
    async with console() as c:
        await c.pilot.press("question_mark")
        await c.settle()
        assert isinstance(c.app.screen, HelpScreen)
        rows = {e.description: e.key for e in c.app.screen.entries}
        assert rows["Declare"] == "^d"


async def test_a_malformed_keymap_is_reported_and_the_console_runs(
    console: ConsoleFactory, tmp_path: Path
) -> None:
    keymap = tmp_path / "keymap.yaml"
    keymap.write_text("war_room.ack: [f6\n", encoding="utf-8")
    async with console(keymap=keymap) as c:
        assert c.app.is_running
        assert any("not valid YAML" in n.message for n in c.app._notifications)


def test_keymap_checks_each_line_and_keeps_the_good_ones(tmp_path: Path) -> None:
    known = known_bindings()
    assert {"war_room.ack", "home.open", "app.declare", "postmortem.save"} <= set(known)
    loaded = parse_keymap(
        "war_room.ack: [f6, ctrl+k]\n"
        "war_room.mitigated: ctrl+kk\n"  # not a key
        "declare.submit: x\n"  # works inside text fields: a letter would never be typed
        "nope.nothing: f1\n"
        "home.refresh: f5\n",
        tmp_path / "k.yaml",
        known,
    )
    assert loaded.keymap == {"war_room.ack": "f6,ctrl+k", "home.refresh": "f5"}
    assert len(loaded.problems) == 3
    assert parse_keymap("- a list\n", tmp_path / "k.yaml", known).problems


def test_every_binding_id_is_screen_dot_action() -> None:
    for binding_id in known_bindings():
        scope, _, action = binding_id.partition(".")
        assert scope and action and "-" not in binding_id, binding_id
