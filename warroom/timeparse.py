"""Reading and showing times: ISO-8601 input, ``HH:MM`` shortcuts, zones."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warroom.clock import local_zone
from warroom.durations import human_duration
from warroom.errors import BadInput

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
FUTURE_TOLERANCE = timedelta(minutes=2)
# An HH:MM this little ahead of now is a typo or a skewed clock, not "yesterday".
HHMM_AHEAD_REFUSED = timedelta(hours=1)


def zone(name: str | None) -> tzinfo:
    """The zone called ``name`` (IANA), or the machine's local zone when None."""
    if not name or name == "local":
        return local_zone()
    if name.upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long
        raise BadInput(
            f"unknown time zone {name!r}; use an IANA name like Europe/London."
        ) from None


def zone_name(tz: tzinfo) -> str:
    """How a zone is named to the user: its IANA name (``America/New_York``), ``UTC``."""
    if tz is UTC:
        return "UTC"
    return str(getattr(tz, "key", None) or tz)


def parse_time(
    text: str, *, tz: tzinfo, now: datetime, what: str = "--at", future: bool = False
) -> datetime:
    """Parse ISO-8601 (zone optional, read in ``tz``) or ``HH:MM[:SS]``.

    ``HH:MM`` of something that happened (``future=False``) is today, or yesterday when
    that time is still more than an hour ahead (less than an hour ahead is refused: a
    typo or a skewed clock, not "yesterday"). For a moment asked about or planned
    (``future=True``: on-call --at, an override's --from) it is today. A local time the
    clocks skipped or showed twice is refused. Returns an aware UTC datetime."""
    raw = text.strip()
    m = _HHMM.match(raw)
    if m:
        h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
        if h > 23 or mi > 59 or s > 59:
            raise BadInput(f"{what} {text!r} is not a time of day (expected HH:MM, 00:00-23:59).")
        today = now.astimezone(tz).date()
        wall = datetime.combine(today, time(h, mi, s))
        ahead = wall.replace(tzinfo=tz).astimezone(UTC) - now
        if ahead > FUTURE_TOLERANCE and not future:
            if ahead <= HHMM_AHEAD_REFUSED:
                raise BadInput(
                    f"{what} {text!r} is {human_duration(ahead)} in the future (it is "
                    f"{now.astimezone(tz):%H:%M} now); entries can be backdated, not postdated. "
                    f"For yesterday, give the date: {wall - timedelta(days=1):%Y-%m-%dT%H:%M}."
                )
            wall -= timedelta(days=1)
        return _local(wall, tz, text, what).astimezone(UTC)
    candidate = raw.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", raw) else raw
    if candidate.endswith(("z", "Z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(candidate)
    except ValueError:
        raise BadInput(
            f"{what} {text!r} is not a time; use ISO-8601 like 2026-03-04T14:02 "
            "(read in --tz) or 2026-03-04T14:02Z, or HH:MM for today."
        ) from None
    try:
        if dt.tzinfo is None:
            dt = _local(dt, tz, text, what)
        return dt.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 is before the first representable UTC
        raise BadInput(
            f"{what} {text!r} is outside the times warroom can record (years 1 to 9999 in "
            "UTC); give a real date."
        ) from None


def _local(wall: datetime, tz: tzinfo, text: str, what: str) -> datetime:
    """The naive wall-clock time ``wall`` in ``tz``, refusing a time the clocks skipped
    (spring forward) or showed twice (fall back): either would be silently an hour off."""
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    name = zone_name(tz)
    day = wall.date().isoformat()
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        raise BadInput(
            f"{what} {text!r}: {wall:%H:%M} does not exist on {day} in {name} (the clocks "
            "went forward past it); give the time shown on the clock after the change, "
            "or an explicit offset."
        )
    a, b = _offset(first), _offset(second)
    raise BadInput(
        f"{what} {text!r}: {wall:%H:%M} happened twice on {day} in {name} (the clocks went "
        f"back); say which with an offset: {wall:%Y-%m-%dT%H:%M}{a} (the first, "
        f"{first.tzname()}) or {wall:%Y-%m-%dT%H:%M}{b} (the second, {second.tzname()})."
    )


def _offset(dt: datetime) -> str:
    off = dt.utcoffset() or timedelta(0)
    sign = "-" if off < timedelta(0) else "+"
    minutes = abs(int(off.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_date(text: str, what: str = "--due") -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{what} {text!r} is not a date; use YYYY-MM-DD.") from None


def iso_z(dt: datetime | None) -> str | None:
    """ISO-8601 UTC with a ``Z``, as the JSON contract wants (None stays None)."""
    if dt is None:
        return None
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")
