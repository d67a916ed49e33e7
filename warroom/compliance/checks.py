"""The compliance checks: each judges one incident and says passed, failed (with a
one-line reason an auditor can act on) or not applicable.

The ids are those of ``COMPLIANCE_CHECKS`` (warroom/policy/models.py), which the policy
loader enforces; a check's ``severities`` filter is applied by :mod:`.report`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from warroom.compliance.facts import IncidentFacts
from warroom.durations import hm, human_duration
from warroom.escalation.engine import plan
from warroom.incident.actions import item_ref
from warroom.policy import Policies
from warroom.policy.models import COMPLIANCE_CHECKS
from warroom.postmortem.deadline import deadline_for
from warroom.postmortem.sections import STATUS_LABELS

PASSED, FAILED, NOT_APPLICABLE = "passed", "failed", "not_applicable"


@dataclass(frozen=True)
class Outcome:
    state: str  # passed, failed, not_applicable
    reason: str | None = None


@dataclass(frozen=True)
class Judge:
    """What every check is judged against: the policies, the moment, the reader's zone."""

    policies: Policies
    now: datetime
    tz: tzinfo

    def time(self, dt: datetime, facts: IncidentFacts) -> str:
        """``10:30`` on the day of the declaration, else ``2026-03-03 10:30``."""
        local = dt.astimezone(self.tz)
        day = facts.incident.declared_at.astimezone(self.tz).date()
        return local.strftime("%H:%M" if local.date() == day else "%Y-%m-%d %H:%M")


def passed() -> Outcome:
    return Outcome(PASSED)


def failed(reason: str) -> Outcome:
    return Outcome(FAILED, reason)


def not_applicable(reason: str) -> Outcome:
    return Outcome(NOT_APPLICABLE, reason)


def _valid(f: IncidentFacts) -> bool:
    return f.severities <= {1, 2, 3, 4}


NO_SEVERITY = "no valid severity to take the policy from (see severity-set)"


def severity_set(f: IncidentFacts, j: Judge) -> Outcome:
    bad = sorted(s for s in f.severities if s not in (1, 2, 3, 4))
    if bad:
        return failed(f"severity {bad[0]!r} is not one of SEV1..SEV4")
    return passed()


def ic_assigned(f: IncidentFacts, j: Judge) -> Outcome:
    if not f.ic:
        return failed("no incident commander was ever assigned")
    at, person = f.ic[0]
    resolved = f.incident.resolved_at
    if resolved is not None and at > resolved:
        return failed(
            f"the first incident commander ({person}) was assigned at {j.time(at, f)}, "
            f"after the resolution at {j.time(resolved, f)}"
        )
    return passed()


def timeline_intact(f: IncidentFacts, j: Judge) -> Outcome:
    chain = f.chain
    if chain is None:
        return not_applicable("the timeline was not read")
    if chain.entries == 0:
        return failed("the timeline is empty: even the declaration entry is missing")
    if not chain.ok:
        return failed(f"the timeline hash chain is broken: {chain.problem}")
    return passed()


def postmortem_on_time(f: IncidentFacts, j: Judge) -> Outcome:
    if not _valid(f):
        return not_applicable(NO_SEVERITY)
    status, final_at = f.postmortem or ("draft", None)
    d = deadline_for(j.policies, f.incident, j.now, status=status, final_at=final_at)
    sev = f"SEV{f.incident.severity}"
    if d.state == "pending":
        return not_applicable("not resolved yet; the post-mortem clock has not started")
    if d.state == "none" or (d.state == "done" and d.due_at is None):
        return not_applicable(f"{sev} has no post-mortem deadline")
    if not d.required and f.postmortem is None:
        return not_applicable(f"a post-mortem is optional for {sev} and none was started")
    assert d.due_at is not None
    due = j.time(d.due_at, f)
    if d.state == "due":
        return not_applicable(f"the post-mortem is not due yet (due {due})")
    if d.state == "overdue":
        what = (
            f"the post-mortem is still {STATUS_LABELS.get(status, status)}"
            if f.postmortem is not None
            else "no post-mortem was started"
        )
        return failed(
            f"{what}, {human_duration(j.now - d.due_at)} past its deadline ({due}, "
            f"{d.hours:g} h after resolution)"
        )
    if d.on_time is False and final_at is not None:
        return failed(
            f"the post-mortem went Final at {j.time(final_at, f)}, "
            f"{human_duration(final_at - d.due_at)} after its deadline ({due})"
        )
    return passed()


def action_items_owned(f: IncidentFacts, j: Judge) -> Outcome:
    items = [a for a in f.actions if a.status != "wont_do"]
    if not items:
        return not_applicable("no action items")
    problems = []
    for a in items:
        missing = [w for w, v in (("owner", a.owner), ("due date", a.due)) if not v]
        if missing:
            problems.append(f"{item_ref(a.id)} has no {' or '.join(missing)}")
    if not problems:
        return passed()
    more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
    return failed("; ".join(problems[:3]) + more)


def updates_on_cadence(f: IncidentFacts, j: Judge) -> Outcome:
    """Every gap between status updates (from the declaration to the resolution, or to
    now while unresolved) is judged by the escalation engine's own cadence rule: the
    next update is due ``update_every_minutes`` of the severity in force after the last."""
    if not _valid(f):
        return not_applicable(NO_SEVERITY)
    inc = f.incident
    end = inc.resolved_at if inc.resolved_at is not None else j.now
    # The engine stops the cadence at resolution; here each gap is judged as of its end.
    snap = dataclasses.replace(f.snapshot, resolved_at=None)
    gaps: list[str] = []
    last: datetime | None = None
    moments = [u for u in f.updates if inc.declared_at <= u <= end] + [end]
    for i, t in enumerate(moments):
        p = plan(j.policies, dataclasses.replace(snap, last_status_update_at=last), t)
        due = p.next_update_due
        if due is not None and t > due:
            every = j.policies.level(p.severity).update_every_minutes
            over = hm((t - due).total_seconds() / 60)
            since = (
                j.time(last, f)
                if last is not None
                else f"the declaration at {j.time(inc.declared_at, f)}"
            )
            if i < len(moments) - 1:
                span = f"between {since} and {j.time(t, f)}"
            elif inc.resolved_at is not None:
                span = f"between {since} and the resolution at {j.time(t, f)}"
            else:
                span = f"since {since} (still unresolved at {j.time(t, f)})"
            gaps.append(f"no status update {span}, {over} over the {every:g}-min cadence")
        last = t
    if not gaps:
        return passed()
    more = f" (and {len(gaps) - 1} more gap{'s' if len(gaps) > 2 else ''})" if len(gaps) > 1 else ""
    return failed(gaps[0] + more)


CHECKS: dict[str, Callable[[IncidentFacts, Judge], Outcome]] = {
    "severity-set": severity_set,
    "ic-assigned": ic_assigned,
    "timeline-intact": timeline_intact,
    "postmortem-on-time": postmortem_on_time,
    "action-items-owned": action_items_owned,
    "updates-on-cadence": updates_on_cadence,
}
assert tuple(CHECKS) == COMPLIANCE_CHECKS, "every known check id needs its function"
