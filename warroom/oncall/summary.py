"""Read side of on-call for the CLI and the console: who is on call, and the health check."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from warroom.models import OncallOverride
from warroom.oncall.health import (
    Violation,
    load_weeks,
    page_violations,
    schedule_violations,
    team_size,
)
from warroom.oncall.overrides import load_overrides
from warroom.oncall.pages import load_pages, per_person
from warroom.oncall.rest import RestFlag, load_entries, rest_flags
from warroom.oncall.segments import HandoffPoint, Segment, next_handoffs, on_call
from warroom.policy import Policies
from warroom.policy.roster import Roster, RotationSpec
from warroom.store import Store
from warroom.timeparse import iso_z


@dataclass
class RotationNow:
    rotation: RotationSpec
    now: Segment | None  # the exact segment at the moment asked about
    run: Segment | None  # the same person's whole unbroken stretch
    upcoming: list[HandoffPoint]

    def to_json(self) -> dict[str, Any]:
        rot, seg, run = self.rotation, self.now, self.run
        override = None
        if seg is not None and seg.override_id is not None:
            override = {
                "id": seg.override_id,
                "kind": seg.override_kind,
                "replaces": seg.scheduled,
                "arranged_by": seg.arranged_by,
            }
        return {
            "id": rot.id,
            "name": rot.name,
            "kind": rot.kind,
            "zone": rot.zone,
            "person": seg.person if seg else None,
            "scheduled": seg.scheduled if seg else None,
            "since": iso_z(run.starts_at) if run else None,
            "until": iso_z(run.ends_at) if run else None,
            "override": override,
            "next_handoffs": [
                {
                    "at": iso_z(h.at),
                    "outgoing": h.outgoing,
                    "incoming": h.incoming,
                    "regular": h.regular,
                }
                for h in self.upcoming
            ],
        }


@dataclass
class OnCallNow:
    at: datetime
    rotations: list[RotationNow]
    warnings: list[Violation] = field(default_factory=list)

    def person(self, kind: str) -> str | None:
        r = next((r for r in self.rotations if r.rotation.kind == kind and r.now), None)
        return r.now.person if r and r.now else None

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso_z(self.at),
            "primary": self.person("primary"),
            "secondary": self.person("secondary"),
            "rotations": [r.to_json() for r in self.rotations],
            "warnings": [w.to_json() for w in self.warnings],
        }


def oncall_now(
    roster: Roster, policies: Policies, overrides: list[OncallOverride], at: datetime
) -> OnCallNow:
    rows = []
    for rot in roster.rotations:
        seg, run = on_call(rot, overrides, at)
        rows.append(RotationNow(rot, seg, run, next_handoffs(rot, overrides, at, 3)))
    return OnCallNow(at, rows, team_size(roster, policies.oncall))


async def load_oncall_now(
    store: Store, roster: Roster, policies: Policies, at: datetime
) -> OnCallNow:
    """Who is on call at ``at`` (overrides applied), since when, until when, what comes next."""
    return oncall_now(roster, policies, await load_overrides(store), at)


@dataclass
class HealthReport:
    at: datetime
    violations: list[Violation]
    weeks: list[tuple[datetime, datetime, dict[str, dict[str, int]]]]
    rest: list[RestFlag]

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso_z(self.at),
            "violations": [v.to_json() for v in self.violations],
            "pages_per_week": [
                {"from": iso_z(a), "until": iso_z(b), "pages": pages} for a, b, pages in self.weeks
            ],
            "rest": [f.to_json() for f in self.rest],
        }


async def health_report(
    store: Store,
    roster: Roster,
    policies: Policies,
    at: datetime,
    *,
    weeks_ahead: int = 12,
    weeks_back: int = 4,
    tz: tzinfo = UTC,
) -> HealthReport:
    """Every health rule: the schedule ``weeks_ahead`` on, pages and rest ``weeks_back`` back."""
    pol = policies.oncall
    overrides = await load_overrides(store)
    violations = team_size(roster, pol)
    violations += schedule_violations(
        roster, pol, overrides, at, at + timedelta(weeks=weeks_ahead), tz
    )
    weeks = load_weeks(roster, pol, at, weeks_back)
    rule = pol.health.rest_rule
    pages = await load_pages(store, roster, rule, weeks[0][0], at)
    violations += page_violations(pages, weeks, roster, pol, tz)
    table = [(a, b, per_person([p for p in pages if a <= p.at < b])) for a, b in weeks]
    entries = await load_entries(store, weeks[0][0] - timedelta(days=1), at)
    rest = [f for f in rest_flags(entries, roster, rule) if f.engaged_until >= weeks[0][0]]
    violations += [Violation("rest_rule", f.message(tz), f.person, f.engaged_from) for f in rest]
    return HealthReport(at, violations, table, rest)
