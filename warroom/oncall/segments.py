"""Who is on call: the rotation's shifts with the stored overrides applied.

A *segment* is a stretch of time one person holds one rotation: a scheduled shift,
or the part of it an override (a cover or one half of a swap) replaces. Overrides of
one rotation never overlap (the command layer refuses that), so applying them is a
plain cut of each shift at the override's edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

from warroom.models import OncallOverride
from warroom.oncall.schedule import PERIOD_DAYS, handoff_instant, shift_index, shifts_between
from warroom.policy.roster import Roster, RotationSpec


@dataclass(frozen=True)
class Segment:
    rotation: str
    kind: str  # primary, secondary
    person: str
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    scheduled: str  # who the rotation itself names for this time
    override_id: int | None = None
    override_kind: str | None = None  # cover, swap
    arranged_by: str | None = None

    def contains(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class HandoffPoint:
    """A moment the pager of ``rotation`` changes hands."""

    rotation: str
    kind: str
    at: datetime
    outgoing: str | None
    incoming: str
    regular: bool  # a scheduled rotation handoff (not the edge of an override)


def active(overrides: Iterable[OncallOverride], rotation: str) -> list[OncallOverride]:
    rows = [o for o in overrides if o.rotation == rotation and o.cancelled_at is None]
    return sorted(rows, key=lambda o: o.starts_at)


def segments(
    rot: RotationSpec, overrides: Sequence[OncallOverride], start: datetime, end: datetime
) -> list[Segment]:
    """The segments of ``rot`` overlapping ``[start, end)``, overrides applied, in order."""
    ovs = active(overrides, rot.id)
    out: list[Segment] = []
    for sh in shifts_between(rot, start, end):
        cuts = {sh.starts_at, sh.ends_at}
        for o in ovs:
            for t in (o.starts_at, o.ends_at):
                if sh.starts_at < t < sh.ends_at:
                    cuts.add(t)
        edges = sorted(cuts)
        for a, b in pairwise(edges):
            if b <= start or a >= end:
                continue
            ov = next((o for o in ovs if o.starts_at <= a < o.ends_at), None)
            base = Segment(rot.id, rot.kind, sh.person, a, b, sh.person)
            if ov is not None:
                base = replace(
                    base,
                    person=ov.person,
                    override_id=ov.id,
                    override_kind=ov.kind,
                    arranged_by=ov.arranged_by,
                )
            out.append(base)
    return out


def merged(segs: Sequence[Segment]) -> list[Segment]:
    """Adjacent segments of the same person joined (the override fields of the first kept)."""
    out: list[Segment] = []
    for s in segs:
        if out and out[-1].person == s.person and out[-1].ends_at == s.starts_at:
            out[-1] = replace(out[-1], ends_at=s.ends_at)
        else:
            out.append(s)
    return out


def _period(rot: RotationSpec) -> timedelta:
    return timedelta(days=PERIOD_DAYS[rot.period])


def on_call(
    rot: RotationSpec, overrides: Sequence[OncallOverride], at: datetime
) -> tuple[Segment | None, Segment | None]:
    """(the exact segment at ``at``, the same person's whole unbroken stretch around it)."""
    if shift_index(rot, at) < 0:
        return None, None
    span = _period(rot) * (len(rot.members) + 2)
    segs = segments(rot, overrides, at - span, at + span)
    exact = next((s for s in segs if s.contains(at)), None)
    run = next((m for m in merged(segs) if m.contains(at)), None)
    return exact, run


def next_handoffs(
    rot: RotationSpec, overrides: Sequence[OncallOverride], at: datetime, count: int = 3
) -> list[HandoffPoint]:
    """The next ``count`` moments after ``at`` when the pager of ``rot`` changes hands."""
    period = _period(rot)
    start = at - period
    horizon = period * (count + 2)
    points: list[HandoffPoint] = []
    for _ in range(8):
        runs = merged(segments(rot, overrides, start, at + horizon))
        points = [
            HandoffPoint(
                rot.id,
                rot.kind,
                cur.starts_at,
                prev.person if prev and prev.ends_at == cur.starts_at else None,
                cur.person,
                handoff_instant(rot, shift_index(rot, cur.starts_at)) == cur.starts_at,
            )
            for prev, cur in zip([None, *runs], runs, strict=False)
            if cur.starts_at > at
        ]
        if len(points) >= count:
            return points[:count]
        horizon *= 2
    return points[:count]


def who_at(roster: Roster, overrides: Sequence[OncallOverride], at: datetime) -> dict[str, Segment]:
    """Rotation id -> the segment on call at ``at`` (rotations not started are left out)."""
    out: dict[str, Segment] = {}
    for rot in roster.rotations:
        exact, _ = on_call(rot, overrides, at)
        if exact is not None:
            out[rot.id] = exact
    return out


def person_on_call(
    roster: Roster, overrides: Sequence[OncallOverride], kind: str, at: datetime
) -> str | None:
    """Who holds the first ``kind`` rotation (primary, secondary) at ``at``: for paging."""
    rot = roster.rotation(kind)
    if rot is None:
        return None
    exact, _ = on_call(rot, overrides, at)
    return exact.person if exact else None
