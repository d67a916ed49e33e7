"""``warroom compliance``: every check of compliance.yaml against every real incident."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from warroom.compliance.checks import CHECKS, FAILED, PASSED, Judge
from warroom.compliance.facts import IncidentFacts, load_facts
from warroom.policy import Policies
from warroom.policy.models import Check
from warroom.store import Store
from warroom.timeparse import iso_z


@dataclass(frozen=True)
class Finding:
    ref: str
    reason: str


@dataclass
class CheckResult:
    id: str
    text: str
    severities: list[str]
    passed: list[str] = field(default_factory=list)
    failed: list[Finding] = field(default_factory=list)
    not_applicable: list[Finding] = field(default_factory=list)

    @property
    def state(self) -> str:
        """pass, fail, or n/a (no incident it applies to)."""
        if self.failed:
            return "fail"
        return "pass" if self.passed else "n/a"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "severities": self.severities,
            "state": self.state,
            "passed": len(self.passed),
            "failed": len(self.failed),
            "not_applicable": len(self.not_applicable),
            "failures": [{"ref": f.ref, "reason": f.reason} for f in self.failed],
        }


@dataclass
class ComplianceReport:
    evaluated_at: datetime
    since: datetime | None
    incidents: list[str]
    checks: list[CheckResult]

    @property
    def ok(self) -> bool:
        return not any(c.failed for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "evaluated_at": iso_z(self.evaluated_at),
            "since": iso_z(self.since),
            "incidents": len(self.incidents),
            "ok": self.ok,
            "checks_failed": sum(1 for c in self.checks if c.failed),
            "checks": [c.to_json() for c in self.checks],
        }


def applies(check: Check, facts: IncidentFacts) -> bool:
    """A check applies to an incident that held one of its severities at any time (a
    SEV2 lowered to SEV3 still needed its IC); an incident without a valid severity is
    always judged by ``severity-set``."""
    held = facts.severities
    if check.id == "severity-set" and not held <= {1, 2, 3, 4}:
        return True
    return any(f"SEV{n}" in check.severities for n in held)


def judge(
    policies: Policies, facts: list[IncidentFacts], now: datetime, tz: tzinfo = UTC
) -> list[CheckResult]:
    j = Judge(policies, now, tz)
    results = []
    for check in policies.compliance.checks:
        result = CheckResult(check.id, check.text, list(check.severities))
        fn = CHECKS[check.id]
        for f in facts:
            if not applies(check, f):
                listed = ", ".join(check.severities)
                result.not_applicable.append(Finding(f.ref, f"the check is for {listed} only"))
                continue
            outcome = fn(f, j)
            if outcome.state == PASSED:
                result.passed.append(f.ref)
            elif outcome.state == FAILED:
                result.failed.append(Finding(f.ref, outcome.reason or "failed"))
            else:
                result.not_applicable.append(Finding(f.ref, outcome.reason or ""))
        results.append(result)
    return results


async def evaluate(
    store: Store,
    policies: Policies,
    *,
    now: datetime | None = None,
    since: datetime | None = None,
    tz: tzinfo = UTC,
) -> ComplianceReport:
    """Judge every real incident (declared at or after ``since``) by every check."""
    now = now or store.clock.now()
    wants_chain = any(c.id == "timeline-intact" for c in policies.compliance.checks)
    facts = await load_facts(store, since=since, timelines=wants_chain)
    return ComplianceReport(now, since, [f.ref for f in facts], judge(policies, facts, now, tz))
