"""Checklists that tick themselves, and what a phase left open.

A line of the policy's checklist may name the event that proves it
(``- {text: Assign the incident commander, auto: ic_assigned}``, see
``warroom.policy.models.AutoEvent``). Every entry the command layer appends
(``Mutation.entry``) calls :func:`auto_tick`: the open lines whose event that kind of
entry can prove are checked against the record, and those proven are ticked in the same
transaction, ``done_by`` ``auto`` and ``done_at`` the time of the proof (the page, the
first status update ...). No entry of their own: the event's entry is the record. The
other lines stay manual (and an auto line can still be ticked by hand).

When an incident moves on to a later phase (ack, mitigate, resolve, ``phase``),
:func:`record_left_open` writes one ``checklist`` entry naming the lines of the phases
it leaves that are still open; :func:`open_lines` is the same list beforehand (the
console's "press again" and ``warroom resolve`` without ``--force`` name them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlmodel import col

from warroom.clock import utc
from warroom.models import (
    ActionItem,
    ChecklistItem,
    EscalationFiring,
    Incident,
    Postmortem,
    RoleAssignment,
    StatusUpdate,
)
from warroom.policy import Policies
from warroom.store import Store

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from warroom.incident.mutation import Mutation

AUTO_BY = "auto"  # done_by of a line an event ticked
AT_EVENT = datetime.max.replace(tzinfo=UTC)  # a proof whose time is the entry's own

# entry kind -> the events an entry of that kind may prove
PROVES: dict[str, frozenset[str]] = {
    "declared": frozenset({"declared", "ic_assigned", "war_room_opened"}),
    "assign": frozenset({"ic_assigned", "roles_filled", "paged"}),
    "decision": frozenset({"war_room_opened"}),
    "severity": frozenset({"war_room_opened", "paged"}),
    "ack": frozenset({"acknowledged", "paged"}),
    "mitigated": frozenset({"mitigated", "paged"}),
    "resolved": frozenset({"resolved", "paged"}),
    "closed": frozenset({"closed"}),
    "status": frozenset({"first_status_update", "all_clear_sent"}),
    "action": frozenset({"action_items_recorded", "action_items_owned"}),
    "postmortem": frozenset({"postmortem_started"}),
}
# Events that can only happen once the incident is resolved: a line waiting for one
# is named when resolving, never a reason to refuse it.
AFTER_RESOLUTION = frozenset({"resolved", "all_clear_sent", "postmortem_started", "closed"})
# Events whose proof can go away again (a new action item without an owner): a line
# they ticked is unticked when it does.
REVOCABLE = frozenset({"action_items_owned"})

Proof = Callable[["AsyncSession", Incident, Policies], Awaitable[datetime | None]]


async def _first(s: AsyncSession, q: Any) -> datetime | None:
    value = (await s.execute(q)).scalar()
    return utc(value) if value is not None else None


def _held(inc: Incident, roles: Sequence[str]) -> Any:
    return (
        select(func.count(func.distinct(col(RoleAssignment.role))), func.max(RoleAssignment.at))
        .where(col(RoleAssignment.incident_id) == inc.id, col(RoleAssignment.ended_at).is_(None))
        .where(col(RoleAssignment.role).in_(roles))
    )


async def _roles(s: AsyncSession, inc: Incident, roles: Sequence[str]) -> datetime | None:
    count, at = (await s.execute(_held(inc, roles))).one()
    return utc(at) if count == len(roles) and at is not None else None


async def _status(s: AsyncSession, inc: Incident, policies: Policies) -> datetime | None:
    q = select(func.min(StatusUpdate.at)).where(col(StatusUpdate.incident_id) == inc.id)
    return await _first(s, q)


async def _all_clear(s: AsyncSession, inc: Incident, policies: Policies) -> datetime | None:
    stages = [k for k, v in policies.communications.stages.items() if v.requires_resolved]
    q = select(func.min(StatusUpdate.at)).where(
        col(StatusUpdate.incident_id) == inc.id, col(StatusUpdate.stage).in_(stages)
    )
    return await _first(s, q) if stages else None


async def _paged(s: AsyncSession, inc: Incident, policies: Policies) -> datetime | None:
    """The first page that had someone to reach (one with nobody proves nothing)."""
    q = select(EscalationFiring).where(col(EscalationFiring.incident_id) == inc.id)
    for f in (await s.execute(q.order_by(col(EscalationFiring.fired_at)))).scalars():
        people = (f.detail or {}).get("recipients") or []
        if any(isinstance(r, dict) and r.get("person") for r in people):
            return utc(f.fired_at)
    return None


async def _actions(s: AsyncSession, inc: Incident, owned: bool) -> datetime | None:
    q = select(
        func.count(col(ActionItem.id)),
        func.count(col(ActionItem.owner)),
        func.min(ActionItem.created_at),
    ).where(col(ActionItem.incident_id) == inc.id)
    total, with_owner, first = (await s.execute(q)).one()
    if not total or (owned and with_owner < total):
        return None
    return AT_EVENT if owned else utc(first)


async def _postmortem(s: AsyncSession, inc: Incident, policies: Policies) -> datetime | None:
    q = select(func.min(Postmortem.created_at)).where(col(Postmortem.incident_id) == inc.id)
    return await _first(s, q)


def _field(name: str) -> Proof:
    async def proof(s: AsyncSession, inc: Incident, policies: Policies) -> datetime | None:
        value = getattr(inc, name)
        return utc(value) if value is not None else None

    return proof


async def _war_room(s: AsyncSession, inc: Incident, policies: Policies) -> datetime | None:
    return AT_EVENT if inc.war_room and inc.channel else None


PROOFS: dict[str, Proof] = {
    "declared": _field("declared_at"),
    "ic_assigned": lambda s, inc, p: _roles(s, inc, ["ic"]),
    "roles_filled": lambda s, inc, p: _roles(s, inc, ["tech", "comms", "scribe"]),
    "war_room_opened": _war_room,
    "paged": _paged,
    "acknowledged": _field("acknowledged_at"),
    "first_status_update": _status,
    "mitigated": _field("mitigated_at"),
    "resolved": _field("resolved_at"),
    "all_clear_sent": _all_clear,
    "action_items_recorded": lambda s, inc, p: _actions(s, inc, owned=False),
    "action_items_owned": lambda s, inc, p: _actions(s, inc, owned=True),
    "postmortem_started": _postmortem,
    "closed": _field("closed_at"),
}


def auto_events(policies: Policies) -> dict[tuple[str, str], str]:
    """(phase id, line text) -> the event that ticks it, for every auto line."""
    return {
        (phase.id, c.text): c.auto
        for phase in policies.warroom.workflow.phases
        for c in phase.checklist
        if c.auto is not None
    }


async def auto_tick(
    session: AsyncSession, policies: Policies, incident: Incident, kind: str, at: datetime
) -> list[ChecklistItem]:
    """Tick the open auto lines of ``incident`` that an entry of ``kind`` proves (and
    untick the revocable ones whose proof went away). Returns the lines changed."""
    events = PROVES.get(kind)
    if not events:
        return []
    lines = auto_events(policies)
    if not any(e in events for e in lines.values()):
        return []
    q = select(ChecklistItem).where(col(ChecklistItem.incident_id) == incident.id)
    items = list((await session.execute(q.order_by(col(ChecklistItem.id)))).scalars())
    proven: dict[str, datetime | None] = {}
    changed = []
    for item in items:
        event = lines.get((item.phase, item.text))
        if event is None or event not in events:
            continue
        if item.done and not (event in REVOCABLE and item.done_by == AUTO_BY):
            continue
        if event not in proven:
            proven[event] = await PROOFS[event](session, incident, policies)
        when = proven[event]
        if when is not None and not item.done:
            item.done, item.done_by, item.done_at = True, AUTO_BY, min(when, at)
            changed.append(item)
        elif when is None and item.done:  # a revocable proof went away
            item.done, item.done_by, item.done_at = False, None, None
            changed.append(item)
    if changed:
        await session.flush()
    return changed


# --- what a phase leaves open ---------------------------------------------------------


def phases_between(policies: Policies, old: str, new: str) -> list[str]:
    """The phases an incident leaves moving from ``old`` to ``new``: ``old`` and those
    after it before ``new`` (only ``old`` when ``new`` is not later)."""
    ids = policies.warroom.workflow.ids()
    if old not in ids or new not in ids or ids.index(new) <= ids.index(old):
        return [old]
    return ids[ids.index(old) : ids.index(new)]


def open_lines(
    policies: Policies,
    items: Iterable[ChecklistItem],
    phases: Sequence[str],
    *,
    proven: Iterable[str] = (),
) -> list[ChecklistItem]:
    """The lines of ``phases`` still open, in workflow order, leaving out the auto lines
    that the event about to happen (``proven``) ticks."""
    events = auto_events(policies)
    skip = set(proven)
    order = {p: i for i, p in enumerate(phases)}
    found = [
        c
        for c in items
        if c.phase in order and not c.done and events.get((c.phase, c.text)) not in skip
    ]
    return sorted(found, key=lambda c: (order[c.phase], c.position, c.id or 0))


def after_resolution(policies: Policies, item: ChecklistItem) -> bool:
    """Whether ``item`` waits for an event that only comes after the resolution."""
    return auto_events(policies).get((item.phase, item.text)) in AFTER_RESOLUTION


def describe_open(policies: Policies, items: Sequence[ChecklistItem]) -> str:
    """``Declare: Page the on-call engineer; Assess: Send the first status update``."""
    wf = policies.warroom.workflow
    parts: dict[str, list[str]] = {}
    for c in items:
        phase = wf.get(c.phase)
        parts.setdefault(phase.name if phase else c.phase, []).append(c.text)
    return "; ".join(f"{name}: {', '.join(texts)}" for name, texts in parts.items())


async def items_of(session: AsyncSession, incident_id: int) -> list[ChecklistItem]:
    q = select(ChecklistItem).where(col(ChecklistItem.incident_id) == incident_id)
    return list((await session.execute(q.order_by(col(ChecklistItem.id)))).scalars())


async def left_open(m: Mutation, old_phase: str) -> list[ChecklistItem]:
    """The open lines of the phases a move from ``old_phase`` to the incident's phase
    now leaves behind (none when the phase did not change)."""
    policies = m.scope.policies
    if m.incident.phase == old_phase:
        return []
    phases = phases_between(policies, old_phase, m.incident.phase)
    return open_lines(policies, await items_of(m.session, m.incident_id), phases)


async def record_left_open(m: Mutation, old_phase: str) -> list[ChecklistItem]:
    """After a move from ``old_phase``: one ``checklist`` entry naming what the phases
    left behind still have open (nothing open: no entry)."""
    left = await left_open(m, old_phase)
    if left:
        text = f"Left open: {describe_open(m.scope.policies, left)}"
        await m.entry("checklist", text, key_event=False)
    return left


async def said_left_open(store: Store, policies: Policies, incident: Incident, old: str) -> str:
    """`` Left open: Declare: ...`` after a move from phase ``old`` (for the message of
    the verb that moved it; empty when nothing was left open)."""
    if incident.phase == old or incident.id is None:
        return ""
    async with store.read() as s:
        items = await items_of(s, incident.id)
    left = open_lines(policies, items, phases_between(policies, old, incident.phase))
    return f" Left open: {describe_open(policies, left)}." if left else ""


def said_open_before_resolving(
    policies: Policies, items: Iterable[ChecklistItem], phase: str, target: str = "follow_up"
) -> str:
    """`` Still open: Resolve: ...`` for the console's first resolve key (the lines the
    resolution itself proves left out); empty when nothing is open."""
    left = open_lines(policies, items, phases_between(policies, phase, target), proven=["resolved"])
    return f" Still open: {describe_open(policies, left)}." if left else ""
