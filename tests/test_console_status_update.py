"""/status in the war room: typed text goes at once; a template is shown, editable,
before it goes to an audience; cancelling sends nothing and keeps the line."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import TextArea

from screens.app import WarroomApp
from screens.status_update import StatusUpdateScreen
from tests.console_helpers import settle, type_line
from warroom.clock import ManualClock
from warroom.incident.queries import load_view
from warroom.store import Store
from widgets.scribe_input import ScribeInput


async def updates(
    db: Path, clock: ManualClock, incident_id: int
) -> list[tuple[str, str | None, str]]:
    async with await Store.open(db, clock) as store:
        v = await load_view(store, str(incident_id))
    return [(u.audience, u.stage, u.text) for u in v.status_updates]


async def preview(app: WarroomApp, pilot: Pilot, line: str) -> TextArea:
    """Type ``line``, a /status that takes a template, in the war room: the preview must
    open; its editor."""
    await type_line(app, pilot, line)
    assert isinstance(app.screen, StatusUpdateScreen)
    return app.screen.query_one(TextArea)


async def test_template_is_previewed_edited_then_sent(
    room: tuple[WarroomApp, Pilot, int], db_path: Path, clock: ManualClock
) -> None:
    app, pilot, incident_id = room
    editor = await preview(app, pilot, "/status customers identified")
    assert await updates(db_path, clock, incident_id) == []  # nothing sent yet
    assert editor.text.startswith("We have identified the cause")
    editor.move_cursor(editor.document.end)
    editor.insert(" Payments are not affected [b]at all[/b].")
    await pilot.press("ctrl+s")
    await settle(app, pilot)
    assert not isinstance(app.screen, StatusUpdateScreen)
    assert app.screen.query_one(ScribeInput).value == ""  # sent: the line is cleared
    # typed text needs no preview: it goes at once
    await type_line(app, pilot, "/status executives monitoring Failover done")
    got = await updates(db_path, clock, incident_id)
    assert got[0][:2] == ("customers", "identified")
    assert got[0][2].startswith("We have identified the cause")
    assert got[0][2].endswith(" Payments are not affected [b]at all[/b].")
    assert got[1] == ("executives", "monitoring", "Failover done")


async def test_cancelling_the_preview_sends_nothing_and_keeps_the_line(
    room: tuple[WarroomApp, Pilot, int], db_path: Path, clock: ManualClock
) -> None:
    app, pilot, incident_id = room
    await preview(app, pilot, "/status customers investigating")
    await pilot.press("escape")
    await settle(app, pilot)
    scribe = app.screen.query_one(ScribeInput)
    assert scribe.value == "/status customers investigating"
    # a resolved update on an open incident is refused before any preview
    scribe.value = ""
    await type_line(app, pilot, "/status customers resolved")
    assert not isinstance(app.screen, StatusUpdateScreen)
    assert scribe.value == "/status customers resolved"
    assert await updates(db_path, clock, incident_id) == []


async def test_escape_after_editing_the_preview_asks_before_discarding(
    room: tuple[WarroomApp, Pilot, int], db_path: Path, clock: ManualClock
) -> None:
    app, pilot, incident_id = room
    await type_line(app, pilot, "/status customers identified")
    editor = app.screen.query_one(TextArea)
    editor.move_cursor(editor.document.end)
    editor.insert(" ETA 15 minutes.")
    await pilot.press("escape")  # a slip of the finger must not lose the edits
    await settle(app, pilot)
    assert isinstance(app.screen, StatusUpdateScreen)
    assert app.screen.query_one(TextArea).text.endswith(" ETA 15 minutes.")
    await pilot.press("escape")  # asked twice: discarded, nothing sent
    await settle(app, pilot)
    assert not isinstance(app.screen, StatusUpdateScreen)
    assert app.screen.query_one(ScribeInput).value == "/status customers identified"
    assert await updates(db_path, clock, incident_id) == []
