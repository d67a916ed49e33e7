"""Firing a due step exactly once.

A due step fires by inserting its :class:`EscalationFiring` row (unique per incident
and step key) in a write transaction that first re-reads the incident and re-plans
it, so an ack or a resolution that landed meanwhile is honoured and a step another
process fired is seen as fired. Only the winner appends the ``page`` timeline entry
and its change-feed row (:func:`~warroom.incident.mutation.append_entry`) and
schedules the :class:`Delivery` rows; several consoles and ``warroom watch`` processes
on one database therefore never page twice. On PostgreSQL two transactions can still
race to the insert: the loser's unique violation rolls its whole transaction back and
it fires nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from warroom.clock import utc
from warroom.durations import how_long
from warroom.escalation.engine import IncidentSnapshot, Step, late_by, plan, recorded
from warroom.escalation.snapshot import snapshots_in
from warroom.escalation.targets import Notification, Resolution, notifications, resolve
from warroom.incident.mutation import append_entry
from warroom.models import Delivery, EscalationFiring, Incident, OncallOverride, TimelineEntry
from warroom.policy import Policies
from warroom.policy.roster import Roster
from warroom.store import Store
from warroom.timeparse import iso_z

ENGINE_AUTHOR = "warroom"


@dataclass(frozen=True)
class Fired:
    incident_id: int
    ref: str
    step: Step
    fired_at: datetime
    late: timedelta  # how late it fired (zero when on time)
    text: str  # the timeline entry


def summary(step: Step, snap: IncidentSnapshot) -> str:
    """'SEV1 INC-7 unacknowledged for 15 min'."""
    if step.after_minutes == 0:
        return f"SEV{step.severity} {snap.ref}: {snap.title}"
    minutes = round((step.due_at - snap.declared_at).total_seconds() / 60, 1)
    state = "unacknowledged" if step.condition == "no_ack" else "unresolved"
    return f"SEV{step.severity} {snap.ref} {state} for {minutes:g} min"


def lateness(late: timedelta, entered: tuple[str, timedelta] | None, threshold: timedelta) -> str:
    """Why a firing ``late`` past its due time went out late ("" within ``threshold``).

    ``entered``: the declaration or severity change that made the step due was recorded
    this long after the due time (its timeline kind, the delay). The engine could not
    fire before that (``declare --at`` an earlier time pages at once); only the rest of
    the delay is the engine not running."""
    if late <= threshold:
        return ""
    if entered is None or entered[1] <= threshold:
        return f" Fired {how_long(late)} late (the engine was not running when it was due)."
    kind, lag = entered
    what = "the declaration" if kind == "declared" else "the severity change"
    why = f"{what} was entered after the fact, when this step was already due"
    asleep = late - lag
    if asleep > threshold:
        why += f", and the engine was not running for {how_long(asleep)} after that"
    return f" Fired {how_long(late)} late ({why})."


async def entered_late(
    s: AsyncSession, incident_id: int, due_at: datetime
) -> tuple[str, timedelta] | None:
    """The declaration or severity change (at or before ``due_at``) recorded last, when it
    was recorded after ``due_at``: (its timeline kind, how long after)."""
    q = (
        select(TimelineEntry.kind, TimelineEntry.recorded_at)  # type: ignore[call-overload]
        .where(
            col(TimelineEntry.incident_id) == incident_id,
            col(TimelineEntry.kind).in_(("declared", "severity")),
            col(TimelineEntry.at) <= due_at,
        )
        .order_by(col(TimelineEntry.recorded_at).desc())
        .limit(1)
    )
    row = (await s.execute(q)).first()
    if row is None or utc(row[1]) <= due_at:
        return None
    return str(row[0]), utc(row[1]) - due_at


async def covers_at(s: AsyncSession, at: datetime) -> list[OncallOverride]:
    """The on-call overrides in force at ``at`` (cancelled ones left out)."""
    q = select(OncallOverride).where(
        col(OncallOverride.starts_at) <= at,
        col(OncallOverride.ends_at) > at,
        col(OncallOverride.cancelled_at).is_(None),
    )
    return list((await s.execute(q)).scalars())


async def fire_due(
    store: Store,
    policies: Policies,
    roster: Roster | None,
    incident_ids: Sequence[int],
    *,
    fired_by: str,
    late_threshold: timedelta = timedelta(seconds=60),
) -> list[Fired]:
    """Fire every step of these incidents that is due now, in order, in one write
    transaction; returns what this process fired (empty when another one got there
    first or nothing is due)."""

    async def work(s: AsyncSession) -> list[Fired]:
        q = (
            select(Incident)
            .where(col(Incident.id).in_(list(incident_ids)))
            .order_by(col(Incident.id))
            .with_for_update()  # PostgreSQL: one writer per incident chain, as in commands
        )
        incidents = list((await s.execute(q)).scalars())  # the write lock is held from here
        now = store.clock.now()
        snaps = await snapshots_in(s, incidents)
        out: list[Fired] = []
        covers: list[OncallOverride] | None = None
        for inc in sorted(incidents, key=lambda i: i.id or 0):
            snap = recorded(snaps[inc.id or 0], now)
            due = plan(policies, snap, now).due
            if not due:
                continue
            if covers is None:
                covers = await covers_at(s, now)
            ic = snap.incident_commander
            batch: list[_Scheduled] = []
            for step in due:
                who = resolve(roster, step.targets, now, ic, covers)
                batch.append(
                    _Scheduled(
                        step,
                        who,
                        notifications(policies, roster, who, step.urgency, now, ic, covers),
                    )
                )
            _merge(batch)
            await _supersede(s, snap.incident_id, batch, now)
            for item in batch:
                out.append(await _fire(s, roster, inc, snap, item, now, fired_by, late_threshold))
        return out

    try:
        return await store.transaction(work)
    except IntegrityError:
        return []  # another process won the insert (PostgreSQL); it pages, we do not


@dataclass
class _Scheduled:
    """A step about to fire, who it pages and the notifications it will send."""

    step: Step
    who: Resolution
    plan: list[Notification]
    covered: dict[str, str] = field(default_factory=dict)  # person -> later step paging them
    superseded: list[str] = field(default_factory=list)  # overdue notifications it replaces
    due_now: set[tuple[str, str]] = field(default_factory=set)  # (person, method) replaced


def _covers(later: _Scheduled, m: Notification, earlier: _Scheduled, n: Notification) -> bool:
    """Whether ``m`` (of a later step fired in the same pass) makes ``n`` redundant: the
    same person and method, no later, and stopped by nothing that would not stop ``n``."""
    return (
        m.person.casefold() == n.person.casefold()
        and m.method == n.method
        and m.offset_minutes <= n.offset_minutes
        and (later.step.condition == "unresolved" or earlier.step.condition == "no_ack")
        and {p.casefold() for p in m.stop_if_acked} <= {p.casefold() for p in n.stop_if_acked}
    )


def _merge(batch: list[_Scheduled]) -> None:
    """Several steps of one incident firing at once (a catch-up after a sleep, a
    declaration or severity change entered after the fact): each person is notified by
    each method once, with the latest step's page, not once per step."""
    for i, earlier in enumerate(batch):
        keep: list[Notification] = []
        for n in earlier.plan:
            later = next(
                (
                    b
                    for b in reversed(batch[i + 1 :])
                    if any(_covers(b, m, earlier, n) for m in b.plan)
                ),
                None,
            )
            if later is None:
                keep.append(n)
            else:
                earlier.covered.setdefault(n.person, later.step.step_id)
        earlier.plan = keep
        still = {n.person.casefold() for n in keep}  # say "notified once" of whom it is true
        earlier.covered = {p: s for p, s in earlier.covered.items() if p.casefold() not in still}


