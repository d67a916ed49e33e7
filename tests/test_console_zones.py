"""The war room's UTC/local toggle (ctrl+g) applies to every pane, and every pane says
which zone its times are in: header, timeline, roles, escalation, checklist; the
"Saved" message under the input too. Checked on the rendered screen, as a user sees it."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from textual.pilot import Pilot

from screens.app import WarroomApp
from tests.console_helpers import ConsoleFactory, open_room, settle, type_line
from tests.data import seed_sev1
from warroom.clock import ManualClock
from warroom.policy import Policies

NY = ZoneInfo("America/New_York")


def screen_text(app: WarroomApp) -> str:
    """The whole screen as the terminal would show it, one line a row."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def row_with(text: str, needle: str) -> str:
    """The screen row that holds ``needle`` (one pane's title or line)."""
    rows = [row for row in text.splitlines() if needle in row]
    assert rows, f"{needle!r} is not on the screen:\n{text}"
    return rows[0]


async def check_first_item(app: WarroomApp, pilot: Pilot) -> None:
    # The page line (the three before it ticked themselves at 09:00), done at 09:10 UTC.
    await pilot.press("ctrl+l", "down", "down", "down", "space")
    await settle(app, pilot)
    await pilot.press("i")  # back to the scribe line


async def test_every_pane_names_its_zone_and_follows_the_toggle(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    """``--tz America/New_York`` (UTC-5): the declaration at 09:00 UTC, now 09:10 UTC."""
    iid = await seed_sev1(db_path, clock, policies)
    async with console(tz=NY) as (app, pilot):
        await open_room(app, pilot, iid)
        await check_first_item(app, pilot)
        local = screen_text(app)
        await pilot.press("ctrl+g")
        await pilot.pause()
        utc = screen_text(app)
        await pilot.press("ctrl+g")
        await pilot.pause()
        back = screen_text(app)

    # every pane, in the console's zone, says so
    assert "now 04:10 America/New_York" in local
    assert "Timeline · times in America/New_York" in local
    assert "Roles · America/New_York" in local
    assert "tester since 04:00" in local
    assert "Escalation · America/New_York" in local
    assert "Status update due in 20:00 (04:30)" in local
    assert "Checklist: Declare 4/4 · America/New_York" in local
    assert "(tester 04:10)" in local

    # toggled: every pane in UTC, and nothing on screen is still New York time
    assert "now 09:10 UTC" in utc
    assert "Timeline · times in UTC" in utc
    assert "Roles · UTC" in utc
    assert "tester since 09:00" in utc
    assert "Escalation · UTC" in utc
    assert "Status update due in 20:00 (09:30)" in utc
    assert "Checklist: Declare 4/4 · UTC" in utc
    assert "(tester 09:10)" in utc
    assert "America/New_York" not in utc
    for local_time in ("04:00", "04:10", "04:30"):
        assert local_time not in utc

    # toggled back: every pane in New York time again
    for shown in (
        "now 04:10 America/New_York",
        "Timeline · times in America/New_York",
        "Roles · America/New_York",
        "tester since 04:00",
        "Escalation · America/New_York",
        "(04:30)",
        "Checklist: Declare 4/4 · America/New_York",
        "(tester 04:10)",
    ):
        assert shown in back
    assert "UTC" not in back.replace("UTC/local", "")


async def test_every_pane_names_its_zone_at_80x24(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    """A narrow side column: the checklist drops the phase name, then names the zone
    by its city, rather than cut the zone off."""
    iid = await seed_sev1(db_path, clock, policies)
    async with console(tz=NY, size=(80, 24)) as (app, pilot):
        await open_room(app, pilot, iid)
        text = screen_text(app)
        await pilot.press("ctrl+g")
        await pilot.pause()
        utc = screen_text(app)
    assert "now 04:10 America/New_York" in text
    assert "Timeline · times in America/New_York" in text
    assert "Roles · America/New_York" in text
    assert "Escalation · America/New_York" in text
    assert "Checklist 3/4 · New York" in text
    assert "now 09:10 UTC" in utc
    for pane in ("Roles · UTC", "Escalation · UTC", "Checklist: Declare 3/4 · UTC"):
        assert pane in utc


async def test_the_saved_message_is_in_the_zone_shown(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    iid = await seed_sev1(db_path, clock, policies)
    async with console(tz=NY) as (app, pilot):
        await open_room(app, pilot, iid)
        status = app.screen.query_one("#scribe-status")
        await type_line(app, pilot, "rollback started")
        local = str(status.render())
        await pilot.press("ctrl+g")
        await type_line(app, pilot, "rollback done")
        utc = str(status.render())
    assert "at 04:10:00" in local
    assert "at 09:10:00" in utc
