"""A status update's text before it is sent: the stage's template filled in, for the
person who sends it to read and edit first (the console's preview)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from warroom.commands import Commands
from warroom.comms import templates
from warroom.comms.destinations import urls_for
from warroom.errors import BadInput
from warroom.escalation.engine import IncidentSnapshot, plan
from warroom.models import Incident


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
    from warroom.comms.updates import template_context

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
    from warroom.comms.updates import _load as load_incident

    comms = commands.policies.communications
    audience, stage_id = commands.status_audience_stage(audience, stage)
    assert stage_id is not None
    inc, snap = await load_incident(commands.store, ref)
    if comms.stages[stage_id].requires_resolved and inc.resolved_at is None:
        raise BadInput(
            f"{inc.ref} is not resolved; a {stage_id} update would tell stakeholders it is "
            "over. Resolve it first (only the IC may), or use another stage."
        )
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
