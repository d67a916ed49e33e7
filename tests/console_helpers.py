"""Shared helpers for the Pilot tests of the console."""

from __future__ import annotations

from textual.pilot import Pilot

from screens.app import WarroomApp


async def settle(app: WarroomApp, pilot: Pilot) -> None:
    """Let the workers (reads, writes) and the messages they post run to the end."""
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()
