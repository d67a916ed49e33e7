"""Rotation arithmetic in local calendar time.

A rotation stores its zone, the local date of its first handoff, a calendar
period and a local handoff time; never a length in seconds. So the handoff stays
at 10:00 local across daylight-saving changes.

DST rule (the one written rule, also in policies/oncall.yaml): a handoff time that
falls in a gap (clocks jump forward) happens at the same wall-clock reading shifted
forward by the gap's length (02:30 becomes 03:30); one that falls in a repeated hour
happens at its first occurrence. This is how RFC 5545 (iCalendar) reads such local
times too, so calendar applications agree with ``warroom oncall``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from warroom.policy.roster import RotationSpec
from warroom.strict import time_of

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PERIOD_DAYS = {"daily": 1, "weekly": 7, "biweekly": 14}


@dataclass(frozen=True)
class Shift:
    rotation: str
    kind: str
    person: str
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    index: int


def first_handoff_date(rot: RotationSpec) -> date:
    d = rot.start
    if rot.handoff_weekday and rot.period != "daily":
        want = WEEKDAYS.index(rot.handoff_weekday)
        d = d + timedelta(days=(want - d.weekday()) % 7)
    return d


def handoff_instant(rot: RotationSpec, n: int) -> datetime:
    """The UTC instant of handoff number ``n`` (0 = the rotation's first)."""
    zone = ZoneInfo(rot.zone)
    local_date = first_handoff_date(rot) + timedelta(days=PERIOD_DAYS[rot.period] * n)
    # fold=0: a repeated time means its first occurrence; a time in a gap is read with
    # the offset before the gap, i.e. it lands the gap's length later on the wall clock.
    local = datetime.combine(local_date, time_of(rot.handoff_time), tzinfo=zone)
    return local.astimezone(UTC)


def shift_index(rot: RotationSpec, at: datetime) -> int:
    """Number of the shift running at ``at`` (negative before the rotation starts)."""
    t0 = handoff_instant(rot, 0)
    days = PERIOD_DAYS[rot.period]
    n = int((at - t0) // timedelta(days=days))
    while handoff_instant(rot, n) > at:
        n -= 1
    while handoff_instant(rot, n + 1) <= at:
        n += 1
    return n


def shift(rot: RotationSpec, n: int) -> Shift:
    person = rot.members[(n + rot.offset) % len(rot.members)]
    return Shift(rot.id, rot.kind, person, handoff_instant(rot, n), handoff_instant(rot, n + 1), n)


def shift_at(rot: RotationSpec, at: datetime) -> Shift | None:
    n = shift_index(rot, at)
    return shift(rot, n) if n >= 0 else None


def next_handoffs(rot: RotationSpec, at: datetime, count: int = 3) -> list[Shift]:
    n = max(shift_index(rot, at) + 1, 0)
    return [shift(rot, n + i) for i in range(count)]


def shifts_between(rot: RotationSpec, start: datetime, end: datetime) -> list[Shift]:
    """Every shift of ``rot`` that overlaps ``[start, end)`` (none before the first handoff)."""
    n = max(shift_index(rot, start), 0)
    out: list[Shift] = []
    while True:
        s = shift(rot, n)
        if s.starts_at >= end:
            return out
        if s.ends_at > start:
            out.append(s)
        n += 1
