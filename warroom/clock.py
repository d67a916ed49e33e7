"""The one place that reads the wall clock.

Everything else receives a :class:`Clock` and asks it for ``now()``: the system
clock in production, a :class:`ManualClock` in tests and a :class:`ScaledClock`
in drills, where time runs N times faster than the wall.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as a UTC-aware datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock (UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; for tests."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 1, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)


class ScaledClock:
    """A clock that starts at ``start`` and runs ``speed`` times faster than the wall.

    Used by drills so the 15/30/60/120-minute escalations can be rehearsed in minutes.
    """

    def __init__(self, speed: float, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._origin_wall = time.monotonic()
        self._origin = start.astimezone(UTC) if start else datetime.now(UTC)

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._origin_wall) * self.speed
        return self._origin + timedelta(seconds=elapsed)


def utc(dt: datetime) -> datetime:
    """Return ``dt`` as UTC; naive datetimes (as SQLite hands them back) are taken as UTC."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def local_zone() -> tzinfo:
    """The machine's local time zone (an IANA zone when TZ names one)."""
    import os
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    for name in (os.environ.get("TZ"), _system_zone_name()):
        if name:
            try:
                return ZoneInfo(name.lstrip(":"))
            except (ZoneInfoNotFoundError, ValueError):
                pass
    # Last resort: today's fixed offset (wrong across a daylight-saving change).
    return datetime.now(UTC).astimezone().tzinfo or UTC


def _system_zone_name() -> str | None:
    """The IANA name of the system's zone: /etc/localtime links into a zoneinfo tree
    (Linux, macOS); Debian also writes it in /etc/timezone."""
    from pathlib import Path

    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
        text = Path("/etc/timezone").read_text(encoding="utf-8").strip()
        return text or None
    except OSError:
        return None
