"""Load what the escalation engine needs about incidents: a few batched queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from warroom.clock import utc
from warroom.errors import no_incident
from warroom.escalation.engine import IncidentSnapshot
from warroom.incident.refs import ref_for
from warroom.models import (
    EscalationFiring,
    Incident,
    RoleAssignment,
    SeverityChange,
    StatusUpdate,
)
from warroom.store import Store

# Incidents read per query: PostgreSQL's driver takes at most 32,767 parameters.
CHUNK = 5000


async def snapshots_in(
    s: AsyncSession, incidents: Sequence[Incident]
) -> dict[int, IncidentSnapshot]:
    """Snapshots of ``incidents`` read in session ``s`` (also inside a write transaction)."""
    out: dict[int, IncidentSnapshot] = {}
    for start in range(0, len(incidents), CHUNK):
        out.update(await _snapshots_in(s, incidents[start : start + CHUNK]))
    return out


async def _snapshots_in(
    s: AsyncSession, incidents: Sequence[Incident]
) -> dict[int, IncidentSnapshot]:
    ids = [i.id for i in incidents if i.id is not None]
    if not ids:
        return {}
    history: dict[int, list[tuple[object, int]]] = {i: [] for i in ids}
    q = (
        select(SeverityChange.incident_id, SeverityChange.at, SeverityChange.to_severity)  # type: ignore[call-overload]
        .where(SeverityChange.incident_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(SeverityChange.incident_id, SeverityChange.at, SeverityChange.id)
    )
    for iid, at, sev in (await s.execute(q)).all():
        history[iid].append((at, int(sev)))
    fired: dict[int, dict[str, object]] = {i: {} for i in ids}
    q = select(EscalationFiring.incident_id, EscalationFiring.step_key, EscalationFiring.fired_at)  # type: ignore[call-overload]
    for iid, key, at in (await s.execute(q.where(EscalationFiring.incident_id.in_(ids)))).all():  # type: ignore[attr-defined]
        fired[iid][key] = at
    q = (
        select(StatusUpdate.incident_id, func.max(StatusUpdate.at))  # type: ignore[call-overload]
        .where(StatusUpdate.incident_id.in_(ids))  # type: ignore[attr-defined]
        .group_by(StatusUpdate.incident_id)
    )
    updates = {iid: utc(at) for iid, at in (await s.execute(q)).all() if at is not None}
    q = select(RoleAssignment.incident_id, RoleAssignment.person).where(  # type: ignore[call-overload]
        RoleAssignment.incident_id.in_(ids),  # type: ignore[attr-defined]
        RoleAssignment.role == "ic",
        RoleAssignment.ended_at.is_(None),  # type: ignore[union-attr]
    )
    ics = {iid: person for iid, person in (await s.execute(q)).all()}
    out: dict[int, IncidentSnapshot] = {}
    for inc in incidents:
        assert inc.id is not None
        h = history[inc.id]
        if not h or h[0][0] > inc.declared_at:  # type: ignore[operator]
            h.insert(0, (inc.declared_at, h[0][1] if h else inc.severity))
        out[inc.id] = IncidentSnapshot(
            incident_id=inc.id,
            ref=inc.ref or ref_for(inc.id),
            title=inc.title,
            declared_at=inc.declared_at,
            # A mitigation counts as the ack (older databases hold mitigated, unacked ones).
            acknowledged_at=inc.acknowledged_at or inc.mitigated_at,
            resolved_at=inc.resolved_at,
            severity_history=tuple(h),  # type: ignore[arg-type]
            fired=dict(fired[inc.id]),  # type: ignore[arg-type]
            last_status_update_at=updates.get(inc.id),
            drill=inc.drill,
            incident_commander=ics.get(inc.id),
        )
    return out


async def snapshot_in(s: AsyncSession, inc: Incident) -> IncidentSnapshot:
    assert inc.id is not None
    return (await snapshots_in(s, [inc]))[inc.id]


async def load_snapshot(store: Store, incident_id: int) -> IncidentSnapshot:
    """The engine's view of incident ``incident_id``."""
    async with store.read() as s:
        inc = await s.get(Incident, incident_id)
        if inc is None:
            raise no_incident(incident_id)
        return await snapshot_in(s, inc)


async def load_snapshots(
    store: Store, incident_ids: Sequence[int] | None = None
) -> dict[int, IncidentSnapshot]:
    """Snapshots of the given incidents, or of every unresolved one when None."""
    async with store.read() as s:
        q = select(Incident)
        if incident_ids is None:
            q = q.where(Incident.resolved_at.is_(None))  # type: ignore[union-attr]
        else:
            q = q.where(Incident.id.in_(list(incident_ids)))  # type: ignore[union-attr]
        incidents = list((await s.execute(q)).scalars())
        return await snapshots_in(s, incidents)
