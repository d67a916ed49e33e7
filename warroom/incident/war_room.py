"""What the war-room console shows about one incident, besides its timeline.

One read loads the incident, who holds each role now, its checklist and action
items, and the escalation snapshot; the timeline itself is loaded separately as
plain rows (``queries.timeline_rows``) because it can be very long. The staffing
rule (one person should not be both IC and technical lead on a SEV1/SEV2) is the
policy's, applied here so the console holds no business rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from warroom.errors import NotFound
from warroom.escalation import IncidentSnapshot
from warroom.escalation.snapshot import snapshot_in
from warroom.incident.refs import ref_for
from warroom.incident.roles import ROLE_NAMES, same_person
from warroom.models import ActionItem, ChecklistItem, Incident, RoleAssignment, TimelineEntry
from warroom.policy import Policies
from warroom.store import Store


@dataclass
class WarRoomState:
    incident: Incident
    roles: dict[str, RoleAssignment]  # role id -> current holder
    checklist: list[ChecklistItem]
    actions: list[ActionItem]
    snapshot: IncidentSnapshot

    @property
    def ref(self) -> str:
        return self.incident.ref or ref_for(self.incident.id or 0)


async def load_war_room(store: Store, incident_id: int) -> WarRoomState:
    async with store.read() as s:
        inc = await s.get(Incident, incident_id)
        if inc is None:
            raise NotFound(f"no incident {ref_for(incident_id)} in this database.")
        roles = (
            await s.execute(
                select(RoleAssignment)
                .where(
                    RoleAssignment.incident_id == incident_id,  # type: ignore[arg-type]
                    RoleAssignment.ended_at.is_(None),  # type: ignore[union-attr]
                )
                .order_by(RoleAssignment.at, RoleAssignment.id)  # type: ignore[arg-type]
            )
        ).scalars()
        checklist = (
            await s.execute(
                select(ChecklistItem)
                .where(ChecklistItem.incident_id == incident_id)  # type: ignore[arg-type]
                .order_by(ChecklistItem.phase, ChecklistItem.position, ChecklistItem.id)  # type: ignore[arg-type]
            )
        ).scalars()
        actions = (
            await s.execute(
                select(ActionItem)
                .where(ActionItem.incident_id == incident_id)  # type: ignore[arg-type]
                .order_by(ActionItem.id)  # type: ignore[arg-type]
            )
        ).scalars()
        state = WarRoomState(
            incident=inc,
            roles={r.role: r for r in roles},
            checklist=list(checklist),
            actions=list(actions),
            snapshot=await snapshot_in(s, inc),
        )
    return state


async def timeline_slice(
    store: Store, incident_id: int, *, before_seq: int | None = None, limit: int = 2000
) -> list[tuple[Any, ...]]:
    """Up to ``limit`` timeline rows just before ``before_seq`` (default: the newest ones),
    oldest first, as the same plain tuples as ``queries.timeline_rows``.

    The console paints the tail of a long timeline first and loads the older rows in
    slices behind it, so a 100,000-entry incident opens at once."""
    t = TimelineEntry.__table__  # type: ignore[attr-defined]
    q = select(t.c.seq, t.c.at, t.c.recorded_at, t.c.author, t.c.role, t.c.kind, t.c.text).where(
        t.c.incident_id == incident_id
    )
    if before_seq is not None:
        q = q.where(t.c.seq < before_seq)
    q = q.order_by(t.c.seq.desc()).limit(limit)
    async with store.read() as s:
        rows = [tuple(r) for r in (await s.execute(q)).all()]
    rows.reverse()
    return rows


def phase_checklist(state: WarRoomState, phase: str | None = None) -> list[ChecklistItem]:
    """The checklist items of ``phase`` (default: the incident's current phase), in order."""
    wanted = phase or state.incident.phase
    return [c for c in state.checklist if c.phase == wanted]


def staffing_warnings(policies: Policies, severity: int, holders: dict[str, str]) -> list[str]:
    """What the policy says is wrong with who holds the roles (vacant roles are shown
    by the board itself): one person as both IC and technical lead where the policy
    wants them separate."""
    out = []
    ic, tech = holders.get("ic"), holders.get("tech")
    separate = f"SEV{severity}" in policies.warroom.rules.separate_ic_and_tech_for
    if separate and same_person(ic, tech):
        out.append(
            f"{ic} is both {ROLE_NAMES['ic']} and {ROLE_NAMES['tech']}: "
            f"on SEV{severity} the policy wants two people."
        )
    return out
