"""A replayed SEV1 for the post-mortem and action item tests: every milestone given
after the fact, key events whose text tries to break Markdown tables."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.data import MARKDOWN_NASTY
from warroom.clock import ManualClock
from warroom.incident.commands import Commands
from warroom.models import Incident

DAY = datetime(2026, 3, 2, tzinfo=UTC)
NASTY = MARKDOWN_NASTY


def at(hour: int, minute: int) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


async def replay_sev1(commands: Commands, clock: ManualClock, *, resolve: bool = True) -> Incident:
    """Started 09:52, detected 10:00, declared 10:03, ack 10:05, mitigated 10:30,
    resolved 11:00 (the clock is then set to 12:00)."""
    clock.set(at(12, 0))
    inc = await commands.declare(
        "Checkout | down",
        1,
        ic="alice",
        at=at(10, 3),
        started_at=at(9, 52),
        detected_at=at(10, 0),
    )
    ref = inc.ref or ""
    await commands.ack(ref, at=at(10, 5))
    await commands.assign(ref, "tech", "bob", at=at(10, 6))
    await commands.log(ref, "Error rate 40% after deploy 4411", at=at(10, 10))  # not a key event
    await commands.log(ref, NASTY, kind="decision", at=at(10, 20))
    await commands.log(ref, "Paged the database team", kind="decision", at=at(10, 12))
    await commands.set_severity(ref, 2, at=at(10, 25))
    await commands.set_severity(ref, 1, at=at(10, 26))
    await commands.mitigate(ref, at=at(10, 30))
    if resolve:
        await commands.resolve(ref, at=at(11, 0))
    return inc
