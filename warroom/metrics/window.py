"""The reporting window of the metrics: incidents declared in ``[since, until)``.

Without bounds it is the last 30 days up to the clock's now. With only ``since`` it runs
to now; with only ``until`` it covers the 30 days before it. A window that ends before
(or where) it starts is bad input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.errors import BadInput
from warroom.timeparse import iso_z

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Window:
    since: datetime  # UTC, included
    until: datetime  # UTC, excluded

    def __contains__(self, at: object) -> bool:
        return isinstance(at, datetime) and self.since <= at < self.until

    @property
    def days(self) -> float:
        return (self.until - self.since).total_seconds() / 86400


def window(
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    days: int = DEFAULT_DAYS,
) -> Window:
    """The window asked for, defaults filled in from ``now`` (the injected clock's)."""
    end = until or now
    start = since or end - timedelta(days=days)
    if until is None and end <= start:
        raise BadInput(
            f"--since {iso_z(start)} is after now ({iso_z(end)}); the metrics window runs "
            "from --since to now unless --until is given, so --since must be in the past."
        )
    if end <= start:
        raise BadInput(
            f"--until {iso_z(end)} is not after --since {iso_z(start)}; the metrics window "
            "runs from --since (included) to --until (excluded), so --until must come later."
        )
    return Window(start, end)
