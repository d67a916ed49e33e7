"""Toasts never cover the scribe input or the newest timeline rows, and never repeat
what the status line under the input says (issue 10, item 7).

In the war room at 80x24 and 120x40, with several toasts up at once (long ones, every
severity), no visible part of a toast overlaps the scribe line with its status line
under it, the newest rows of the timeline (at the top of a short timeline, at the
bottom of one that has filled the pane) or the banner line of what the IC must not
miss. The placement is ``ToastRack``/``Toast`` in ``screens/app.tcss``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.errors import NoWidget
from textual.geometry import Region
from textual.notifications import SeverityLevel
from textual.pilot import Pilot
from textual.widgets._toast import Toast

from screens.app import WarroomApp
from screens.war_room import WarRoomScreen
from tests.console_helpers import ConsoleFactory, open_room, settle
from tests.data import seed_sev1
from warroom.clock import ManualClock
from warroom.errors import WarroomError
from warroom.policy import Policies
from widgets.banner import Banner
from widgets.scribe_input import ScribeInput
from widgets.timeline_view import TimelineView

NEWEST_LINES = 5  # the screen lines of the timeline that must stay in view
SCRIBE, NEWEST = "the scribe input and its status line", "the newest timeline rows"
LONG = (
    "Escalation INC-1: paged the engineering manager and the executive on-call by sms "
    "and phone; no acknowledgement after 10 minutes, the next step pages all hands."
)
SEVERITIES: tuple[SeverityLevel, ...] = ("error", "warning", "information", "error", "information")


def visible(app: WarroomApp, toast: Toast) -> Region:
    """The part of ``toast`` on screen (none when the rack has no room left for it)."""
    try:
        where = app.screen.find_widget(toast)
    except NoWidget:
        return Region()
    return where.region.intersection(where.clip)


def newest_rows(timeline: TimelineView) -> Region:
    """Where the timeline draws its last ``NEWEST_LINES`` lines (those in view)."""
    box = timeline.content_region
    last = timeline.virtual_size.height  # lines: stored rows, then the pending ones
    top = box.y + max(0, last - NEWEST_LINES) - timeline.scroll_offset.y
    bottom = box.y + last - timeline.scroll_offset.y
    return Region(box.x, top, box.width, bottom - top).intersection(box)


def keep_clear(room: WarRoomScreen) -> dict[str, Region]:
    """What no toast may cover, where it is on screen now."""
    regions = {
        SCRIBE: room.query_one(ScribeInput).region,
        NEWEST: newest_rows(room.query_one(TimelineView)),
    }
    for banner in room.query(Banner):
        if banner.display:
            regions["the banner"] = banner.region
    return {what: region for what, region in regions.items() if region}


async def assert_toasts_clear(app: WarroomApp, room: WarRoomScreen, size: tuple[int, int]) -> None:
    shown = [visible(app, t) for t in app.screen.query(Toast)]
    shown = [r for r in shown if r]
    assert shown, f"{size}: no toast on screen"
    clear = keep_clear(room)
    assert {SCRIBE, NEWEST} <= clear.keys(), f"{size}: {clear}"
    for what, region in clear.items():
        for toast in shown:
            assert not toast.overlaps(region), f"{size}: a toast at {toast} covers {what} {region}"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_toasts_never_cover_the_scribe_input_or_the_newest_rows(
    size: tuple[int, int],
    console: ConsoleFactory,
    db_path: Path,
    clock: ManualClock,
    policies: Policies,
) -> None:
    incident_id = await seed_sev1(db_path, clock, policies)
    app = console.app()
    async with app.run_test(size=size, notifications=True) as pilot:  # tests: none by default
        await settle(app, pilot)
        room = await open_room(app, pilot, incident_id)
        timeline = room.query_one(TimelineView)
        # A short timeline: its newest rows are at the top of the pane.
        assert timeline.virtual_size.height < timeline.content_region.height
        await show_toasts(app, pilot)
        await assert_toasts_clear(app, room, size)
        app.clear_notifications()
        # A timeline that fills the pane: its newest rows are at the bottom.
        for n in range(10):
            if timeline.virtual_size.height > timeline.content_region.height:
                break
            for k in range(6):
                await app.commands.log(room.ref, f"Update {n}.{k}: {LONG}", role="tech")
            await app.check_changes()
            await settle(app, pilot)
        assert timeline.virtual_size.height > timeline.content_region.height
        assert timeline.scroll_offset.y > 0  # following the newest rows, at the bottom
        await show_toasts(app, pilot)
        await assert_toasts_clear(app, room, size)


async def show_toasts(app: WarroomApp, pilot: Pilot) -> None:
    """Five toasts at once, long and short, of every severity, for a minute each."""
    for n, severity in enumerate(SEVERITIES):
        text = LONG if n % 2 == 0 else f"Back in contact with the database ({n})."
        app.notify(text, title=f"Toast {n}", severity=severity, markup=False, timeout=60)
    for _ in range(3):  # the toasts mounted, then laid out
        await pilot.pause()


async def test_what_the_status_line_says_is_not_repeated_in_a_toast(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    """A key refused (F4 by someone the policy does not let resolve) or failing (F2 while
    the database is busy): the status line under the input says so, no toast says it
    again (over the side pane, where the IC is reading)."""
    incident_id = await seed_sev1(db_path, clock, policies, ic="alice")  # we are "tester"
    async with console(size=(80, 24)) as (app, pilot):
        room = await open_room(app, pilot, incident_id)
        status = room.query_one(ScribeInput).query_one("#scribe-status")
        await pilot.press("f4")
        await settle(app, pilot)
        assert "Not done: " in str(status.render())

        async def busy(parsed: object) -> str:
            raise WarroomError("the database is busy")

        room._perform = busy  # type: ignore[method-assign]
        await pilot.press("f2")
        await settle(app, pilot)
        assert "Not done: the database is busy" in str(status.render())
        assert [n.message for n in app._notifications] == []
