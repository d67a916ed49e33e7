"""The escalation engine: a pure function of (policies, incident snapshot, now).

No I/O and no clock reads: the caller passes ``now``. The rules, all from the policy
files (nothing here is a constant of the process):

- Each severity's ``time_based`` steps (escalation.yaml) are due ``after_minutes``
  after ``declared_at``; before them comes the page at declaration (severity.yaml
  ``pages``: a ``no_ack`` step at minute 0, id ``sevN-page``).
- A ``no_ack`` step that has not fired is cancelled once the incident is acknowledged
  (a page saying "unacknowledged" after the ack would be wrong, even if it was
  overdue); every step that has not fired is cancelled once the incident is resolved.
- Severity changes: only the steps of the severity in force at ``now`` are live.
  A step of that severity whose time (from the declaration) passed before the
  incident entered that severity becomes due at the moment of the change (a SEV2
  raised to SEV1 at minute 20 gets the SEV1 15-minute re-page at minute 20). What
  already fired stays fired and never fires again (keys are the step ids, unique
  across severities). An unfired step of an earlier severity that was due while
  that severity was in force is reported as cancelled (``cancelled_by="severity"``),
  never dropped silently.
- Everything is evaluated "as of now": an ack, a resolution, a severity change or a
  firing recorded after ``now`` has not happened yet (``warroom escalations --now``).
- Status updates: the next one is due ``update_every_minutes`` (severity.yaml, of the
  severity in force) after the last status update, or after the declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from warroom.policy import Policies
from warroom.policy.models import EscalationStep


@dataclass(frozen=True)
class Step:
    key: str  # stable unique key per incident, stored in EscalationFiring.step_key
    step_id: str  # policy id, e.g. "sev1-no-ack-15"
    severity: int
    condition: str  # "no_ack" | "unresolved"
    after_minutes: float
    action: str
    targets: tuple[str, ...]
    urgency: str  # "high" | "low"
    due_at: datetime  # UTC
    fired_at: datetime | None = None
    cancelled_by: str | None = None  # "ack" | "resolution" | "severity" (cancelled steps)


@dataclass(frozen=True)
class IncidentSnapshot:
    incident_id: int
    ref: str
    title: str
    declared_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    severity_history: tuple[tuple[datetime, int], ...]  # (at, severity), first = declaration
    fired: dict[str, datetime]  # step_key -> fired_at
    last_status_update_at: datetime | None
    drill: bool = False
    incident_commander: str | None = None


@dataclass(frozen=True)
class Plan:
    fired: list[Step]
    due: list[Step]
    upcoming: list[Step]
    cancelled: list[Step]
    next_update_due: datetime | None
    update_overdue: bool
    severity: int = 0  # the severity in force at ``now``
    acknowledged: bool = False
    resolved: bool = False

    @property
    def next_step(self) -> Step | None:
        """The step that fires next (due now first, else the first upcoming)."""
        steps = self.due or self.upcoming
        return steps[0] if steps else None


@dataclass(frozen=True)
class _Period:
    severity: int
    start: datetime
    end: datetime | None  # None: still in force


def step_key(step_id: str) -> str:
    return step_id


def _periods(snap: IncidentSnapshot, now: datetime) -> list[_Period]:
    history = [(at, sev) for at, sev in snap.severity_history if at <= now]
    if not history:
        history = list(snap.severity_history[:1])
    out: list[_Period] = []
    for i, (at, sev) in enumerate(history):
        start = max(at, snap.declared_at)
        end = history[i + 1][0] if i + 1 < len(history) else None
        if out and out[-1].severity == sev:
            out[-1] = _Period(sev, out[-1].start, end)
        else:
            out.append(_Period(sev, start, end))
    return out


def _make(spec: EscalationStep, severity: int, due_at: datetime, **kw: object) -> Step:
    return Step(
        key=step_key(spec.id),
        step_id=spec.id,
        severity=severity,
        condition=spec.condition,
        after_minutes=spec.after_minutes,
        action=spec.action,
        targets=tuple(spec.targets),
        urgency=spec.urgency,
        due_at=due_at,
        **kw,  # type: ignore[arg-type]
    )


def find_step(policies: Policies, step_id: str) -> tuple[int, EscalationStep] | None:
    for severity in (1, 2, 3, 4):
        for spec in policies.escalation_steps(severity):
            if spec.id == step_id:
                return severity, spec
    return None


def plan(policies: Policies, snap: IncidentSnapshot, now: datetime) -> Plan:
    """What has fired, what is due now, what comes next and what will not fire."""
    acked = snap.acknowledged_at is not None and snap.acknowledged_at <= now
    resolved = snap.resolved_at is not None and snap.resolved_at <= now
    fired_now = {k: at for k, at in snap.fired.items() if at <= now}
    periods = _periods(snap, now)
    current = periods[-1]

    fired: list[Step] = []
    due: list[Step] = []
    upcoming: list[Step] = []
    cancelled: list[Step] = []
    seen: set[str] = set()

    def cancel_reason(spec: EscalationStep) -> str | None:
        if resolved:
            return "resolution"
        if spec.condition == "no_ack" and acked:
            return "ack"
        return None

    # Steps of the severity in force: live.
    for spec in policies.escalation_steps(current.severity):
        nominal = snap.declared_at + timedelta(minutes=spec.after_minutes)
        due_at = max(nominal, current.start)
        key = step_key(spec.id)
        seen.add(key)
        if key in fired_now:
            fired.append(_make(spec, current.severity, due_at, fired_at=fired_now[key]))
            continue
        reason = cancel_reason(spec)
        if reason:
            cancelled.append(_make(spec, current.severity, due_at, cancelled_by=reason))
        elif due_at <= now:
            due.append(_make(spec, current.severity, due_at))
        else:
            upcoming.append(_make(spec, current.severity, due_at))

    # Steps of earlier severities: fired ones stay fired; ones that were due while
    # their severity was in force and never fired are reported as cancelled.
    for period in periods[:-1]:
        for spec in policies.escalation_steps(period.severity):
            key = step_key(spec.id)
            if key in seen:
                continue
            nominal = snap.declared_at + timedelta(minutes=spec.after_minutes)
            due_at = max(nominal, period.start)
            if key in fired_now:
                seen.add(key)
                fired.append(_make(spec, period.severity, due_at, fired_at=fired_now[key]))
            elif period.end is not None and due_at < period.end:
                seen.add(key)
                reason = cancel_reason(spec) or "severity"
                cancelled.append(_make(spec, period.severity, due_at, cancelled_by=reason))

    # Fired keys the policy no longer knows (the policy changed mid-incident).
    for key, at in fired_now.items():
        if key in seen:
            continue
        found = find_step(policies, key)
        if found is not None:
            sev, spec = found
            nominal = snap.declared_at + timedelta(minutes=spec.after_minutes)
            fired.append(_make(spec, sev, nominal, fired_at=at))
        else:
            fired.append(
                Step(key, key, 0, "unknown", 0.0, "(no longer in the policy)", (), "high", at, at)
            )

    next_update, overdue = _update_cadence(policies, snap, current.severity, now, resolved)
    return Plan(
        fired=sorted(fired, key=lambda s: (s.fired_at or s.due_at, *_order(s))),
        due=sorted(due, key=_order),
        upcoming=sorted(upcoming, key=_order),
        cancelled=sorted(cancelled, key=_order),
        next_update_due=next_update,
        update_overdue=overdue,
        severity=current.severity,
        acknowledged=acked,
        resolved=resolved,
    )


def _order(step: Step) -> tuple[datetime, float, str]:
    return (step.due_at, step.after_minutes, step.step_id)


def _update_cadence(
    policies: Policies, snap: IncidentSnapshot, severity: int, now: datetime, resolved: bool
) -> tuple[datetime | None, bool]:
    if resolved:
        return None, False
    every = timedelta(minutes=policies.level(severity).update_every_minutes)
    last = snap.last_status_update_at
    base = last if last is not None and last <= now else snap.declared_at
    next_due = base + every
    return next_due, now > next_due


def recorded(snap: IncidentSnapshot, now: datetime) -> IncidentSnapshot:
    """The snapshot for firing at ``now``: an ack or a resolution already in the store
    counts even if its time is a little ahead of ``now`` (the commands accept times up
    to two minutes ahead: another machine's clock runs fast). ``--now`` reports keep
    the times as given."""
    ack, res = snap.acknowledged_at, snap.resolved_at
    if (ack is None or ack <= now) and (res is None or res <= now):
        return snap
    return replace(
        snap,
        acknowledged_at=min(ack, now) if ack is not None else None,
        resolved_at=min(res, now) if res is not None else None,
    )


def late_by(step: Step, fired_at: datetime) -> timedelta:
    """How late a firing at ``fired_at`` is for ``step`` (never negative)."""
    return max(fired_at - step.due_at, timedelta(0))


__all__ = ["IncidentSnapshot", "Plan", "Step", "find_step", "late_by", "plan", "recorded"]