async def _supersede(
    s: AsyncSession, incident_id: int, batch: list[_Scheduled], now: datetime
) -> None:
    """Pending notifications of earlier pages of this incident, overdue (their sender
    was not running) and to a person and method a page fired now notifies again, are
    not sent: the person gets the new page instead, not both at once, and now (a
    replacement the new page would send later, a level further up its chain, goes out
    at once: it never delays a notification that is due)."""
    fresh: dict[tuple[str, str], _Scheduled] = {}
    for item in batch:
        for n in item.plan:
            fresh[(n.person.casefold(), n.method)] = item  # the latest step wins
    if not fresh:
        return
    q = (
        select(Delivery, EscalationFiring.step_key)  # type: ignore[call-overload]
        .join(EscalationFiring, col(EscalationFiring.id) == col(Delivery.firing_id))
        .where(
            col(Delivery.incident_id) == incident_id,
            col(Delivery.status) == "pending",
            col(Delivery.next_attempt_at) <= now,  # not leased to a sender right now
        )
        .order_by(col(Delivery.id))
    )
    for d, key in (await s.execute(q)).all():
        by = fresh.get((d.person.casefold(), d.method))
        if by is not None:
            d.status, d.next_attempt_at = "cancelled", None
            d.last_error = f"not sent: superseded by {by.step.step_id}, fired at {iso_z(now)}"
            by.superseded.append(f"{d.person} via {d.method} ({key})")
            by.due_now.add((d.person.casefold(), d.method))


