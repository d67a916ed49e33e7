"""The on-call calendar as RFC 5545 iCalendar, for calendar applications.

One event per stretch a person holds a rotation (overrides applied, neighbouring
shifts of the same person joined), written in the rotation's own zone with a
VTIMEZONE for it, so a handoff at 10:00 Europe/London reads 10:00 in the file and in
the calendar on both sides of a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from warroom import __version__
from warroom.models import OncallOverride
from warroom.oncall.schedule import handoff_instant, shift_index
from warroom.oncall.segments import Segment, merged, segments
from warroom.policy.roster import Roster, RotationSpec

PRODID = f"-//warroom//on-call {__version__}//EN"


def _describe(rot: RotationSpec, seg: Segment) -> str:
    lines = [f"{seg.person} is {rot.kind} on-call for {rot.name} ({rot.id})."]
    if seg.override_id is not None:
        how = "swap" if seg.override_kind == "swap" else "cover"
        lines.append(
            f"Override #{seg.override_id} ({how} for {seg.scheduled}), "
            f"arranged by {seg.arranged_by}."
        )
    lines.append(f"Handoffs at {rot.handoff_time} {rot.zone}.")
    return "\n".join(lines)


def build_calendar(
    roster: Roster,
    overrides: Sequence[OncallOverride],
    start: datetime,
    end: datetime,
    stamp: datetime,
) -> Calendar:
    """Every on-call stretch overlapping ``[start, end)``; ``stamp`` is the DTSTAMP (now)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "warroom on-call")
    first, last = start, end
    for rot in roster.rotations:
        zone = ZoneInfo(rot.zone)
        for seg in merged(segments(rot, overrides, start, end)):
            first, last = min(first, seg.starts_at), max(last, seg.ends_at)
            ev = Event()
            begins = seg.starts_at.astimezone(zone)
            ev.add("uid", f"{rot.id}-{seg.starts_at:%Y%m%dT%H%M%SZ}-{seg.person}@warroom")
            ev.add("dtstamp", stamp)
            ev.add("dtstart", begins)
            ev.add("dtend", seg.ends_at.astimezone(zone))
            ev.add("summary", f"On call ({rot.kind}): {seg.person} - {rot.name}")
            ev.add("description", _describe(rot, seg))
            ev.add("categories", ["on-call", rot.kind])
            ev.add("transp", "TRANSPARENT")
            cal.add_component(ev)
    cal.add_missing_timezones(
        first_date=(first - timedelta(days=1)).date(), last_date=(last + timedelta(days=1)).date()
    )
    return cal


def export_window(roster: Roster, now: datetime, weeks: int) -> tuple[datetime, datetime]:
    """From the start of the shift running now, ``weeks`` weeks on."""
    starts = [
        handoff_instant(rot, n) for rot in roster.rotations if (n := shift_index(rot, now)) >= 0
    ]
    return (min(starts) if starts else now), now + timedelta(weeks=weeks)
