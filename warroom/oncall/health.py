"""On-call health rules from ``policies/oncall.yaml`` (``health`` and ``rotation``).

- team size: a rotation with fewer members than ``rotation.min_team_size``;
- ``max_consecutive_weeks``: one person on call (any rotation, overrides applied)
  for longer than that without a break;
- ``min_weeks_between_rotations``: too little time off between two stretches;
- double booking: the same person on two rotations at once (primary and secondary);
- ``max_pages_per_week``: pages per person per shift week, with a suggested rebalance;
- the rest rule (see :mod:`warroom.oncall.rest`).

"Weeks" are periods of the policy's rotation (7 days for ``weekly``); a stretch is
measured in calendar time with 12 hours' tolerance, so a daylight-saving week of 167
or 169 hours is still one week, and a primary in London and a secondary in New York
that meet five hours apart are one stretch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from itertools import pairwise
from typing import Any

from warroom.models import OncallOverride
from warroom.oncall.pages import Page
from warroom.oncall.schedule import PERIOD_DAYS, shifts_between
from warroom.oncall.segments import Segment, segments
from warroom.policy.oncall import OnCallPolicy
from warroom.policy.roster import Roster, RotationSpec
from warroom.timeparse import iso_z

# Slack for daylight-saving weeks and for rotations of different zones meeting a few
# hours apart: a break shorter than this is no break, a stretch this much over is fine.
TOLERANCE = timedelta(hours=12)


@dataclass(frozen=True)
class Violation:
    rule: str  # min_team_size, max_consecutive_weeks, min_weeks_between_rotations,
    # double_booked, max_pages_per_week, rest_rule
    message: str
    person: str | None = None
    at: datetime | None = None
    suggestion: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "person": self.person,
            "at": iso_z(self.at),
            "message": self.message,
            "suggestion": self.suggestion,
        }


def _day(dt: datetime, tz: tzinfo) -> str:
    return f"{dt.astimezone(tz):%a %Y-%m-%d %H:%M}"


def unit(policy: OnCallPolicy) -> timedelta:
    return timedelta(days=PERIOD_DAYS[policy.rotation.period])


def too_small(rot: RotationSpec, policy: OnCallPolicy) -> str | None:
    need = policy.rotation.min_team_size
    if len(rot.members) >= need:
        return None
    return (
        f"rotation {rot.id!r} has {len(rot.members)} member{'s' if len(rot.members) != 1 else ''}"
        f"; the on-call policy asks for at least {need} (rotation.min_team_size)"
    )


def team_size(roster: Roster, policy: OnCallPolicy) -> list[Violation]:
    return [
        Violation("min_team_size", msg)
        for rot in roster.rotations
        if (msg := too_small(rot, policy)) is not None
    ]


def _by_person(
    roster: Roster, overrides: Sequence[OncallOverride], start: datetime, end: datetime
) -> dict[str, list[Segment]]:
    out: dict[str, list[Segment]] = defaultdict(list)
    for rot in roster.rotations:
        for seg in segments(rot, overrides, start, end):
            out[seg.person].append(seg)
    for segs in out.values():
        segs.sort(key=lambda s: s.starts_at)
    return out


def _stints(segs: Sequence[Segment]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for s in segs:
        if out and s.starts_at - out[-1][1] < TOLERANCE:
            out[-1] = (out[-1][0], max(out[-1][1], s.ends_at))
        else:
            out.append((s.starts_at, s.ends_at))
    return out


def schedule_violations(
    roster: Roster,
    policy: OnCallPolicy,
    overrides: Sequence[OncallOverride],
    start: datetime,
    end: datetime,
    tz: tzinfo,
    people: set[str] | None = None,
) -> list[Violation]:
    """Consecutive-weeks, weeks-between and double-booking problems touching ``[start, end)``."""
    h = policy.health
    u = unit(policy)
    look = u * (h.max_consecutive_weeks + h.min_weeks_between_rotations + 2)
    out: list[Violation] = []
    scheduled = _by_person(roster, [], start - look, end + look)
    for person, segs in sorted(_by_person(roster, overrides, start - look, end + look).items()):
        if people is not None and person not in people:
            continue
        stints = _stints(segs)
        own = _stints(scheduled.get(person, []))
        for a, b in stints:
            if b > start and a < end and b - a > u * h.max_consecutive_weeks + TOLERANCE:
                weeks = (b - a) / u
                out.append(
                    Violation(
                        "max_consecutive_weeks",
                        f"{person} would be on call {weeks:.1f} weeks in a row "
                        f"({_day(a, tz)} to {_day(b, tz)}); the policy allows "
                        f"{h.max_consecutive_weeks}",
                        person,
                        a,
                    )
                )
        for (_a, prev_end), (nxt, _b) in pairwise(stints):
            gap = nxt - prev_end
            if any(a <= prev_end and nxt <= b for a, b in own):
                continue  # someone covered part of their own shift: a relief, not a gap
            if (
                nxt >= start
                and prev_end < end
                and gap < u * h.min_weeks_between_rotations - TOLERANCE
            ):
                out.append(
                    Violation(
                        "min_weeks_between_rotations",
                        f"{person} would have only {gap / u:.1f} weeks off between shifts "
                        f"({_day(prev_end, tz)} to {_day(nxt, tz)}); the policy asks for at "
                        f"least {h.min_weeks_between_rotations}",
                        person,
                        nxt,
                    )
                )
        for i, s in enumerate(segs):
            for t in segs[i + 1 :]:
                if t.starts_at >= s.ends_at:
                    break
                if t.rotation != s.rotation and t.starts_at < end and s.ends_at > start:
                    a, b = max(s.starts_at, t.starts_at), min(s.ends_at, t.ends_at)
                    out.append(
                        Violation(
                            "double_booked",
                            f"{person} would hold both {s.rotation} and {t.rotation} from "
                            f"{_day(a, tz)} to {_day(b, tz)}",
                            person,
                            a,
                        )
                    )
    return out


def load_weeks(
    roster: Roster, policy: OnCallPolicy, now: datetime, count: int
) -> list[tuple[datetime, datetime]]:
    """The last ``count`` shift weeks up to ``now`` (the current one included, cut at now)."""
    rot = roster.rotation("primary") or (roster.rotations[0] if roster.rotations else None)
    u = unit(policy)
    if rot is not None:
        period = timedelta(days=PERIOD_DAYS[rot.period])
        span = shifts_between(rot, now - period * count, now + timedelta(microseconds=1))
        weeks = [(s.starts_at, min(s.ends_at, now)) for s in span[-count:]]
        if weeks:
            return weeks
    return [(now - u * (i + 1), now - u * i) for i in reversed(range(count))]


def page_violations(
    pages: Sequence[Page],
    weeks: Sequence[tuple[datetime, datetime]],
    roster: Roster,
    policy: OnCallPolicy,
    tz: tzinfo,
) -> list[Violation]:
    """Anyone paged more than ``max_pages_per_week`` in a week, with a suggested rebalance."""
    limit = policy.health.max_pages_per_week
    totals: dict[str, int] = defaultdict(int)
    for p in pages:
        totals[p.person] += 1
    out: list[Violation] = []
    for a, b in weeks:
        count: dict[str, int] = defaultdict(int)
        for p in pages:
            if a <= p.at < b:
                count[p.person] += 1
        for person, n in sorted(count.items()):
            if n <= limit:
                continue
            night = sum(1 for p in pages if p.person == person and a <= p.at < b and p.night)
            out.append(
                Violation(
                    "max_pages_per_week",
                    f"{person} was paged {n} times in the week from {_day(a, tz)} "
                    f"({night} at night); the policy's limit is {limit}",
                    person,
                    a,
                    _rebalance(person, roster, totals, len(weeks)),
                )
            )
    return out


def _rebalance(person: str, roster: Roster, totals: dict[str, int], weeks: int) -> str | None:
    rot = next((r for r in roster.rotations if person in r.members), None)
    if rot is None:
        return None
    others = [m for m in rot.members if m != person]
    if not others:
        return None
    i = rot.members.index(person)
    order = {m: (rot.members.index(m) - i) % len(rot.members) for m in others}
    calm = min(others, key=lambda m: (totals.get(m, 0), order[m]))
    return (
        f"hand {person}'s next {rot.id} shift to {calm} ({totals.get(calm, 0)} pages in the "
        f"last {weeks} weeks): warroom oncall swap {person} {calm} --rotation {rot.id}"
    )
