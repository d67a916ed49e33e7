"""Focus is safe everywhere (issue 13 item 3): a sentence typed into any text field of
any console screen is text, never a one-letter shortcut; writing screens open with the
cursor in their first text field.

Each case opens one screen on a seeded database (a SEV1 with entries and an action
item), types a sentence holding every letter key by key into each text field it has,
and checks that the same screen is still on top, no screen opened, and the change feed
(every write appends a row to it) did not move.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, TextArea

from screens.app import WarroomApp
from screens.postmortem import PostmortemScreen
from tests.console_helpers import ConsoleFactory, settle
from tests.data import commands_on, seed_sev1
from warroom.clock import ManualClock
from warroom.comms.draft import Draft
from warroom.policy import Policies

SENTENCE = "the quick brown fox jumps over the lazy dog HELP 123"

Opener = Callable[[WarroomApp, int], None]


def _form(app: WarroomApp, incident_id: int) -> None:
    """The form opens from the action-items screen (``n``), on top of it."""
    app.open_action_items()
    app.call_after_refresh(lambda: app.screen.action_new())  # type: ignore[attr-defined]


def _status(app: WarroomApp, incident_id: int) -> None:
    draft = Draft("INC-1", "customers", "Customers", "identified", "Identified", "", 0, False)
    app.edit_status_update(draft, lambda _text: None)


OPENERS: dict[str, Opener] = {
    "home": lambda app, i: None,
    "history": lambda app, i: app.action_history(),
    "declare": lambda app, i: app.action_declare(),
    "war room": lambda app, i: app.open_incident(i),
    "post-mortem": lambda app, i: app.open_postmortem(i),
    "action items": lambda app, i: app.open_action_items(),
    "action item form": _form,
    "handoff": lambda app, i: app.action_handoff(),
    "metrics": lambda app, i: app.action_metrics(),
    "help": lambda app, i: app.action_help(),
    "status update": _status,
}
WRITING = ("declare", "post-mortem", "action item form", "status update")


def changes(db: Path) -> int:
    """Rows in the change feed: every write the console makes appends one."""
    with sqlite3.connect(db) as con:
        return int(con.execute('SELECT count(*) FROM "change"').fetchone()[0])


async def seeded(db: Path, clock: ManualClock, policies: Policies) -> int:
    incident_id = await seed_sev1(db, clock, policies)
    async with commands_on(db, clock, policies) as c:
        await c.add_action("INC-1", "Add a canary stage to checkout deploys", owner="alice")
    return incident_id


async def opened(app: WarroomApp, pilot: Pilot, name: str, incident_id: int) -> None:
    with app._context():
        OPENERS[name](app, incident_id)
    await settle(app, pilot)


def text_fields(app: WarroomApp) -> list[Widget]:
    return [
        w
        for w in app.screen.query("Input, TextArea")
        if w.focusable and w.display and w.is_on_screen
    ]


async def type_sentence(pilot: Pilot) -> None:
    """Key presses as the terminal driver posts them (one Key event a character,
    dispatched through the App's bindings like real typing), without Pilot's wait
    after every key."""
    for char in SENTENCE:
        pilot.app.post_message(events.Key(_character_to_key(char), char))
    await pilot.pause()


def typed(field: Widget) -> str:
    return field.value if isinstance(field, Input) else field.text  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list(OPENERS))
async def test_a_sentence_typed_in_any_text_field_is_only_text(
    name: str, console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    incident_id = await seeded(db_path, clock, policies)
    async with console() as (app, pilot):
        await opened(app, pilot, name, incident_id)
        screen, depth, before = app.screen, len(app.screen_stack), changes(db_path)
        fields = text_fields(app)
        for field in fields:
            field.focus()
            await pilot.pause()
            await type_sentence(pilot)
            await pilot.pause()
            where = f"{name}: {field!r}"
            assert app.screen is screen, f"{where} opened {app.screen!r}"
            assert len(app.screen_stack) == depth, where
            assert SENTENCE in typed(field) or SENTENCE.replace(" ", "") in typed(field), where
            assert changes(db_path) == before, f"{where} recorded something"


@pytest.mark.parametrize("name", WRITING)
async def test_a_writing_screen_opens_with_the_cursor_in_a_text_field(
    name: str, console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    incident_id = await seeded(db_path, clock, policies)
    async with console() as (app, pilot):
        await opened(app, pilot, name, incident_id)
        screen, before = app.screen, changes(db_path)
        assert isinstance(app.focused, Input | TextArea), f"{name} opens on {app.focused!r}"
        field = app.focused
        await type_sentence(pilot)
        await settle(app, pilot)
        assert app.screen is screen
        assert SENTENCE in typed(field)
        assert changes(db_path) == before


async def test_a_read_only_section_swallows_letters_instead_of_running_shortcuts(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    """A final post-mortem's sections are read-only editors: a letter typed there
    (``d`` Declare, ``h`` Handoff, ``a`` Action items) must do nothing."""
    incident_id = await seeded(db_path, clock, policies)
    async with console() as (app, pilot):
        await opened(app, pilot, "post-mortem", incident_id)
        screen = app.screen
        assert isinstance(screen, PostmortemScreen)
        area = screen.query(TextArea).first()
        area.read_only = True  # as every section of a final post-mortem is
        area.focus()
        await type_sentence(pilot)
        await settle(app, pilot)
        assert app.screen is screen, f"opened {app.screen!r}"
        assert SENTENCE not in area.text


def test_no_priority_binding_is_a_printable_key() -> None:
    """A priority binding acts before the focused field sees the key: it must type
    nothing (``ctrl+s``, ``f5``), or a text field could never receive that character."""
    from screens.keymap import known_bindings, printable_key

    bad = [
        (bid, b.key)
        for bid, b in known_bindings().items()
        if b.priority and any(printable_key(k.strip()) for k in b.key.split(","))
    ]
    assert bad == []