async def _fire(
    s: AsyncSession,
    roster: Roster | None,
    inc: Incident,
    snap: IncidentSnapshot,
    item: _Scheduled,
    now: datetime,
    fired_by: str,
    late_threshold: timedelta,
) -> Fired:
    step, who, plan_ = item.step, item.who, item.plan
    late = late_by(step, now)
    what = summary(step, snap)
    detail: dict[str, Any] = {
        "step_id": step.step_id,
        "severity": step.severity,
        "condition": step.condition,
        "after_minutes": step.after_minutes,
        "action": step.action,
        "urgency": step.urgency,
        "summary": what,
        "late_seconds": round(late.total_seconds(), 3),
        "recipients": [
            {"person": r.person, "target": r.target, "label": r.label} for r in who.recipients
        ],
        "unfilled": list(who.unfilled),
        "notifications": [
            {
                "person": n.person,
                "method": n.method,
                "offset_minutes": n.offset_minutes,
                "target": n.target,
                "label": n.label,
                "stop_if_acked": list(n.stop_if_acked),
            }
            for n in plan_
        ],
    }
    firing = EscalationFiring(
        incident_id=snap.incident_id,
        step_key=step.key,
        due_at=step.due_at,
        fired_at=now,
        fired_by=fired_by,
        detail=detail,
    )
    s.add(firing)
    await s.flush()  # the unique insert: raises IntegrityError for the loser
    unreachable: list[str] = []
    for n in plan_:
        if n.contact is None:
            unreachable.append(n.person)
        replaces = (n.person.casefold(), n.method) in item.due_now
        s.add(
            Delivery(
                firing_id=firing.id,
                incident_id=snap.incident_id,
                person=n.person,
                method=n.method,
                status="pending" if n.contact else "failed",
                last_error=None if n.contact else f"{n.person} has no contact in roster.yaml",
                next_attempt_at=now + timedelta(minutes=0 if replaces else n.offset_minutes),
                created_at=now,
            )
        )
    text = _firing_text(step, what, who.recipients, who.unfilled, unreachable, roster)
    if item.covered:
        by: dict[str, list[str]] = {}
        for person, later in item.covered.items():
            by.setdefault(later, []).append(person)
        text += "".join(
            f" {', '.join(sorted(set(people)))}: notified once, by {later} fired with it."
            for later, people in by.items()
        )
    if item.superseded:
        text += f" Not sent, as this page replaces them: {', '.join(item.superseded)}."
    if late > late_threshold:
        entered = await entered_late(s, snap.incident_id, step.due_at)
        text += lateness(late, entered, late_threshold)
    await append_entry(
        s,
        inc,
        at=now,
        recorded_at=now,
        author=ENGINE_AUTHOR,
        kind="page",
        text=text,
        key_event=True,
    )
    return Fired(snap.incident_id, snap.ref, step, now, late, text)


def _firing_text(
    step: Step,
    what: str,
    recipients: tuple[Any, ...],
    unfilled: tuple[str, ...],
    unreachable: list[str],
    roster: Roster | None,
) -> str:
    people = ", ".join(f"{r.person} ({r.label})" for r in recipients)
    text = f"Escalation {step.step_id}: {what}. {step.action}"
    text += f"; paging {people}." if people else "; nobody could be paged."
    if roster is None:
        text += " There is no roster.yaml beside the policies, so nobody can be paged."
    elif unfilled:
        text += f" Nobody fills {', '.join(unfilled)} (see roster.yaml)."
    if unreachable:
        text += f" No contact method for {', '.join(sorted(set(unreachable)))}."
    return text
