"""The incident board: what the console's home shows about open incidents.

Open incidents with their IC and the escalation snapshot the engine reads, who is on
call now (rotations with the stored overrides applied), and the next escalation step
of each incident at a given moment. The next step comes from the escalation engine
(warroom.escalation.plan); nothing here re-decides the policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from warroom.escalation import IncidentSnapshot, Step, plan
from warroom.escalation.snapshot import load_snapshots
from warroom.incident.actions import is_overdue, list_actions
from warroom.incident.queries import list_incidents
from warroom.models import Incident, OncallOverride
from warroom.oncall.overrides import load_overrides
from warroom.oncall.segments import Segment, who_at
from warroom.policy import Policies
from warroom.policy.roster import Roster
from warroom.postmortem.overview import PendingPostmortem, pending_postmortems
from warroom.store import Store
from warroom.timeparse import iso_z


@dataclass(frozen=True)
class NextEscalation:
    """The soonest escalation step of an incident: due now (overdue) or upcoming."""

    due_at: datetime
    action: str
    overdue: bool
    targets: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "due_at": iso_z(self.due_at),
            "action": self.action,
            "targets": list(self.targets),
            "overdue": self.overdue,
        }


@dataclass
class BoardRow:
    incident: Incident
    ic: str | None
    snapshot: IncidentSnapshot | None


@dataclass(frozen=True)
class FollowUps:
    """After the incidents: post-mortems due or overdue, action items overdue."""

    postmortems: list[PendingPostmortem]
    overdue_actions: int
    open_actions: int


@dataclass
class Board:
    rows: list[BoardRow]
    total: int  # incidents ever recorded (open or not): 0 means a fresh database
    overrides: list[OncallOverride] = field(default_factory=list)
    followups: FollowUps | None = None

    @property
    def empty_database(self) -> bool:
        return self.total == 0


async def load_followups(store: Store, policies: Policies, today: date) -> FollowUps:
    pending = await pending_postmortems(store, policies)
    items = await list_actions(store, today=today)
    overdue = sum(1 for i in items if is_overdue(i, today))
    return FollowUps(pending, overdue, len(items))


async def load_board(
    store: Store,
    *,
    with_overrides: bool = True,
    policies: Policies | None = None,
    today: date | None = None,
) -> Board:
    """Open incidents (not yet resolved), most severe first, with escalation snapshots;
    with ``policies`` also the post-mortems and action items that need attention."""
    rows = await list_incidents(store)
    async with store.read() as s:
        total = int((await s.execute(select(func.count()).select_from(Incident))).scalar_one())
    ids = [r.incident.id for r in rows if r.incident.id is not None]
    snaps = await load_snapshots(store, ids) if ids else {}
    overrides = await load_overrides(store) if with_overrides else []
    board = [BoardRow(r.incident, r.ic, snaps.get(r.incident.id or 0)) for r in rows]
    followups = None
    if policies is not None:
        followups = await load_followups(store, policies, today or store.clock.now().date())
    return Board(board, total, overrides, followups)


def next_step(
    policies: Policies, snapshot: IncidentSnapshot | None, now: datetime
) -> NextEscalation | None:
    """The step the engine fires next for an incident (None: nothing more is planned)."""
    if snapshot is None:
        return None
    step: Step | None = plan(policies, snapshot, now).next_step
    if step is None:
        return None
    return NextEscalation(step.due_at, step.action, step.due_at <= now, tuple(step.targets))


def next_escalation(policies: Policies, row: BoardRow, now: datetime) -> NextEscalation | None:
    """The step the engine fires next for a row of the board."""
    return next_step(policies, row.snapshot, now)


# --- who is on call -------------------------------------------------------------------


def on_call_now(
    roster: Roster | None, at: datetime, overrides: Sequence[OncallOverride] = ()
) -> list[Segment]:
    """Who holds each rotation at ``at`` (primary first); empty without a roster."""
    if roster is None:
        return []
    found = list(who_at(roster, overrides, at).values())
    return sorted(found, key=lambda s: (s.kind != "primary", s.rotation))
