"""What the incident commander must not miss, told apart from two successive looks.

The console looks at incidents again and again (after every change it reads, and once
a second for the clock); :class:`Attention` compares each look with the one before and
keeps a :class:`Notice` for each event worth a banner until the user has seen it:

- you gained or lost the IC role of an incident (not when you gave it away or took it
  yourself: you know);
- an escalation step of an incident you watch fired (watched: the war room open on it,
  or you are its IC);
- the status update of an incident you watch is overdue (gone again once one is sent);
- an incident whose severity opens a war room (severity.yaml ``war_room`` not
  ``none``: SEV1 and SEV2 by default) was declared, or raised to such a severity,
  elsewhere: only after one complete look (every open incident) so that what was
  already open when the console started is not news.

Pure: no I/O, no clock read (``now`` comes in); :func:`load_looks` is the one read the
console makes for it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import select

from warroom.escalation import IncidentSnapshot, plan
from warroom.escalation.snapshot import load_snapshots
from warroom.incident.roles import ROLE_NAMES, same_person
from warroom.models import RoleAssignment
from warroom.policy import Policies
from warroom.store import Store
from warroom.text import printable

KINDS = ("command", "escalation", "update_overdue", "severe_elsewhere")


@dataclass(frozen=True)
class Notice:
    """One event for the banner. ``key`` is stable: the same event is one notice."""

    key: str
    incident_id: int
    ref: str
    kind: str  # one of KINDS
    text: str  # plain text, complete without colour
    at: datetime  # when it happened (UTC)


@dataclass(frozen=True)
class Look:
    """What attention compares about one incident between two looks."""

    incident_id: int
    ref: str
    title: str
    severity: int
    ic: str | None
    ic_by: str | None  # who gave the IC role to ``ic``, when known
    fired: dict[str, tuple[datetime, str]]  # step key -> (fired at, action)
    update_due: datetime | None
    update_overdue: bool
    resolved: bool
    drill: bool


def look_at(
    policies: Policies, snap: IncidentSnapshot, now: datetime, ic_by: str | None = None
) -> Look:
    """An incident as attention sees it at ``now`` (the escalation engine's plan)."""
    p = plan(policies, snap, now)
    return Look(
        incident_id=snap.incident_id,
        ref=snap.ref,
        title=snap.title,
        severity=p.severity or (snap.severity_history[-1][1] if snap.severity_history else 0),
        ic=snap.incident_commander,
        ic_by=ic_by,
        fired={s.key: (s.fired_at or s.due_at, s.action) for s in p.fired},
        update_due=p.next_update_due,
        update_overdue=p.update_overdue,
        resolved=p.resolved,
        drill=snap.drill,
    )


def _hm(at: datetime, tz: tzinfo) -> str:
    return f"{at.astimezone(tz):%H:%M}"


def ic_notice(before: Look, after: Look, actor: str, now: datetime) -> Notice | None:
    """The actor gained or lost the IC role between two looks (not by their own hand)."""
    was, now_ic = same_person(before.ic, actor), same_person(after.ic, actor)
    if was == now_ic or same_person(after.ic_by, actor):
        return None
    ic_name = ROLE_NAMES["ic"]
    if now_ic:
        by = f" (given by {printable(after.ic_by)})" if after.ic_by else ""
        text = f"You are now IC of {after.ref}{by}: {printable(after.title)}"
    else:
        who = f"now {printable(after.ic)}" if after.ic else f"no {ic_name} now"
        text = f"You are no longer IC of {after.ref} ({who})"
    key = f"command:{after.incident_id}:{after.ic}:{now.isoformat()}"
    return Notice(key, after.incident_id, after.ref, "command", text, now)


def fired_notices(before: Look, after: Look, tz: tzinfo) -> list[Notice]:
    """The escalation steps that fired between two looks, oldest first."""
    fired = after.fired.items()
    new = [(at, key, action) for key, (at, action) in fired if key not in before.fired]
    return [
        Notice(
            f"escalation:{after.incident_id}:{key}",
            after.incident_id,
            after.ref,
            "escalation",
            f"{after.ref} escalated at {_hm(at, tz)}: {printable(action)}",
            at,
        )
        for at, key, action in sorted(new)
    ]


def overdue_notice(after: Look, tz: tzinfo) -> Notice | None:
    """The status update of the incident is overdue (one notice per missed due time)."""
    if not after.update_overdue or after.update_due is None or after.resolved:
        return None
    due = after.update_due
    return Notice(
        f"update_overdue:{after.incident_id}:{due.isoformat()}",
        after.incident_id,
        after.ref,
        "update_overdue",
        f"Status update for {after.ref} overdue: it was due at {_hm(due, tz)} (/status TEXT)",
        due,
    )


def severe(policies: Policies, look: Look) -> bool:
    """Whether the incident's severity is one that opens a war room (the policy's)."""
    if look.resolved or not 1 <= look.severity <= 4:
        return False
    return policies.level(look.severity).war_room != "none"


def severe_notice(
    policies: Policies, before: Look | None, after: Look, now: datetime
) -> Notice | None:
    """A new SEV1/SEV2 (a war-room severity) declared, or an incident raised to one."""
    if not severe(policies, after) or (before is not None and severe(policies, before)):
        return None
    sev = f"SEV{after.severity}"
    drill = " (drill)" if after.drill else ""
    title = printable(after.title)
    if before is None:
        text = f"New {sev}{drill} declared: {after.ref} {title}"
    else:
        text = f"{after.ref}{drill} raised to {sev}: {title}"
    key = f"severe_elsewhere:{after.incident_id}:{sev}"
    return Notice(key, after.incident_id, after.ref, "severe_elsewhere", text, now)


class Attention:
    """The notices not seen yet (newest first) and what the last look saw.

    ``look`` takes the snapshots of some incidents (``complete``: of every open one);
    ``focus`` are the incidents on screen (their war rooms: their escalations and
    overdue updates are watched, a severity change there is not "elsewhere")."""

    def __init__(self, actor: str, tz: tzinfo) -> None:
        self.actor = actor
        self.tz = tz
        self.notices: list[Notice] = []
        self.looks: dict[int, Look] = {}
        self.primed = False  # one complete look taken: a new incident can be told apart
        self._dismissed: set[str] = set()

    def look(
        self,
        policies: Policies,
        snapshots: Iterable[IncidentSnapshot],
        now: datetime,
        *,
        complete: bool = False,
        focus: Collection[int] = (),
        ic_by: Mapping[int, str] | None = None,
    ) -> list[Notice]:
        """Compare a look with the last one; the new notices (also kept in ``notices``)."""
        found: list[Notice] = []
        seen_now: set[int] = set()
        for snap in snapshots:
            before = self.looks.get(snap.incident_id)
            by = (ic_by or {}).get(snap.incident_id)
            if by is None and before is not None and before.ic == snap.incident_commander:
                by = before.ic_by  # the same holder: who gave it does not change
            after = look_at(policies, snap, now, by)
            seen_now.add(after.incident_id)
            self.looks[after.incident_id] = after
            found += self._compare(policies, before, after, now, after.incident_id in focus)
        if complete:
            for gone in set(self.looks) - seen_now:  # resolved since: no longer open
                del self.looks[gone]
            self.primed = True
        return self._keep(found)

    def _compare(
        self, policies: Policies, before: Look | None, after: Look, now: datetime, focused: bool
    ) -> list[Notice]:
        out: list[Notice] = []
        watched = focused or same_person(after.ic, self.actor)
        if before is not None:
            command = ic_notice(before, after, self.actor, now)
            if command is not None:
                out.append(command)
            if watched:
                out += fired_notices(before, after, self.tz)
        overdue = overdue_notice(after, self.tz) if watched else None
        self._retract_overdue(after, overdue)
        if overdue is not None:
            out.append(overdue)
        if self.primed and not focused:
            raised = severe_notice(policies, before, after, now)
            if raised is not None:
                out.append(raised)
        return out

    def _retract_overdue(self, after: Look, current: Notice | None) -> None:
        """An overdue notice that is no longer true goes (an update was sent)."""
        if after.update_overdue and current is None:
            return  # still overdue, only not watched from here: it stays
        keep = current.key if current is not None else None
        self.notices = [
            n
            for n in self.notices
            if not (
                n.kind == "update_overdue" and n.incident_id == after.incident_id and n.key != keep
            )
        ]

    def _keep(self, found: Sequence[Notice]) -> list[Notice]:
        listed = {n.key for n in self.notices}
        new = [n for n in found if n.key not in listed and n.key not in self._dismissed]
        for n in new:
            self.notices.insert(0, n)  # newest first
            listed.add(n.key)
        return new

    def dismiss(self, key: str | None = None) -> Notice | None:
        """The user has seen a notice (default: the newest one shown); it goes."""
        for i, n in enumerate(self.notices):
            if key is None or n.key == key:
                self._dismissed.add(n.key)
                return self.notices.pop(i)
        return None


async def load_looks(
    store: Store, incident_ids: Sequence[int] | None = None
) -> tuple[dict[int, IncidentSnapshot], dict[int, str]]:
    """The snapshots of the given incidents (None: every open one) and who gave each
    its current IC role."""
    snaps = await load_snapshots(store, incident_ids)
    if not snaps:
        return snaps, {}
    q = select(RoleAssignment.incident_id, RoleAssignment.by).where(  # type: ignore[call-overload]
        RoleAssignment.incident_id.in_(list(snaps)),  # type: ignore[attr-defined]
        RoleAssignment.role == "ic",
        RoleAssignment.ended_at.is_(None),  # type: ignore[union-attr]
    )
    async with store.read() as s:
        by = {iid: who for iid, who in (await s.execute(q)).all()}
    return snaps, by
