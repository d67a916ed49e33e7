"""A status update's text before it is sent: the stage's template filled in, for the
person who sends it to read and edit first (the console's preview)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.comms import templates
from warroom.comms.destinations import urls_for
from warroom.errors import BadInput, no_incident
from warroom.escalation.engine import IncidentSnapshot, plan
from warroom.escalation.snapshot import snapshot_in
from warroom.incident.milestones import MILESTONES
from warroom.incident.refs import parse_ref, ref_for
from warroom.models import Incident
from warroom.policy import Policies
from warroom.policy.communications import CommunicationsPolicy
from warroom.store import Store

if TYPE_CHECKING:
    from warroom.incident.commands import Commands


@dataclass(frozen=True)
class Draft:
    ref: str
    audience: str
    audience_name: str
    stage: str
    stage_name: str
    text: str
    destinations: int  # how many places it will be queued to
    drill: bool


def template_context(
    policies: Policies,
    inc: Incident,
    ic: str | None,
    audience: str,
    stage: str,
    now: datetime,
    next_update_at: datetime | None,
) -> dict[str, Any]:
    comms = policies.communications
    phase = policies.warroom.workflow.get(inc.phase)
    since = inc.started_at or inc.detected_at or inc.declared_at
    until = inc.resolved_at or now
    elapsed = max((until - since).total_seconds() / 60, 0.0)
    incident = {
        "ref": inc.ref or ref_for(inc.id or 0),
        "title": inc.title,
        "severity": inc.severity,
        "severity_name": policies.level(inc.severity).name,
        "status": inc.status,
        "phase": inc.phase,
        "phase_name": phase.name if phase else inc.phase,
        "channel": inc.channel,
        "bridge": inc.bridge,
        "drill": inc.drill,
        "ic": ic,
        "milestones": {name: getattr(inc, name) for name in MILESTONES},
        "elapsed_minutes": round(elapsed, 1),
        "elapsed": templates.minutes_text(elapsed),
    }
    return {
        "incident": incident,
        "ic": ic,
        "channel": inc.channel,
        "elapsed": incident["elapsed"],
        "elapsed_minutes": incident["elapsed_minutes"],
        "audience": {"id": audience, "name": comms.audiences[audience].name},
        "stage": {"id": stage, "name": comms.stages[stage].name},
        "next_update_at": next_update_at,
        "next_update": templates.clock_time(next_update_at),
        "now": now,
    }


async def load_incident(store: Store, ref: str) -> tuple[Incident, IncidentSnapshot]:
    n = parse_ref(ref)
    async with store.read() as s:
        inc = await s.get(Incident, n)
        if inc is None:
            raise no_incident(n)
        return inc, await snapshot_in(s, inc)


def refuse_unresolved(comms: CommunicationsPolicy, inc: Incident, stage: str | None) -> None:
    """A stage that says it is over (``requires_resolved``) needs a resolved incident."""
    if stage is not None and comms.stages[stage].requires_resolved and inc.resolved_at is None:
        raise BadInput(
            f"{inc.ref} is not resolved; a {stage} update would tell stakeholders it is over. "
            "Resolve it first (only the IC may), or use another stage."
        )


def next_update_after(
    commands: Commands, snap: IncidentSnapshot, at: datetime | None
) -> datetime | None:
    """When the next update is due once this one (at ``at``, default now) is recorded:
    this update resets the cadence."""
    now = commands.now()
    when = at or now
    last = snap.last_status_update_at
    base = min(max(last or when, when), now)
    return plan(commands.policies, replace(snap, last_status_update_at=base), now).next_update_due


async def render_stage(
    commands: Commands,
    inc: Incident,
    snap: IncidentSnapshot,
    audience: str,
    stage: str,
    at: datetime | None = None,
) -> str:
    """The stage's template for ``audience``, filled in (template files read off the
    event loop)."""
    policies = commands.policies
    context = template_context(
        policies,
        inc,
        snap.incident_commander,
        audience,
        stage,
        commands.now(),
        next_update_after(commands, snap, at),
    )
    return await asyncio.to_thread(
        templates.render,
        policies.communications,
        policies.communications_dir,
        audience,
        stage,
        context,
    )


async def draft_update(
    commands: Commands,
    ref: str,
    audience: str,
    stage: str,
    *,
    at: datetime | None = None,
    environ: Mapping[str, str] | None = None,
) -> Draft:
    """What ``/status AUDIENCE STAGE`` would send, without recording anything."""
    comms = commands.policies.communications
    audience, stage_id = commands.status_audience_stage(audience, stage)
    assert stage_id is not None
    inc, snap = await load_incident(commands.store, ref)
    refuse_unresolved(comms, inc, stage_id)
    text = await render_stage(commands, inc, snap, audience, stage_id, at)
    aud = comms.audiences[audience]
    env = os.environ if environ is None else environ
    return Draft(
        ref=inc.ref or ref,
        audience=audience,
        audience_name=aud.name,
        stage=stage_id,
        stage_name=comms.stages[stage_id].name,
        text=text,
        destinations=len(urls_for(audience, aud, env)),
        drill=inc.drill,
    )
