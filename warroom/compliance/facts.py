"""What the compliance checks need to know about each incident, read in a few plain
selects (one per kind of record, never one per incident)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from warroom.escalation.engine import IncidentSnapshot
from warroom.escalation.snapshot import snapshots_in
from warroom.incident.refs import ref_for
from warroom.incident.timeline import ChainReport, entries_by_incident, verify_chain
from warroom.models import (
    ActionItem,
    Incident,
    Postmortem,
    RoleAssignment,
    StatusUpdate,
)
from warroom.store import Store


@dataclass(frozen=True)
class ActionFact:
    id: int | None
    owner: str | None
    due: date | None
    status: str


@dataclass
class IncidentFacts:
    incident: Incident
    snapshot: IncidentSnapshot
    ic: list[tuple[datetime, str]] = field(default_factory=list)  # (at, person), in order
    chain: ChainReport | None = None  # None: the timeline was not read (check not asked for)
    postmortem: tuple[str, datetime | None] | None = None  # (status, final_at)
    actions: list[ActionFact] = field(default_factory=list)
    updates: list[datetime] = field(default_factory=list)  # status updates, in order

    @property
    def ref(self) -> str:
        return self.incident.ref or ref_for(self.incident.id or 0)

    @property
    def severities(self) -> frozenset[int]:
        """Every severity the incident held, from its declaration to now."""
        held = {sev for _, sev in self.snapshot.severity_history}
        return frozenset(held | {self.incident.severity})


async def load_facts(
    store: Store, *, since: datetime | None = None, timelines: bool = True
) -> list[IncidentFacts]:
    """Facts of every real (non-drill) incident declared at or after ``since``."""
    where: list[Any] = [col(Incident.drill).is_(False)]
    if since is not None:
        where.append(col(Incident.declared_at) >= since)
    async with store.read() as s:
        incidents = list(
            (await s.execute(select(Incident).where(*where).order_by(col(Incident.id)))).scalars()
        )
        if not incidents:
            return []
        snaps = await snapshots_in(s, incidents)
        facts = {i.id: IncidentFacts(i, snaps[i.id]) for i in incidents if i.id is not None}
        ids = select(col(Incident.id)).where(*where).scalar_subquery()
        await _roles(s, ids, facts)
        await _postmortems(s, ids, facts)
        await _actions(s, ids, facts)
        await _updates(s, ids, facts)
        if timelines:
            await _chains(s, ids, facts)
    return list(facts.values())


async def _roles(s: AsyncSession, ids: Any, facts: dict[Any, IncidentFacts]) -> None:
    q = (
        select(col(RoleAssignment.incident_id), col(RoleAssignment.at), col(RoleAssignment.person))
        .where(col(RoleAssignment.role) == "ic", col(RoleAssignment.incident_id).in_(ids))
        .order_by(col(RoleAssignment.incident_id), col(RoleAssignment.at), col(RoleAssignment.id))
    )
    for iid, at, person in (await s.execute(q)).all():
        if iid in facts:  # (an incident declared since the first select is not judged)
            facts[iid].ic.append((at, person))


async def _postmortems(s: AsyncSession, ids: Any, facts: dict[Any, IncidentFacts]) -> None:
    q = select(col(Postmortem.incident_id), col(Postmortem.status), col(Postmortem.final_at)).where(
        col(Postmortem.incident_id).in_(ids)
    )
    for iid, status, final_at in (await s.execute(q)).all():
        if iid in facts:
            facts[iid].postmortem = (status, final_at)


async def _actions(s: AsyncSession, ids: Any, facts: dict[Any, IncidentFacts]) -> None:
    q = (
        select(
            col(ActionItem.incident_id),
            col(ActionItem.id),
            col(ActionItem.owner),
            col(ActionItem.due),
            col(ActionItem.status),
        )
        .where(col(ActionItem.incident_id).in_(ids))
        .order_by(col(ActionItem.id))
    )
    for iid, aid, owner, due, status in (await s.execute(q)).all():
        if iid in facts:
            facts[iid].actions.append(ActionFact(aid, owner, due, status))


async def _updates(s: AsyncSession, ids: Any, facts: dict[Any, IncidentFacts]) -> None:
    q = (
        select(col(StatusUpdate.incident_id), col(StatusUpdate.at))
        .where(col(StatusUpdate.incident_id).in_(ids))
        .order_by(col(StatusUpdate.incident_id), col(StatusUpdate.at), col(StatusUpdate.id))
    )
    for iid, at in (await s.execute(q)).all():
        if iid in facts:
            facts[iid].updates.append(at)


async def _chains(s: AsyncSession, ids: Any, facts: dict[Any, IncidentFacts]) -> None:
    """Verify every chain while streaming the entries: one incident in memory at a time."""
    async for iid, rows in entries_by_incident(s, ids):
        f = facts.get(iid)
        if f is not None:
            f.chain = verify_chain(f.ref, rows)
    for f in facts.values():
        if f.chain is None:
            f.chain = verify_chain(f.ref, [])
