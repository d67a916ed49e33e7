"""The post-incident rest rule, computed from the timeline entries people wrote.

An *engagement* is a run of one person's timeline entries (any incident) where no
two neighbours are more than ``rest_rule.idle_minutes`` apart; it lasts from the
first entry to the last. The part of it inside the night (``night_start`` to
``night_end`` in the person's own zone, across midnight) is what counts: at
``engaged_hours`` or more, the person starts ``late_start_hours`` late the next day,
counted from ``night_end`` (or from the end of the engagement when it ran past it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from warroom.models import TimelineEntry
from warroom.policy.oncall import RestRule
from warroom.policy.roster import Roster
from warroom.store import Store
from warroom.strict import time_of
from warroom.timeparse import iso_z


def person_zone(roster: Roster | None, name: str) -> tzinfo:
    p = roster.person(name) if roster else None
    return ZoneInfo(p.tz) if p else UTC


def night_windows(
    start: datetime, end: datetime, zone: tzinfo, rule: RestRule
) -> list[tuple[datetime, datetime]]:
    """The nights (UTC start, UTC end) that overlap ``[start, end]``."""
    ns, ne = time_of(rule.night_start), time_of(rule.night_end)
    wraps = ne <= ns
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    out = []
    d = first
    while d <= last:
        a = datetime.combine(d, ns, tzinfo=zone).astimezone(UTC)
        b = datetime.combine(d + timedelta(days=1) if wraps else d, ne, tzinfo=zone).astimezone(UTC)
        if a < end and b > start:
            out.append((a, b))
        d += timedelta(days=1)
    return out


def is_night(at: datetime, zone: tzinfo, rule: RestRule) -> bool:
    return any(a <= at < b for a, b in night_windows(at, at, zone, rule))


@dataclass(frozen=True)
class RestFlag:
    person: str
    engaged_from: datetime  # UTC
    engaged_until: datetime
    night_hours: float
    late_start_at: datetime  # UTC: not before this the next day
    zone: str

    def message(self, tz: tzinfo) -> str:
        local = self.late_start_at.astimezone(ZoneInfo(self.zone))
        return (
            f"{self.person} was engaged {self.night_hours:.1f} h overnight "
            f"({self.engaged_from.astimezone(tz):%a %H:%M} to "
            f"{self.engaged_until.astimezone(tz):%a %H:%M}): late start the next day, "
            f"not before {local:%a %H:%M} {self.zone}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "engaged_from": iso_z(self.engaged_from),
            "engaged_until": iso_z(self.engaged_until),
            "night_hours": round(self.night_hours, 2),
            "late_start_at": iso_z(self.late_start_at),
            "zone": self.zone,
        }


def rest_flags(
    entries: Sequence[tuple[str, datetime]], roster: Roster, rule: RestRule
) -> list[RestFlag]:
    """Who must start late after a night of work, from (author, at) timeline entries."""
    by_person: dict[str, list[datetime]] = defaultdict(list)
    for author, at in entries:
        p = roster.person(author)
        if p is not None:
            by_person[p.name].append(at)
    idle = timedelta(minutes=rule.idle_minutes)
    flags: list[RestFlag] = []
    for name, times in by_person.items():
        times.sort()
        zone_name = roster.person(name).tz  # type: ignore[union-attr]
        zone = ZoneInfo(zone_name)
        runs: list[list[datetime]] = []
        for t in times:
            if runs and t - runs[-1][-1] <= idle:
                runs[-1].append(t)
            else:
                runs.append([t])
        for run in runs:
            a, b = run[0], run[-1]
            nights = night_windows(a, b, zone, rule)
            overlap = sum(max((min(b, ne) - max(a, ns)).total_seconds(), 0.0) for ns, ne in nights)
            hours = overlap / 3600
            if hours + 1e-9 < rule.engaged_hours:
                continue
            last_night_end = max(ne for ns, ne in nights if ns < b)
            late = max(b, last_night_end) + timedelta(hours=rule.late_start_hours)
            flags.append(RestFlag(name, a, b, hours, late, zone_name))
    return sorted(flags, key=lambda f: (f.engaged_from, f.person))


async def load_entries(store: Store, start: datetime, end: datetime) -> list[tuple[str, datetime]]:
    """(author, at) of every timeline entry in ``[start, end)``, drills left out."""
    from warroom.models import Incident

    t = TimelineEntry.__table__  # type: ignore[attr-defined]
    i = Incident.__table__  # type: ignore[attr-defined]
    q = (
        select(t.c.author, t.c.at)
        .join(i, i.c.id == t.c.incident_id)
        .where(t.c.at >= start, t.c.at < end, i.c.drill.is_(False))
    )
    async with store.read() as s:
        return [(a, at) for a, at in (await s.execute(q)).all()]
