"""Posting a stakeholder status update: validate, render, record, queue.

:func:`post_update` checks the audience and stage against communications.yaml, renders
the stage's template when no text is given, records the update through
:meth:`Commands.record_status` (the timeline entry, the cadence, and one delivery-outbox
row per destination, in one transaction) and says where it will go. Sending is the
outbox's job (:mod:`warroom.escalation.delivery`): ``warroom watch`` or an open console
sends and retries; :func:`deliver_now` makes one first attempt for a CLI that wants it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from warroom.comms.destinations import Destination, urls_for
from warroom.comms.draft import (
    load_incident,
    next_update_after,
    refuse_unresolved,
    render_stage,
)
from warroom.errors import BadInput
from warroom.escalation import delivery
from warroom.incident.commands import Commands
from warroom.models import Delivery, StatusUpdate
from warroom.notify import Sender
from warroom.policy import Policies
from warroom.store import Store

REQUIRED, OPTIONAL, NOT_EXPECTED = "required", "optional", "not expected"


@dataclass(frozen=True)
class Posted:
    """What was recorded and where it goes."""

    update: StatusUpdate
    ref: str
    audience: str
    audience_name: str
    stage: str | None
    stage_name: str | None
    from_template: bool
    requirement: str  # required / optional / not expected, for this severity
    next_update_at: datetime | None
    queued: list[Destination] = field(default_factory=list)
    held: list[Destination] = field(default_factory=list)  # a drill: not sent
    delivery_ids: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def requirement(policies: Policies, audience: str, severity: int) -> str:
    """Whether this audience must hear about an incident of this severity (severity.yaml
    decides through the field the audience names)."""
    rule = policies.communications.audiences[audience].required
    level = policies.level(severity)
    if rule == "always":
        return REQUIRED
    if rule == "customer_communication":
        return {"required": REQUIRED, "optional": OPTIONAL}.get(
            level.customer_communication, NOT_EXPECTED
        )
    if rule == "executive_notification":
        return REQUIRED if level.executive_notification else OPTIONAL
    return OPTIONAL


def required_audiences(policies: Policies, severity: int) -> list[str]:
    return [
        a
        for a in policies.communications.audiences
        if requirement(policies, a, severity) == REQUIRED
    ]


# --- the console's /status argument ---------------------------------------------------

_HEAD = re.compile(r"[ \t]*(\S+)[ \t]+(\S+)(?:[ \t]+|$)")


def split_console_argument(policies: Policies, argument: str) -> tuple[str, str | None, str | None]:
    """``/status TEXT`` -> (internal, None, TEXT); ``/status AUDIENCE STAGE [TEXT]`` ->
    (audience, stage, TEXT or None for the template). Both words must be known for the
    second form, so an internal note that starts with "customers" stays internal; a line
    that is only an audience asks for the stage rather than guessing."""
    comms = policies.communications
    m = _HEAD.match(argument)
    if m and m[1].lower() in comms.audiences and m[2].lower() in comms.stages:
        rest = argument[m.end() :]
        return m[1].lower(), m[2].lower(), rest if rest.strip() else None
    words = argument.split()
    if len(words) == 1 and words[0].lower() in comms.audiences:
        raise BadInput(
            f"/status {words[0]} needs a stage: /status {words[0]} STAGE [TEXT] "
            f"(the stages are {', '.join(comms.stages)})."
        )
    return "internal", None, argument


# --- rendering ----------------------------------------------------------------------------


async def post_update(
    commands: Commands,
    ref: str,
    *,
    audience: str,
    stage: str | None = None,
    text: str | None = None,
    at: datetime | None = None,
    environ: Mapping[str, str] | None = None,
) -> Posted:
    """Record a status update (``text``, or the stage's template when None) and queue
    it to the audience's destinations."""
    policies = commands.policies
    comms = policies.communications
    audience, stage = commands.status_audience_stage(audience, stage)
    inc, snap = await load_incident(commands.store, ref)
    if stage is None and text is None:  # a template needs a stage: the incident's state's
        stage = comms.stage_for(inc.status)
        if stage is None:
            raise BadInput(
                f"say which stage this update is for (the stages are {', '.join(comms.stages)})."
            )
    spec = comms.stages[stage] if stage else None
    refuse_unresolved(comms, inc, stage)
    next_update = next_update_after(commands, snap, at)
    from_template = text is None
    if text is None:
        assert stage is not None
        text = await render_stage(commands, inc, snap, audience, stage, at)
    aud = comms.audiences[audience]
    title = aud.title.format(
        ref=inc.ref,
        title=inc.title,
        severity=inc.severity,
        stage=spec.name if spec else "update",
        audience=aud.name,
    )
    env = os.environ if environ is None else environ
    dests = [Destination(url, title) for url in urls_for(audience, aud, env)]
    queued, held = ([], dests) if inc.drill else (dests, [])
    update = await commands.record_status(
        inc.ref or ref, text, audience=audience, stage=stage, at=at, destinations=queued
    )
    warnings: list[str] = []
    need = requirement(policies, audience, inc.severity)
    if need == NOT_EXPECTED:
        warnings.append(
            f"severity.yaml says SEV{inc.severity} needs no {aud.name.lower()} communication."
        )
    missing = [a for a in required_audiences(policies, inc.severity) if a != audience]
    async with commands.store.read() as s:
        q = select(col(Delivery.id)).where(col(Delivery.status_update_id) == update.id)
        ids = [int(i or 0) for i in (await s.execute(q.order_by(col(Delivery.id)))).scalars()]
        sent_to = await _audiences_updated(s, inc.id or 0)
    missing = [a for a in missing if a not in sent_to]
    if missing:
        warnings.append(
            f"SEV{inc.severity} also requires updates to {', '.join(missing)} (none recorded yet)."
        )
    return Posted(
        update=update,
        ref=inc.ref or ref,
        audience=audience,
        audience_name=aud.name,
        stage=stage,
        stage_name=spec.name if spec else None,
        from_template=from_template,
        requirement=need,
        next_update_at=next_update,
        queued=queued,
        held=held,
        delivery_ids=ids,
        warnings=warnings,
    )


def summary(p: Posted) -> str:
    """One line for the console: what was recorded and where it goes."""
    stage = f" ({p.stage_name})" if p.stage_name else ""
    how = " from the template" if p.from_template else ""
    line = f"Status update for {p.audience_name}{stage} recorded{how}"
    if p.held:
        line += f"; a drill, so not sent to its {len(p.held)} destination(s)"
    elif p.queued:
        n = len(p.queued)
        line += f"; queued to {n} destination{'s' if n != 1 else ''}"
    elif p.audience != "internal":
        line += "; no destinations configured, so it is only on the timeline"
    return line + "."


async def _audiences_updated(s: Any, incident_id: int) -> set[str]:
    q = select(col(StatusUpdate.audience)).where(col(StatusUpdate.incident_id) == incident_id)
    return {str(a) for a in (await s.execute(q.distinct())).scalars()}


async def deliver_now(
    store: Store, sender: Sender, delivery_ids: list[int]
) -> list[delivery.Outcome]:
    """One first attempt at these queued deliveries (the outbox retries what fails)."""
    if not delivery_ids:
        return []
    claimed = await delivery.claim_due(
        store, None, limit=len(delivery_ids), only=list(delivery_ids)
    )
    return await delivery.send_all(store, sender, claimed)
