"""Backdates the scribe is asked about before they are recorded, and the words that ask.

The scribe's ``@14:02`` is read in the zone the war room shows (``scribe.parse``); a
time that was probably not meant is not recorded at once: one before the incident
began, or more than :data:`LONG_AGO` back (``@23:59`` typed at 14:58 is yesterday,
15 hours ago). The question says the full date and time it would record, in the shown
zone and with the zone's name, so a wrong day or zone is seen before it is stored. A
time ahead of now beyond the command layer's tolerance cannot be recorded at all: it is
refused here with the same words instead of failing in the queue.

Pure: the console asks and the command layer records.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from warroom.errors import BadInput
from warroom.timeparse import FUTURE_TOLERANCE, zone_name

LONG_AGO = timedelta(hours=12)  # a backdate further back than this asks first


def incident_began(*milestones: datetime | None) -> datetime | None:
    """When the incident began: the earliest of the milestones given (first anomaly,
    detection, declaration), those not known left out."""
    known = [m for m in milestones if m is not None]
    return min(known) if known else None


def moment(at: datetime, tz: tzinfo, now: datetime) -> str:
    """``Wed 2 Dec 23:59 America/New_York``: weekday, date, time (seconds when not 0),
    the year when it is not this year's, and the zone."""
    local = at.astimezone(tz)
    year = f" {local.year}" if local.year != now.astimezone(tz).year else ""
    clock = f"{local:%H:%M:%S}" if local.second else f"{local:%H:%M}"
    return f"{local:%a} {local.day} {local:%b}{year} {clock} {zone_name(tz)}"


def span(delta: timedelta) -> str:
    """A length of time in words: ``40 s``, ``25 min``, ``15 h``, ``2 h 05 min``, ``3 days 4 h``."""
    seconds = int(abs(delta).total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    whole = f"{days} day{'s' if days != 1 else ''}"
    return f"{whole} {hours} h" if hours else whole


def odd_backdate(
    at: datetime,
    *,
    now: datetime,
    tz: tzinfo,
    began: datetime | None = None,
    typed: str | None = None,
) -> str | None:
    """What to ask before recording an entry backdated to ``at``, or None when it is
    recorded at once. ``typed`` is the time as the scribe typed it (``@23:59``), ``began``
    when the incident began (:func:`incident_began`). Raises BadInput for a time in the
    future beyond the tolerance (entries can be backdated, not postdated)."""
    what = typed or "The time"
    if at > now + FUTURE_TOLERANCE:
        raise BadInput(
            f"{what} would record {moment(at, tz, now)}, {span(at - now)} from now; "
            "entries can be backdated, not postdated."
        )
    # "@09:00" is the minute the incident began at 09:00:30, not a time before it.
    before = began is not None and at < began.replace(second=0, microsecond=0)
    if not before and now - at <= LONG_AGO:
        return None
    ago = f"{span(now - at)} ago" if at < now else "now"
    if not before:
        return f"{what} would record {moment(at, tz, now)}, {ago}"
    assert began is not None
    start = began.astimezone(tz)
    same_day = start.date() == at.astimezone(tz).date()
    when = f"at {start:%H:%M}" if same_day else f"{start:%a} {start.day} {start:%b %H:%M}"
    return f"{what} would record {moment(at, tz, now)}, {ago} and before the incident began {when}"


def other_day(at: datetime | None, *, now: datetime, tz: tzinfo) -> str | None:
    """``Sun 1 Mar`` when an entry at ``at`` is not on today's date in ``tz`` (None when
    it is, or when it is not backdated): what a "Saved" message adds so a backdate to
    another day is never silent."""
    if at is None:
        return None
    local, today = at.astimezone(tz), now.astimezone(tz).date()
    if local.date() == today:
        return None
    year = f" {local.year}" if local.year != today.year else ""
    return f"{local:%a} {local.day} {local:%b}{year}"
