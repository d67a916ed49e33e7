"""Shared helpers for the Pilot tests of the console: the ``console`` fixture's factory,
settling workers, and pasting text instead of pressing one key a character."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, NamedTuple, TypeVar

from textual import events
from textual.pilot import Pilot
from textual.screen import Screen

from screens.app import WarroomApp, make_app
from screens.war_room import WarRoomScreen
from tests.data import ACTOR
from warroom.clock import ManualClock
from warroom.policy import Policies
from widgets.scribe_input import ScribeInput

SIZE = (120, 40)
S = TypeVar("S", bound=Screen[Any])


async def settle(app: WarroomApp, pilot: Pilot) -> None:
    """Let the workers (reads, writes) and the messages they post run to the end."""
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def paste(pilot: Pilot, text: str) -> None:
    """Paste ``text`` as a terminal does: one ``Paste`` event to the app, which hands it
    to the focused widget (not one key press a character); then let it be handled."""
    await pilot.pause()  # a focus() just called is applied first
    assert pilot.app.focused is not None, "nothing has focus to paste into"
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def show(app: WarroomApp, pilot: Pilot, screen: S) -> S:
    """Push ``screen`` and wait until it has loaded."""
    # In the app's own context: with two apps in one test, a screen started from the
    # test's context would take the other app as its ``app``.
    with app._context():
        await app.push_screen(screen)
    await settle(app, pilot)
    return screen


async def open_room(app: WarroomApp, pilot: Pilot, incident_id: int) -> WarRoomScreen:
    """Push the war room of ``incident_id`` and wait until it has loaded."""
    return await show(app, pilot, WarRoomScreen(incident_id))


async def type_line(app: WarroomApp, pilot: Pilot, text: str) -> None:
    """Paste ``text`` into the war room's scribe line, press Enter, wait for the write."""
    scribe = app.screen.query_one(ScribeInput)
    scribe.entry.focus()
    await paste(pilot, text)
    await pilot.press("enter")
    await settle(app, pilot)


class Console(NamedTuple):
    """A running console: unpack it (``async with console() as (app, pilot)``) or use
    its helpers."""

    app: WarroomApp
    pilot: Pilot

    async def settle(self) -> None:
        await settle(self.app, self.pilot)

    async def paste(self, text: str) -> None:
        await paste(self.pilot, text)

    async def show(self, screen: S) -> S:
        return await show(self.app, self.pilot, screen)


class ConsoleFactory:
    """``make_app(db_url, policies, clock)`` on the test's fresh database, manual clock and
    packaged policies; every keyword of ``make_app`` can be given (actor, tz, roster...),
    and ``policies=`` or ``clock=`` replace the test's own."""

    def __init__(self, db_url: str, policies: Policies, clock: ManualClock) -> None:
        self.db_url, self.policies, self.clock = db_url, policies, clock

    def app(
        self, *, policies: Policies | None = None, clock: ManualClock | None = None, **kw: Any
    ) -> WarroomApp:
        """The app, not started (for ``snap_compare``)."""
        kw.setdefault("actor", ACTOR)
        return make_app(self.db_url, policies or self.policies, clock or self.clock, **kw)

    @asynccontextmanager
    async def __call__(
        self, *, size: tuple[int, int] = SIZE, settled: bool = True, **kw: Any
    ) -> AsyncIterator[Console]:
        """The app run headless with ``run_test(size=size)``; ``settled``: its first
        reads have finished before the test goes on."""
        app = self.app(**kw)
        async with app.run_test(size=size) as pilot:
            if settled:
                await settle(app, pilot)
            yield Console(app, pilot)
