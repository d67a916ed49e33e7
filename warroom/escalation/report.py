"""The escalation plan of one incident as data: ``warroom escalations --json`` and the
console's countdown pane read the same thing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from warroom.clock import utc
from warroom.durations import in_minutes
from warroom.errors import no_incident
from warroom.escalation.engine import Plan, Step, late_by, plan
from warroom.escalation.firing import covers_at
from warroom.escalation.snapshot import snapshot_in
from warroom.escalation.targets import levels, resolve
from warroom.models import Delivery, EscalationFiring, Incident, StatusUpdate
from warroom.policy import Policies
from warroom.policy.roster import Roster
from warroom.store import Store
from warroom.timeparse import iso_z


def step_json(step: Step, now: datetime) -> dict[str, Any]:
    return {
        "key": step.key,
        "step_id": step.step_id,
        "severity": step.severity,
        "condition": step.condition,
        "after_minutes": step.after_minutes,
        "action": step.action,
        "targets": list(step.targets),
        "urgency": step.urgency,
        "due_at": iso_z(step.due_at),
        "due_in_min": in_minutes(step.due_at - now),
    }


async def escalation_report(
    store: Store,
    policies: Policies,
    roster: Roster | None,
    incident_id: int,
    now: datetime,
) -> tuple[Plan, dict[str, Any]]:
    """The plan at ``now`` and its JSON form (with who is or was paged)."""
    async with store.read() as s:
        inc = await s.get(Incident, incident_id)
        if inc is None:
            raise no_incident(incident_id)
        snap = await snapshot_in(s, inc)
        firings = {
            f.step_key: f
            for f in (
                await s.execute(
                    select(EscalationFiring).where(col(EscalationFiring.incident_id) == inc.id)
                )
            ).scalars()
        }
        deliveries = list(
            (
                await s.execute(
                    select(Delivery)
                    .where(col(Delivery.incident_id) == inc.id)
                    .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
                )
            ).scalars()
        )
        covers = await covers_at(s, now)
        last = snap.last_status_update_at
        if last is not None and last > now:  # --now before the latest update: the one before
            q = select(func.max(StatusUpdate.at)).where(  # type: ignore[arg-type]
                col(StatusUpdate.incident_id) == inc.id, col(StatusUpdate.at) <= now
            )
            earlier = (await s.execute(q)).scalar()
            snap = replace(snap, last_status_update_at=utc(earlier) if earlier else None)
    p = plan(policies, snap, now)
    ic = snap.incident_commander

    def live(step: Step) -> dict[str, Any]:
        at = max(step.due_at, now)
        who = resolve(roster, step.targets, at, ic, covers)
        return {
            **step_json(step, now),
            "people": [
                {"person": r.person, "target": r.target, "label": r.label} for r in who.recipients
            ],
            "unfilled": list(who.unfilled),
        }

    def fired(step: Step) -> dict[str, Any]:
        f = firings.get(step.key)
        detail = f.detail if f else {}
        assert step.fired_at is not None
        return {
            **step_json(step, now),
            "fired_at": iso_z(step.fired_at),
            "late_min": in_minutes(late_by(step, step.fired_at)),
            "fired_by": f.fired_by if f else None,
            "people": detail.get("recipients", []),
            "unfilled": detail.get("unfilled", []),
            "deliveries": [
                {
                    "person": d.person,
                    "method": d.method,
                    "status": d.status,
                    "attempts": d.attempts,
                    "next_attempt_at": iso_z(d.next_attempt_at) if d.status == "pending" else None,
                    "sent_at": iso_z(d.sent_at),
                    "last_error": d.last_error,
                }
                for d in deliveries
                if f is not None and d.firing_id == f.id
            ],
        }

    level_rows = levels(policies, roster, now, ic, covers)
    data: dict[str, Any] = {
        "ref": snap.ref,
        "title": snap.title,
        "severity": p.severity,
        "drill": snap.drill,
        "now": iso_z(now),
        "declared_at": iso_z(snap.declared_at),
        "acknowledged": p.acknowledged,
        "resolved": p.resolved,
        "fired": [fired(x) for x in p.fired],
        "due": [live(x) for x in p.due],
        "upcoming": [live(x) for x in p.upcoming],
        "cancelled": [{**step_json(x, now), "cancelled_by": x.cancelled_by} for x in p.cancelled],
        "next_step": live(p.next_step) if p.next_step else None,
        "status_update": {
            "every_minutes": policies.level(p.severity).update_every_minutes,
            "last_at": iso_z(snap.last_status_update_at),
            "next_due_at": iso_z(p.next_update_due),
            "overdue": p.update_overdue,
        },
        "escalation_policy": [
            {
                "level": lvl.level,
                "name": lvl.name,
                "target": lvl.target,
                "person": lvl.person,
                "timeout_minutes": lvl.timeout_minutes,
            }
            for lvl in level_rows
        ],
        "notification_rules": {
            urgency: [{"method": r.method, "after_minutes": r.after_minutes} for r in rules]
            for urgency, rules in policies.oncall.notification_rules.items()
        },
        "roster": roster is not None,
    }
    return p, data
