"""What the war-room console shows about one incident, besides its timeline.

One read loads the incident, who holds each role now, its checklist and action
items, and the escalation snapshot; the timeline itself is loaded separately as
plain rows (``queries.timeline_rows``) because it can be very long. The staffing
rule (one person should not be both IC and technical lead on a SEV1/SEV2) is the
policy's, applied here so the console holds no business rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from warroom.escalation import IncidentSnapshot
from warroom.escalation.snapshot import snapshot_in
from warroom.incident.queries import incident_in, rows_of
from warroom.incident.refs import ref_for
from warroom.incident.roles import ROLE_NAMES, same_person
from warroom.models import ActionItem, ChecklistItem, Incident, RoleAssignment
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
        inc = await incident_in(s, incident_id)
        history = await rows_of(s, RoleAssignment, incident_id, "at", "id")
        return WarRoomState(
            incident=inc,
            roles={r.role: r for r in history if r.ended_at is None},
            checklist=await rows_of(s, ChecklistItem, incident_id, "phase", "position", "id"),
            actions=await rows_of(s, ActionItem, incident_id, "id"),
            snapshot=await snapshot_in(s, inc),
        )


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
