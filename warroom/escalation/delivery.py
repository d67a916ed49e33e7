"""Delivering the notifications a firing scheduled, with retries, never twice at once.

Each :class:`Delivery` row is claimed before it is sent (:mod:`.claims`: a lease token
per message, the rate limits of :mod:`.throttle` holding pages back and bundling them),
and the claim is confirmed right before the request (fencing), so two processes never
send the same notification. A process that dies after the claim leaves the lease to
expire and another one retries; one that died mid-send leaves a send in doubt, retried
and marked "may have been sent twice" (:mod:`.owners`: a live, suspended sender on this
machine gets the time to finish it first). A failure is retried with exponential
backoff and written on the timeline; after ``MAX_ATTEMPTS`` the delivery is given up,
also on the timeline.

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
import os
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from warroom.clock import utc
from warroom.durations import how_long
from warroom.escalation import throttle
from warroom.escalation.attempts import LEASE as LEASE
from warroom.escalation.attempts import SEND_TIMEOUT, apply_attempt, note_for
from warroom.escalation.attempts import Attempt as Attempt
from warroom.escalation.attempts import Claimed as Claimed
from warroom.escalation.attempts import Outcome as Outcome
from warroom.escalation.claims import claim_due as claim_due
from warroom.escalation.claims import confirm
from warroom.escalation.firing import ENGINE_AUTHOR
from warroom.incident.mutation import append_entry, record_change
from warroom.models import Delivery, EscalationFiring, Incident, TimelineEntry
from warroom.notify import DeliveryFailed, Sender
from warroom.store import Store

# Requests one sender has in flight at once: the default thread pool's size, so no
# request waits for a thread past the lease it was confirmed under.
SEND_SLOTS = min(32, (os.cpu_count() or 1) + 4)
# A request's timeout is counted in steps of this: a suspension of the process counts
# as one step, not as its length (see _answered).
TICK = 0.25
LAPSED = "the claim lapsed before the send"


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
    note = note_for(firing, d.person, d.method)
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


def _timeout(lease: timedelta) -> timedelta:
    """How long one request may take under ``lease``: 30 s, or half a shorter lease."""
    return min(SEND_TIMEOUT, lease / 2)


async def _answered(task: asyncio.Future[None], seconds: float) -> bool:
    """Wait for ``task`` at most ``seconds`` of this process's own time: a suspension
    (SIGSTOP, a laptop lid) counts for at most one :data:`TICK`, so a request started
    before it, and answered meanwhile or soon after, is read and recorded when the
    process wakes instead of counting as unanswered (it did go out)."""
    loop = asyncio.get_running_loop()
    left = seconds
    while left > 0:
        started = loop.time()
        done, _ = await asyncio.wait({task}, timeout=min(TICK, left))
        if done:
            return True
        left -= min(loop.time() - started, TICK)
    return task.done()


def _retrieve(task: asyncio.Future[None]) -> None:
    if not task.cancelled():
        task.exception()  # an abandoned send's error must not be logged as unretrieved


async def attempt(sender: Sender, c: Claimed, lease: timedelta = LEASE) -> Attempt:
    """Send one claimed (and confirmed) message, with the pages bundled in it; a
    failure is returned, never raised. A request gets at most :func:`_timeout`; one that
    was answered while this process was suspended (SIGSTOP: every deadline passes at
    once when it wakes) gets a moment to be read before it counts as unanswered."""
    if c.url is None and c.kind == "status":
        return Attempt(c, f"{c.person}'s destination is not in this configuration any more", True)
    if c.url is None:
        return Attempt(c, f"{c.person} has no {c.method} contact in roster.yaml", True)
    limit = _timeout(lease)
    task = asyncio.ensure_future(sender.send(c.url, throttle.bundle_message(c, c.bundle)))
    if not await _answered(task, limit.total_seconds()):
        task.add_done_callback(_retrieve)
        task.cancel()
        return Attempt(c, f"no answer within {how_long(limit)}", False, in_doubt=True)
    exc = task.exception()
    if isinstance(exc, DeliveryFailed):
        return Attempt(c, str(exc), exc.permanent)
    if exc is not None:  # a broken plugin must not stop the engine
        return Attempt(c, f"{type(exc).__name__}: {exc}", False)
    return Attempt(c, None, False)


async def send_all(
    store: Store, sender: Sender, claimed: list[Claimed], lease: timedelta = LEASE
) -> list[Outcome]:
    """Send claimed messages, :data:`SEND_SLOTS` at a time: each group is confirmed
    (fencing) right before its requests, sent concurrently and recorded in one
    transaction (one timeline entry each) before the next group starts; the claims
    still waiting keep their leases."""
    out: list[Outcome] = []
    queue = list(claimed)
    while queue:
        group, queue = queue[:SEND_SLOTS], queue[SEND_SLOTS:]
        sendable = [c for c in group if c.url is not None]
        go, lost = await confirm(store, sendable, lease, keep=queue)
        go += [c for c in group if c.url is None]
        attempts = list(await asyncio.gather(*(attempt(sender, c, lease) for c in go)))
        attempts += [Attempt(c, LAPSED, False, lapsed=True) for c in lost]
        out += await record(store, attempts)
    return out


async def confirm_claims(
    store: Store, claimed: list[Claimed], lease: timedelta = LEASE
) -> set[int]:
    """Confirm ``claimed`` (see :func:`.claims.confirm`): the delivery ids still ours,
    each marked as being sent."""
    go, lost = await confirm(store, claimed, lease)
    if lost:
        await record(store, [Attempt(c, LAPSED, False, lapsed=True) for c in lost])
    return {p.delivery_id for c in go for p in (c, *c.bundle)}


def _expand(a: Attempt) -> list[Attempt]:
    """A message's attempt, and the same result for every page bundled in it."""
    c = a.claimed
    return [a, *(replace(a, claimed=r, carrier=c) for r in c.bundle)]


async def record(store: Store, attempts: list[Attempt]) -> list[Outcome]:
    """Record the results of ``attempts`` (and of the pages bundled in them) in one
    transaction: one "paged ..." entry per page for the people reached together, one
    entry per failure and per bundled page."""
    every = [e for a in attempts for e in _expand(a)]

    async def work(s: AsyncSession) -> list[Outcome]:
        ids = [a.claimed.delivery_id for a in every]
        q = select(Delivery).where(col(Delivery.id).in_(ids))
        rows = {d.id: d for d in (await s.execute(q)).scalars()}  # the write lock is held
        iids = sorted({a.claimed.incident_id for a in every})
        q2 = (
            select(Incident)
            .where(col(Incident.id).in_(iids))
            .order_by(col(Incident.id))
            .with_for_update()
        )
        incs = {i.id: i for i in (await s.execute(q2)).scalars()}
        now = store.clock.now()
        out = []
        sent: dict[tuple[int, str], list[str]] = defaultdict(list)
        written: set[int] = set()
        for a in every:
            inc = incs[a.claimed.incident_id]
            outcome, kind, text = apply_attempt(rows[a.claimed.delivery_id], inc, a, now)
            if a.carrier is None:
                out.append(outcome)
            if text is None:  # a stale attempt's failure: the row is someone else's now
                continue
            if outcome.ok and a.claimed.kind == "page" and a.carrier is None:
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
