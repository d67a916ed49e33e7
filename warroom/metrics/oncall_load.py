"""On-call load: pages per person per ISO week, against ``goals.max_pages_per_oncall_week``.

Pages are counted the way the on-call health check counts them
(:mod:`warroom.oncall.pages`): one escalation firing reaching one person is one page
however many methods it used, a manual delivery counts on its own, drills never
count. A page belongs to the ISO week (Monday to Sunday, ``2026-W10``) its time falls
in, read in the display zone. Only pages inside the window count, so the first and
last weeks of a window may be partial.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from warroom.oncall.pages import Page


def iso_week(at: datetime, tz: tzinfo) -> str:
    year, week, _ = at.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class WeekLoad:
    person: str
    week: str  # ISO week, e.g. 2026-W10
    pages: int
    night: int


@dataclass(frozen=True)
class OncallLoad:
    loads: list[WeekLoad]  # by week, then most paged first
    limit: int  # goals.max_pages_per_oncall_week

    @property
    def pages(self) -> int:
        return sum(w.pages for w in self.loads)

    @property
    def max_week(self) -> WeekLoad | None:
        return max(self.loads, key=lambda w: (w.pages, w.week), default=None)

    @property
    def over(self) -> list[WeekLoad]:
        return [w for w in self.loads if w.pages > self.limit]

    @property
    def met(self) -> bool:
        return not self.over

    def to_json(self) -> dict[str, Any]:
        top = self.max_week
        return {
            "pages": self.pages,
            "max_pages_per_week": top.pages if top else 0,
            "max_person": top.person if top else None,
            "max_week": top.week if top else None,
            "goal_max": self.limit,
            "met": self.met,
            "over": [_week_json(w) for w in self.over],
            "weeks": [_week_json(w) for w in self.loads],
        }


def _week_json(w: WeekLoad) -> dict[str, Any]:
    return {"person": w.person, "week": w.week, "pages": w.pages, "night": w.night}


def oncall_load(pages: Sequence[Page], limit: int, tz: tzinfo) -> OncallLoad:
    total: Counter[tuple[str, str]] = Counter()
    night: Counter[tuple[str, str]] = Counter()
    for p in pages:
        key = (iso_week(p.at, tz), p.person)
        total[key] += 1
        night[key] += p.night
    loads = [
        WeekLoad(person, week, n, night[(week, person)]) for (week, person), n in total.items()
    ]
    loads.sort(key=lambda w: (w.week, -w.pages, w.person.casefold()))
    return OncallLoad(loads, limit)
