"""Posting a stakeholder status update: validate, render, record, queue.

``Commands.post_update`` (:mod:`warroom.incident.status_verbs`) checks the audience and
stage against communications.yaml, renders the stage's template when no text is given,
records the update through ``Commands.record_status`` (the timeline entry, the cadence,
and one delivery-outbox row per destination, in one transaction) and returns a
:class:`Posted` saying where it will go; the rules it applies live here. Sending is the
outbox's job (:mod:`warroom.escalation.delivery`): ``warroom watch`` or an open console
sends and retries; :func:`deliver_now` makes one first attempt for a CLI that wants it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from warroom.comms.destinations import Destination
from warroom.errors import BadInput
from warroom.escalation import delivery
from warroom.models import StatusUpdate
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


async def audiences_updated(s: Any, incident_id: int) -> set[str]:
    q = select(col(StatusUpdate.audience)).where(col(StatusUpdate.incident_id) == incident_id)
    return {str(a) for a in (await s.execute(q.distinct())).scalars()}


async def deliver_now(
    store: Store, sender: Sender, delivery_ids: list[int], policies: Policies | None = None
) -> list[delivery.Outcome]:
    """One first attempt at these queued deliveries (the outbox retries what fails);
    ``policies`` (and the environment) resolve the destinations' URLs."""
    if not delivery_ids:
        return []
    claimed = await delivery.claim_due(
        store, None, limit=len(delivery_ids), only=list(delivery_ids), policies=policies
    )
    return await delivery.send_all(store, sender, claimed)
