"""Read side: what the CLI and the console show about incidents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from warroom.durations import incident_durations
from warroom.errors import no_incident
from warroom.incident.refs import parse_ref, ref_for
from warroom.models import (
    ActionItem,
    ChecklistItem,
    Incident,
    RoleAssignment,
    SeverityChange,
    StatusUpdate,
    TimelineEntry,
)
from warroom.store import Store
from warroom.timeparse import iso_z

ROLE_KEYS = ("ic", "comms", "tech", "scribe")


@dataclass
class IncidentView:
    """One incident with everything around it, loaded in one read."""

    incident: Incident
    roles: dict[str, RoleAssignment]
    role_history: list[RoleAssignment]
    timeline: list[TimelineEntry]
    severity_history: list[SeverityChange]
    checklist: list[ChecklistItem]
    actions: list[ActionItem]
    status_updates: list[StatusUpdate]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return self.incident.ref or ref_for(self.incident.id or 0)

    def to_json(self) -> dict[str, Any]:
        inc = self.incident
        return {
            **incident_summary(inc, self.roles),
            "bridge": inc.bridge,
            "war_room": inc.war_room,
            "acknowledged_by": inc.acknowledged_by,
            "role_history": [
                {
                    "role": r.role,
                    "person": r.person,
                    "from": iso_z(r.at),
                    "until": iso_z(r.ended_at),
                    "by": r.by,
                }
                for r in self.role_history
            ],
            "severity_history": [
                {"at": iso_z(c.at), "from": c.from_severity, "to": c.to_severity, "by": c.by}
                for c in self.severity_history
            ],
            "timeline": [entry_json(e) for e in self.timeline],
            "checklist": [
                {
                    "id": c.id,
                    "phase": c.phase,
                    "text": c.text,
                    "done": c.done,
                    "done_by": c.done_by,
                    "done_at": iso_z(c.done_at),
                }
                for c in self.checklist
            ],
            "action_items": [action_json(a) for a in self.actions],
            "status_updates": [
                {
                    "at": iso_z(u.at),
                    "audience": u.audience,
                    "stage": u.stage,
                    "text": u.text,
                    "author": u.author,
                }
                for u in self.status_updates
            ],
        }


def incident_heading(inc: Incident) -> dict[str, Any]:
    """The fields every JSON view of an incident starts with."""
    return {
        "ref": inc.ref,
        "title": inc.title,
        "severity": inc.severity,
        "status": inc.status,
        "phase": inc.phase,
    }


def incident_summary(inc: Incident, roles: dict[str, RoleAssignment]) -> dict[str, Any]:
    return {
        **incident_heading(inc),
        "channel": inc.channel,
        "drill": inc.drill,
        "started_at": iso_z(inc.started_at),
        "detected_at": iso_z(inc.detected_at),
        "declared_at": iso_z(inc.declared_at),
        "acknowledged_at": iso_z(inc.acknowledged_at),
        "mitigated_at": iso_z(inc.mitigated_at),
        "resolved_at": iso_z(inc.resolved_at),
        "closed_at": iso_z(inc.closed_at),
        "roles": {k: (roles[k].person if k in roles else None) for k in ROLE_KEYS},
        **incident_durations(inc),
    }


def entry_json(e: TimelineEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": iso_z(e.at),
        "recorded_at": iso_z(e.recorded_at),
        "author": e.author,
        "role": e.role,
        "kind": e.kind,
        "text": e.text,
        "key_event": e.key_event,
        "corrects": e.corrects_id,
    }


def action_json(a: ActionItem) -> dict[str, Any]:
    return {
        "id": a.id,
        "incident_id": a.incident_id,
        "ref": ref_for(a.incident_id) if a.incident_id else None,
        "title": a.title,
        "kind": a.kind,
        "owner": a.owner,
        "priority": a.priority,
        "due": a.due.isoformat() if a.due else None,
        "status": a.status,
        "reason": a.reason,
        "created_at": iso_z(a.created_at),
        "completed_at": iso_z(a.completed_at),
    }


async def _all(s: AsyncSession, q: Any) -> list[Any]:
    return list((await s.execute(q)).scalars())


async def rows_of(s: AsyncSession, model: Any, incident_id: int, *order: str) -> list[Any]:
    """The rows of ``model`` (a table with an ``incident_id``) of one incident, ordered by
    the ``order`` columns."""
    q = select(model).where(col(model.incident_id) == incident_id)
    return await _all(s, q.order_by(*(col(getattr(model, c)) for c in order)))


async def incident_in(s: AsyncSession, incident_id: int) -> Incident:
    """The incident, read in session ``s``, or NotFound."""
    inc = await s.get(Incident, incident_id)
    if inc is None:
        raise no_incident(incident_id)
    return inc


async def get_incident(store: Store, ref: str) -> Incident:
    async with store.read() as s:
        return await incident_in(s, parse_ref(ref))


async def load_view(store: Store, ref: str) -> IncidentView:
    n = parse_ref(ref)
    async with store.read() as s:
        inc = await incident_in(s, n)
        history = await rows_of(s, RoleAssignment, n, "at", "id")
        entries = await rows_of(s, TimelineEntry, n, "seq")
        sev = await rows_of(s, SeverityChange, n, "at", "id")
        checklist = await rows_of(s, ChecklistItem, n, "id")
        actions = await rows_of(s, ActionItem, n, "id")
        updates = await rows_of(s, StatusUpdate, n, "at", "id")
    roles = {r.role: r for r in history if r.ended_at is None}
    return IncidentView(inc, roles, history, entries, sev, checklist, actions, updates)


@dataclass
class IncidentRow:
    incident: Incident
    roles: dict[str, RoleAssignment]

    @property
    def ic(self) -> str | None:
        r = self.roles.get("ic")
        return r.person if r else None


async def list_incidents(
    store: Store, *, include_closed: bool = False, include_drills: bool = True
) -> list[IncidentRow]:
    """Open incidents (or all), most severe first, then newest."""
    async with store.read() as s:
        q = select(Incident)
        if not include_closed:
            q = q.where(Incident.resolved_at.is_(None))  # type: ignore[union-attr]
        if not include_drills:
            q = q.where(Incident.drill.is_(False))  # type: ignore[attr-defined]
        q = q.order_by(col(Incident.severity), col(Incident.declared_at).desc())
        incidents = await _all(s, q)
        ids = [i.id for i in incidents]
        roles: dict[int, dict[str, RoleAssignment]] = {i: {} for i in ids}
        if ids:
            rq = select(RoleAssignment).where(
                RoleAssignment.incident_id.in_(ids),  # type: ignore[attr-defined]
                RoleAssignment.ended_at.is_(None),  # type: ignore[union-attr]
            )
            for r in await _all(s, rq):
                roles[r.incident_id][r.role] = r
    return [IncidentRow(i, roles[i.id]) for i in incidents]


class EntryRow(NamedTuple):
    """One timeline entry as a plain row, for line-rendered views and followers: no ORM
    object per entry, so 100,000 of them load and sit in memory cheaply."""

    seq: int
    at: datetime
    recorded_at: datetime
    author: str
    role: str | None
    kind: str
    text: str
    corrects: int | None = None  # the seq of the entry it corrects, pins or unpins


async def timeline_rows(
    store: Store,
    incident_id: int,
    after_seq: int = 0,
    *,
    before_seq: int | None = None,
    before: tuple[datetime, int] | None = None,
    limit: int | None = None,
    by_event: bool = False,
) -> list[EntryRow]:
    """The incident's entries after ``after_seq`` (and before ``before_seq``), oldest
    first. With ``limit``, only the newest ``limit`` of them: the console paints the tail
    of a long timeline first and loads the older rows in slices behind it, so a
    100,000-entry incident opens at once.

    ``by_event``: in event-time order, ``(at, seq)``, instead of recorded order (seq):
    "oldest" and "newest" are then by event time, and ``before`` (an ``(at, seq)``)
    keeps only the entries that happened before it (the next slice of older rows)."""
    t = TimelineEntry.__table__  # type: ignore[attr-defined]
    target = t.alias("target")  # what a correction or pin points at, by its seq
    q = (
        select(t.c.seq, t.c.at, t.c.recorded_at, t.c.author, t.c.role, t.c.kind, t.c.text)
        .add_columns(target.c.seq)
        .select_from(t.outerjoin(target, target.c.id == t.c.corrects_id))
        .where(t.c.incident_id == incident_id)
    )
    if after_seq:  # (not "seq > 0": SQLite would then read by seq and sort it all by time)
        q = q.where(t.c.seq > after_seq)
    if before_seq is not None:
        q = q.where(t.c.seq < before_seq)
    if before is not None:  # (at, seq) < before, written so the (incident, at) index serves
        at, seq = before
        q = q.where(t.c.at <= at, or_(t.c.at < at, t.c.seq < seq))
        by_event = True
    order = (t.c.at, t.c.seq) if by_event else (t.c.seq,)
    newest = limit is not None
    q = q.order_by(*(c.desc() for c in order) if newest else order)
    if newest:
        q = q.limit(limit)
    async with store.read() as s:
        rows = [EntryRow._make(r) for r in (await s.execute(q)).all()]
    if newest:
        rows.reverse()
    return rows


def latest(values: list[datetime | None]) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None
