"""The handoff review: everything the incoming on-call engineer must hear at rotation change.

The review is for the primary rotation's coming handoff from
``handoff.opens_minutes_before`` ahead of it, otherwise for the last one. It covers
the outgoing shift (from the handoff before it up to the handoff, or to the moment
asked about if that comes first): incidents declared and resolved, pages per person
at night and in the day, people owed a late start by the rest rule; plus every
incident open at that moment with its next escalation and last status update, action
items due in the coming week or overdue, the outgoing engineer's notes and the
incoming engineer's acknowledgment, flagged when it is missing after
``handoff.acknowledge_within_minutes``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlmodel import col

from warroom.durations import human_duration
from warroom.errors import BadInput
from warroom.incident.board import NextEscalation, next_step
from warroom.incident.queries import action_json, incident_heading
from warroom.models import ActionItem, Handoff, Incident, RoleAssignment, StatusUpdate
from warroom.oncall.handoff_notes import HandoffNote, by_time, joined, read_notes
from warroom.oncall.health import Violation, schedule_violations, team_size
from warroom.oncall.overrides import load_overrides
from warroom.oncall.pages import load_pages, per_person
from warroom.oncall.rest import RestFlag, load_entries, rest_flags
from warroom.oncall.schedule import handoff_instant, shift_index
from warroom.oncall.segments import on_call
from warroom.policy import Policies
from warroom.policy.roster import Roster, RotationSpec
from warroom.store import Store
from warroom.timeparse import iso_z

HISTORY = 4


@dataclass
class Pair:
    outgoing: str | None
    incoming: str | None


@dataclass
class OpenIncident:
    incident: Incident
    ic: str | None
    next_escalation: NextEscalation | None
    last_update: StatusUpdate | None

    def to_json(self) -> dict[str, Any]:
        inc, u = self.incident, self.last_update
        return {
            **incident_heading(inc),
            "ic": self.ic,
            "declared_at": iso_z(inc.declared_at),
            "acknowledged_at": iso_z(inc.acknowledged_at),
            "next_escalation": self.next_escalation.to_json() if self.next_escalation else None,
            "last_status_update": None
            if u is None
            else {
                "at": iso_z(u.at),
                "audience": u.audience,
                "stage": u.stage,
                "author": u.author,
                "text": u.text,
            },
        }


@dataclass
class Flag:
    kind: str  # unacknowledged, acknowledged_late, notes_missing, rest_rule
    message: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}


@dataclass
class HandoffReview:
    rotation: RotationSpec
    at: datetime  # the handoff
    as_of: datetime
    shift_from: datetime
    shift_until: datetime
    primary: Pair
    secondary: Pair | None
    open_incidents: list[OpenIncident]
    declared: list[Incident]
    resolved: list[Incident]
    pages: dict[str, dict[str, int]]
    due_soon: list[ActionItem]
    overdue: list[ActionItem]
    record: Handoff | None
    ack_due_by: datetime
    previous: list[Handoff]
    rest: list[RestFlag] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    secondary_record: Handoff | None = None  # the secondary rotation's row, same moment

    @property
    def note_list(self) -> list[HandoffNote]:
        """Every note of this handoff (primary's and secondary's), oldest first."""
        return by_time([read_notes(self.record), read_notes(self.secondary_record)])

    @property
    def notes(self) -> str:
        return joined(self.note_list)

    @property
    def acknowledged(self) -> bool:
        return self.record is not None and self.record.acknowledged_at is not None

    def to_json(self) -> dict[str, Any]:
        r, r2, notes = self.record, self.secondary_record, self.note_list

        def brief(i: Incident) -> dict[str, Any]:
            return {
                "ref": i.ref,
                "title": i.title,
                "severity": i.severity,
                "declared_at": iso_z(i.declared_at),
                "resolved_at": iso_z(i.resolved_at),
            }

        return {
            "rotation": self.rotation.id,
            "zone": self.rotation.zone,
            "handoff_at": iso_z(self.at),
            "as_of": iso_z(self.as_of),
            "shift": {"from": iso_z(self.shift_from), "until": iso_z(self.shift_until)},
            "primary": vars(self.primary),
            "secondary": vars(self.secondary) if self.secondary else None,
            "open_incidents": [o.to_json() for o in self.open_incidents],
            "during_shift": {
                "declared": [brief(i) for i in self.declared],
                "resolved": [brief(i) for i in self.resolved],
                "pages": self.pages,
                "pages_total": sum(p["total"] for p in self.pages.values()),
            },
            "action_items": {
                "due_this_week": [action_json(a) for a in self.due_soon],
                "overdue": [action_json(a) for a in self.overdue],
            },
            "notes": {
                "text": self.notes,
                "by": notes[-1].by if notes else None,
                "entries": [n.to_json() for n in notes],
            },
            "acknowledgment": {
                "by": r.acknowledged_by if r else None,
                "at": iso_z(r.acknowledged_at) if r else None,
                "due_by": iso_z(self.ack_due_by),
            },
            "secondary_acknowledgment": {
                "by": r2.acknowledged_by if r2 else None,
                "at": iso_z(r2.acknowledged_at) if r2 else None,
            },
            "flags": [f.to_json() for f in self.flags],
            "rest": [f.to_json() for f in self.rest],
            "warnings": [w.to_json() for w in self.warnings],
            "previous": [
                {
                    "handoff_at": iso_z(h.at),
                    "outgoing": h.outgoing,
                    "incoming": h.incoming,
                    "notes_by": h.notes_by,
                    "acknowledged_by": h.acknowledged_by,
                    "acknowledged_at": iso_z(h.acknowledged_at),
                }
                for h in self.previous
            ],
        }


def review_rotation(roster: Roster) -> RotationSpec:
    rot = roster.rotation("primary") or (roster.rotations[0] if roster.rotations else None)
    if rot is None:
        raise BadInput("the roster has no rotations; add one (warroom oncall rotation add).")
    return rot


def handoff_under_review(rot: RotationSpec, policies: Policies, at: datetime) -> datetime:
    """The handoff the review at ``at`` is about (see the module docstring)."""
    n = shift_index(rot, at)
    if n < 0:  # before the rotation starts: its first handoff (not a date before the start)
        return handoff_instant(rot, 0)
    coming = handoff_instant(rot, n + 1)
    lead = timedelta(minutes=policies.oncall.handoff.opens_minutes_before)
    if coming - at <= lead:
        return coming
    return handoff_instant(rot, n)


def handoff_pair(rot: RotationSpec | None, overrides: list[Any], at: datetime) -> Pair | None:
    if rot is None:
        return None
    before, _ = on_call(rot, overrides, at - timedelta(microseconds=1))
    after, _ = on_call(rot, overrides, at)
    return Pair(before.person if before else None, after.person if after else None)


async def load_review(
    store: Store, policies: Policies, roster: Roster, at: datetime, tz: tzinfo = UTC
) -> HandoffReview:
    """The review as of ``at`` (UTC); warnings worded with times in ``tz``."""
    rot = review_rotation(roster)
    handoff_at = handoff_under_review(rot, policies, at)
    n = shift_index(rot, handoff_at)
    shift_from = handoff_instant(rot, n - 1) if n > 0 else handoff_at
    shift_until = min(handoff_at, at)
    overrides = await load_overrides(store)
    primary = handoff_pair(rot, overrides, handoff_at)
    assert primary is not None
    secondary = handoff_pair(roster.rotation("secondary"), overrides, handoff_at)
    zone = ZoneInfo(rot.zone)
    today = at.astimezone(zone).date()
    week_end = today + timedelta(days=7)
    hp = policies.oncall.handoff

    async with store.read() as s:
        live = col(Incident.drill).is_(False)
        open_q = (
            select(Incident)
            .where(col(Incident.declared_at) <= at, live)
            .where(or_(col(Incident.resolved_at).is_(None), col(Incident.resolved_at) > at))
            .order_by(col(Incident.severity), col(Incident.declared_at))
        )
        open_incidents = list((await s.execute(open_q)).scalars())
        declared_at, resolved_at = col(Incident.declared_at), col(Incident.resolved_at)
        declared_q = (
            select(Incident)
            .where(declared_at >= shift_from, declared_at < shift_until, live)
            .order_by(declared_at)
        )
        declared = list((await s.execute(declared_q)).scalars())
        resolved_q = (
            select(Incident)
            .where(resolved_at >= shift_from, resolved_at < shift_until, live)
            .order_by(resolved_at)
        )
        resolved = list((await s.execute(resolved_q)).scalars())
        ids = [i.id for i in open_incidents]
        ics: dict[int, str] = {}
        updates: dict[int, StatusUpdate] = {}
        if ids:
            ended = col(RoleAssignment.ended_at)
            rq = select(RoleAssignment).where(
                col(RoleAssignment.incident_id).in_(ids),
                col(RoleAssignment.role) == "ic",
                col(RoleAssignment.at) <= at,
                or_(ended.is_(None), ended > at),
            )
            for ra in (await s.execute(rq)).scalars():
                ics[ra.incident_id] = ra.person
            uq = (
                select(StatusUpdate)
                .where(col(StatusUpdate.incident_id).in_(ids), col(StatusUpdate.at) <= at)
                .order_by(col(StatusUpdate.at), col(StatusUpdate.id))
            )
            for up in (await s.execute(uq)).scalars():
                updates[up.incident_id] = up
        due = col(ActionItem.due)
        aq = (
            select(ActionItem)
            .where(
                col(ActionItem.status).in_(("open", "in_progress")),
                due.is_not(None),
                due <= week_end,
            )
            .order_by(due, col(ActionItem.id))
        )
        actions = list((await s.execute(aq)).scalars())
        same = col(Handoff.rotation) == rot.id
        hq = select(Handoff).where(same, col(Handoff.at) == handoff_at)
        record = (await s.execute(hq)).scalar_one_or_none()
        sec_rot = roster.rotation("secondary")
        secondary_record = None
        if sec_rot is not None and sec_rot.id != rot.id:
            q2 = select(Handoff).where(
                col(Handoff.rotation) == sec_rot.id, col(Handoff.at) == handoff_at
            )
            secondary_record = (await s.execute(q2)).scalar_one_or_none()
        prev_q = (
            select(Handoff)
            .where(same, col(Handoff.at) < handoff_at)
            .order_by(col(Handoff.at).desc())
            .limit(HISTORY)
        )
        previous = list((await s.execute(prev_q)).scalars())
        from warroom.escalation.snapshot import snapshots_in  # escalation imports oncall

        snaps = await snapshots_in(s, open_incidents)

    rows = [
        OpenIncident(
            i,
            ics.get(i.id or 0),
            next_step(policies, snaps[i.id or 0], at),
            updates.get(i.id or 0),
        )
        for i in open_incidents
    ]
    rule = policies.oncall.health.rest_rule
    pages = await load_pages(store, roster, rule, shift_from, shift_until)
    entries = await load_entries(store, shift_from - timedelta(days=1), shift_until)
    rest = [f for f in rest_flags(entries, roster, rule) if f.late_start_at > shift_from]
    review = HandoffReview(
        rotation=rot,
        at=handoff_at,
        as_of=at,
        shift_from=shift_from,
        shift_until=shift_until,
        primary=primary,
        secondary=secondary,
        open_incidents=rows,
        declared=declared,
        resolved=resolved,
        pages=per_person(pages),
        due_soon=[a for a in actions if a.due is not None and a.due >= today],
        overdue=[a for a in actions if a.due is not None and a.due < today],
        record=record,
        secondary_record=secondary_record,
        ack_due_by=handoff_at + timedelta(minutes=hp.acknowledge_within_minutes),
        previous=previous,
        rest=rest,
    )
    incoming = {p for p in (primary.incoming, secondary.incoming if secondary else None) if p}
    u = timedelta(weeks=1)
    review.warnings = team_size(roster, policies.oncall) + schedule_violations(
        roster, policies.oncall, overrides, handoff_at, handoff_at + u, tz, incoming
    )
    review.flags = _flags(review, policies)
    return review


def _flags(r: HandoffReview, policies: Policies) -> list[Flag]:
    out: list[Flag] = []
    rec = r.record
    who = r.primary.incoming or "the incoming engineer"
    if rec is None or rec.acknowledged_at is None:
        if r.as_of > r.ack_due_by:
            late = human_duration(r.as_of - r.at)
            out.append(
                Flag(
                    "unacknowledged",
                    f"the handoff to {who} is not acknowledged {late} after the handoff; "
                    f"the policy asks for it within "
                    f"{policies.oncall.handoff.acknowledge_within_minutes:g} min",
                )
            )
    elif rec.acknowledged_at > r.ack_due_by:
        out.append(
            Flag(
                "acknowledged_late",
                f"acknowledged by {rec.acknowledged_by} "
                f"{human_duration(rec.acknowledged_at - r.at)} after the handoff",
            )
        )
    if policies.oncall.handoff.notes_required and not r.notes.strip():
        out.append(
            Flag(
                "notes_missing",
                f"{r.primary.outgoing or 'the outgoing engineer'} has not written handoff notes "
                "on ongoing issues yet (the policy requires them)",
            )
        )
    for f in r.rest:
        out.append(Flag("rest_rule", f.message(ZoneInfo(f.zone))))
    return out
