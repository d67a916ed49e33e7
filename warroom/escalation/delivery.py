"""Delivering the notifications a firing scheduled, with retries, never twice at once.

Each :class:`Delivery` row is claimed before it is sent by a conditional update
(``attempts`` moves on and ``next_attempt_at`` becomes a lease), so two processes never
send the same notification at the same time. A process that dies after the claim
leaves the lease to expire and another one retries (at-least-once in that one case).
A failure is retried with exponential backoff and written on the timeline; after
``MAX_ATTEMPTS`` the delivery is given up, also on the timeline.

The same outbox carries stakeholder status updates (``Delivery.status_update_id``, see
:mod:`warroom.comms`): one row per destination URL, sent and retried the same way, never
stopped by an acknowledgment or a resolution (the all-clear goes out after it); an
update still waiting for a destination is superseded (cancelled) when a newer update
of the same incident is queued to it, so readers never get them out of order.

A pending notification is stopped (status ``cancelled``) when the incident is
resolved, when a ``no_ack`` step's incident is acknowledged, or when the person (or
someone before them in the escalation chain) acknowledged: acked the incident or wrote
on its timeline after the page.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from warroom.clock import utc
from warroom.escalation.attempts import LEASE as LEASE
from warroom.escalation.attempts import SEND_TIMEOUT, SENDING, apply_attempt
from warroom.escalation.attempts import Attempt as Attempt
from warroom.escalation.attempts import Claimed as Claimed
from warroom.escalation.attempts import Outcome as Outcome
from warroom.escalation.firing import ENGINE_AUTHOR
from warroom.incident.mutation import append_entry, record_change
from warroom.models import Delivery, EscalationFiring, Incident, StatusUpdate, TimelineEntry
from warroom.notify import DeliveryFailed, Message, Sender
from warroom.policy.roster import Roster
from warroom.store import Store


def _note(firing: EscalationFiring, person: str, method: str) -> dict[str, Any]:
    for n in firing.detail.get("notifications", []):
        if n.get("person", "").casefold() == person.casefold() and n.get("method") == method:
            return dict(n)
    return {}


async def _acked_people(s: AsyncSession, incident_ids: list[int]) -> dict[int, dict[str, datetime]]:
    """Per incident: person (casefolded) -> the last time they wrote on its timeline."""
    q = (
        select(TimelineEntry.incident_id, TimelineEntry.author, func.max(TimelineEntry.recorded_at))  # type: ignore[call-overload]
        .where(TimelineEntry.incident_id.in_(incident_ids), TimelineEntry.author != ENGINE_AUTHOR)  # type: ignore[attr-defined]
        .group_by(TimelineEntry.incident_id, TimelineEntry.author)
    )
    out: dict[int, dict[str, datetime]] = defaultdict(dict)
    for iid, author, at in (await s.execute(q)).all():
        key = author.casefold()
        at = utc(at)
        if key not in out[iid] or at > out[iid][key]:
            out[iid][key] = at
    return out


def stop_reason(
    d: Delivery,
    firing: EscalationFiring,
    inc: Incident,
    active: dict[str, datetime],
) -> str | None:
    """Why this pending notification should not go out any more (None: send it)."""
    if inc.resolved_at is not None:
        return f"{inc.ref} was resolved"
    if firing.detail.get("condition") == "no_ack" and inc.acknowledged_at is not None:
        return f"{inc.ref} was acknowledged by {inc.acknowledged_by or 'someone'}"
    note = _note(firing, d.person, d.method)
    for who in note.get("stop_if_acked", []):
        seen = active.get(who.casefold())
        if seen is not None and seen >= firing.fired_at:
            return f"{who} acknowledged"
    return None


async def _load(
    s: AsyncSession, deliveries: list[Delivery]
) -> tuple[dict[int, EscalationFiring], dict[int, Incident], dict[int, dict[str, datetime]]]:
    fids = sorted({d.firing_id for d in deliveries if d.firing_id is not None})
    iids = sorted({d.incident_id for d in deliveries if d.incident_id is not None})
    firings = {
        f.id: f
        for f in (
            await s.execute(select(EscalationFiring).where(EscalationFiring.id.in_(fids)))  # type: ignore[union-attr]
        ).scalars()
    }
    incs = {
        i.id: i
        for i in (await s.execute(select(Incident).where(Incident.id.in_(iids)))).scalars()  # type: ignore[union-attr]
    }
    return firings, incs, await _acked_people(s, iids)  # type: ignore[return-value]


async def stop_acknowledged(store: Store) -> int:
    """Cancel every pending notification that should no longer go out; one timeline
    entry per page says what was not sent and why. Returns how many were stopped."""

    async def work(s: AsyncSession) -> int:
        pending = list(
            (await s.execute(select(Delivery).where(col(Delivery.status) == "pending"))).scalars()
        )
        if not pending:
            return 0
        now = store.clock.now()
        firings, incs, active = await _load(s, pending)
        stopped: dict[tuple[int, str], list[Delivery]] = defaultdict(list)
        for d in pending:
            firing = firings.get(d.firing_id)  # type: ignore[arg-type]
            inc = incs.get(d.incident_id)  # type: ignore[arg-type]
            if firing is None or inc is None:
                continue
            reason = stop_reason(d, firing, inc, active.get(inc.id or 0, {}))
            if reason:
                d.status = "cancelled"
                d.last_error = f"not sent: {reason}"
                d.next_attempt_at = None
                stopped[(firing.id or 0, reason)].append(d)
        for (fid, reason), ds in stopped.items():
            firing = firings[fid]
            inc = incs[firing.incident_id]
            names = ", ".join(f"{d.person} via {d.method}" for d in ds)
            step_id = firing.detail.get("step_id", firing.step_key)
            text = f"Stopped paging for {step_id}: {reason}; not sent: {names}."
            await append_entry(
                s, inc, at=now, recorded_at=now, author=ENGINE_AUTHOR, kind="delivery", text=text
            )
        return sum(len(v) for v in stopped.values())

    # Read first (cheap), write only when something is to be stopped.
    async with store.read() as s:
        pending = list(
            (await s.execute(select(Delivery).where(col(Delivery.status) == "pending"))).scalars()
        )
        if not pending:
            return 0
        firings, incs, active = await _load(s, pending)
        anything = any(
            stop_reason(d, firings[d.firing_id], incs[d.incident_id], active.get(d.incident_id, {}))  # type: ignore[index, arg-type]
            for d in pending
            if d.firing_id in firings and d.incident_id in incs
        )
    return await store.transaction(work) if anything else 0


async def next_due(store: Store) -> datetime | None:
    """When the next pending notification is due (cheap)."""
    async with store.read() as s:
        q = select(func.min(Delivery.next_attempt_at)).where(Delivery.status == "pending")  # type: ignore[arg-type]
        at = (await s.execute(q)).scalar()
    return utc(at) if at is not None else None


def _message(firing: EscalationFiring, inc: Incident, label: str) -> Message:
    d = firing.detail
    drill = "[DRILL] " if inc.drill else ""
    title = f"{drill}SEV{d.get('severity', inc.severity)} {inc.ref}: {inc.title}"
    body = f"{drill}{d.get('summary', '')}. {d.get('action', '')}. You are paged as {label}."
    return Message(title=title, body=body)


def _status_claim(
    d: Delivery, update: StatusUpdate, inc: Incident, token: str, maybe_sent: bool
) -> Claimed:
    drill = "[DRILL] " if inc.drill else ""
    what = f"{update.audience} status update" + (f" ({update.stage})" if update.stage else "")
    title = d.title or f"{inc.ref} status update"
    return Claimed(
        d.id or 0,
        inc.id or 0,
        d.person,
        d.method,
        d.attempts,
        d.url,
        Message(title=drill + title, body=update.text),
        d.person,
        what,
        kind="status",
        token=token,
        maybe_sent=maybe_sent,
    )


async def claim_due(
    store: Store,
    roster: Roster | None,
    limit: int = 50,
    *,
    only: list[int] | None = None,
    sending: Collection[int] = (),
) -> list[Claimed]:
    """Claim up to ``limit`` notifications due now (of ``only`` these deliveries, when
    given; never those in ``sending``, the caller's own sends still in flight, whose
    lease may have run out on a fast drill clock); each claimed one is ours alone to send.

    One conditional UPDATE stamps them with a fresh token and a lease; whoever's token
    a row carries afterwards owns that attempt."""
    now = store.clock.now()
    token = uuid.uuid4().hex
    due = (
        select(col(Delivery.id))
        .where(col(Delivery.status) == "pending", col(Delivery.next_attempt_at) <= now)
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(limit)
    )
    if only is not None:
        due = due.where(col(Delivery.id).in_(only))
    if sending:
        due = due.where(col(Delivery.id).not_in(list(sending)))
    async with store.read() as s:  # cheap check first: most ticks have nothing to send
        if (await s.execute(due.limit(1))).first() is None:
            return []

    async def work(s: AsyncSession) -> list[Claimed]:
        ids = list((await s.execute(due)).scalars())
        if not ids:
            return []
        q_prev = select(col(Delivery.id), col(Delivery.claimed_by)).where(col(Delivery.id).in_(ids))
        started = {i for i, by in (await s.execute(q_prev)).all() if (by or "").endswith(SENDING)}
        await s.execute(
            update(Delivery)
            .where(
                col(Delivery.id).in_(ids),
                col(Delivery.status) == "pending",
                col(Delivery.next_attempt_at) <= now,
            )
            .values(attempts=Delivery.attempts + 1, next_attempt_at=now + LEASE, claimed_by=token)
            .execution_options(synchronize_session=False)
        )
        rows = (
            await s.execute(
                select(Delivery, EscalationFiring, StatusUpdate, Incident)
                .outerjoin(EscalationFiring, col(EscalationFiring.id) == col(Delivery.firing_id))
                .outerjoin(StatusUpdate, col(StatusUpdate.id) == col(Delivery.status_update_id))
                .join(Incident, col(Incident.id) == col(Delivery.incident_id))
                .where(col(Delivery.claimed_by) == token, col(Delivery.id).in_(ids))
                .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
                .execution_options(populate_existing=True)
            )
        ).all()
        out: list[Claimed] = []
        for d, firing, status_update, inc in rows:
            if firing is None:
                if status_update is not None:
                    out.append(_status_claim(d, status_update, inc, token, d.id in started))
                continue
            note = _note(firing, d.person, d.method)
            spec = roster.person(d.person) if roster else None
            url = dict(spec.contacts).get(d.method) if spec else None  # type: ignore[call-overload]
            label = str(note.get("label", "on the escalation"))
            out.append(
                Claimed(
                    d.id or 0,
                    inc.id or 0,
                    d.person,
                    d.method,
                    d.attempts,
                    url,
                    _message(firing, inc, label),
                    label,
                    str(firing.detail.get("summary", "")),
                    token=token,
                    maybe_sent=d.id in started,
                )
            )
        return out

    return await store.transaction(work)


async def confirm_claims(store: Store, claimed: list[Claimed]) -> set[int]:
    """Right before the sends: which claims are still ours? A conditional UPDATE per
    row checks the token and the lease and marks the send started (fencing), all in
    one transaction: a sender suspended past its lease finds another sender's token
    and never sends from its stale batch. Returns the delivery ids still ours."""
    now = store.clock.now()

    async def work(s: AsyncSession) -> set[int]:
        ours: set[int] = set()
        for c in claimed:
            done = await s.execute(
                update(Delivery)
                .where(
                    col(Delivery.id) == c.delivery_id,
                    col(Delivery.claimed_by) == c.token,
                    col(Delivery.status) == "pending",
                    col(Delivery.next_attempt_at) > now,
                )
                .values(claimed_by=c.token + SENDING)
                .execution_options(synchronize_session=False)
            )
            if getattr(done, "rowcount", 0):
                ours.add(c.delivery_id)
        return ours

    return await store.transaction(work)


async def attempt(sender: Sender, c: Claimed) -> Attempt:
    """Send one claimed (and confirmed) notification; a failure is returned, never
    raised."""
    if c.url is None and c.kind == "status":
        return Attempt(c, "the destination has no URL", True)
    if c.url is None:
        return Attempt(c, f"{c.person} has no {c.method} contact in roster.yaml", True)
    try:
        await asyncio.wait_for(sender.send(c.url, c.message), SEND_TIMEOUT.total_seconds())
    except TimeoutError:
        return Attempt(c, f"no answer within {SEND_TIMEOUT.seconds} s", False)
    except DeliveryFailed as exc:
        return Attempt(c, str(exc), exc.permanent)
    except Exception as exc:  # a broken plugin must not stop the engine
        return Attempt(c, f"{type(exc).__name__}: {exc}", False)
    return Attempt(c, None, False)


async def send_all(store: Store, sender: Sender, claimed: list[Claimed]) -> list[Outcome]:
    """Send claimed notifications concurrently, then record every result in one
    transaction (one timeline entry each)."""
    sendable = [c for c in claimed if c.url is not None]
    ours = await confirm_claims(store, sendable) if sendable else set()
    go = [c for c in claimed if c.url is None or c.delivery_id in ours]
    attempts = await asyncio.gather(*(attempt(sender, c) for c in go))
    lapsed = [
        Outcome(c.delivery_id, c.person, c.method, False, "the claim lapsed before the send")
        for c in claimed
        if c.url is not None and c.delivery_id not in ours
    ]
    return (await record(store, list(attempts)) if attempts else []) + lapsed


async def record(store: Store, attempts: list[Attempt]) -> list[Outcome]:
    async def work(s: AsyncSession) -> list[Outcome]:
        ids = [a.claimed.delivery_id for a in attempts]
        q = select(Delivery).where(col(Delivery.id).in_(ids))
        rows = {d.id: d for d in (await s.execute(q)).scalars()}  # the write lock is held
        iids = sorted({a.claimed.incident_id for a in attempts})
        q2 = (
            select(Incident)
            .where(col(Incident.id).in_(iids))
            .order_by(col(Incident.id))
            .with_for_update()
        )
        incs = {i.id: i for i in (await s.execute(q2)).scalars()}
        now = store.clock.now()
        out = []
        # One "paged ..." entry per page for the people reached together; one entry per
        # failure.
        sent: dict[tuple[int, str], list[str]] = defaultdict(list)
        written: set[int] = set()
        for a in attempts:
            inc = incs[a.claimed.incident_id]
            outcome, kind, text = apply_attempt(rows[a.claimed.delivery_id], inc, a, now)
            out.append(outcome)
            if text is None:  # a stale attempt's failure: the row is someone else's now
                continue
            if outcome.ok and a.claimed.kind == "page":
                sent[(inc.id or 0, a.claimed.summary)].append(text)
                continue
            written.add(await engine_entry(s, inc, kind, text, now))
        for (iid, what), whos in sent.items():
            text = f"paged {', '.join(whos)}: {what}"
            written.add(await engine_entry(s, incs[iid], "page", text, now))
        for iid in set(iids) - written:  # only stale attempts: still a change of its rows
            record_change(s, iid, "delivery", now)
        return out

    return await store.transaction(work) if attempts else []


async def engine_entry(s: AsyncSession, inc: Incident, kind: str, text: str, now: datetime) -> int:
    """An entry by the engine; its change-feed row says ``delivery`` (the engine's own
    loop does not re-plan for it). Returns the incident id."""
    await append_entry(
        s,
        inc,
        at=now,
        recorded_at=now,
        author=ENGINE_AUTHOR,
        kind=kind,
        text=text,
        change_kind="delivery",
    )
    return inc.id or 0
