"""Claiming due notifications, and confirming the claims right before the sends.

:func:`claim_due` takes the due rows in one write transaction (SQLite's write lock; on
PostgreSQL an advisory lock serializes the claimers, so the rate limits see every
other sender's messages) and stamps each *message* with a fresh lease token: one row,
or a page and the pages of the same person and method bundled with it. On the way it
leaves a send in doubt to its live, suspended sender (:mod:`.owners`) and applies the
rate limits (:mod:`.throttle`): a page over its limit is held back, and rides in the
next message the limit allows. :func:`confirm` is the fencing: right before the
request, one transaction checks every row of the message is still under its token and
lease, marks the send started and renews the lease.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import not_, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from warroom.clock import utc
from warroom.comms.destinations import delivery_url
from warroom.escalation import throttle
from warroom.escalation.attempts import IN_DOUBT, LEASE, SENDING, Claimed, maybe_sent, note_for
from warroom.escalation.firing import ENGINE_AUTHOR
from warroom.escalation.owners import DOUBTS, new_token, recheck
from warroom.incident.mutation import append_entry
from warroom.models import Delivery, EscalationFiring, Incident, StatusUpdate
from warroom.notify import Message
from warroom.policy import Policies
from warroom.policy.roster import Roster
from warroom.store import Store

Limits = throttle.Limits
# PostgreSQL: the advisory lock every claimer takes (the rate limits count messages
# other senders claimed; two claims at once would both see room for one more).
CLAIM_LOCK = 0x5741_5252  # "WARR"


def page_message(firing: EscalationFiring, inc: Incident, label: str) -> Message:
    d = firing.detail
    drill = "[DRILL] " if inc.drill else ""
    title = f"{drill}SEV{d.get('severity', inc.severity)} {inc.ref}: {inc.title}"
    body = f"{drill}{d.get('summary', '')}. {d.get('action', '')}. You are paged as {label}."
    return Message(title=title, body=body)


def _status_claim(
    d: Delivery,
    update: StatusUpdate,
    inc: Incident,
    token: str,
    doubt: bool,
    policies: Policies | None,
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
        delivery_url(d, policies),  # resolved from the configuration, never stored
        Message(title=drill + title, body=update.text),
        d.person,
        what,
        kind="status",
        token=token,
        maybe_sent=doubt,
        ref=inc.ref or "",
    )


def _page_claim(
    d: Delivery,
    firing: EscalationFiring,
    inc: Incident,
    roster: Roster | None,
    token: str,
    doubt: bool,
) -> Claimed:
    note = note_for(firing, d.person, d.method)
    spec = roster.person(d.person) if roster else None
    url = dict(spec.contacts).get(d.method) if spec else None  # type: ignore[call-overload]
    label = str(note.get("label", "on the escalation"))
    return Claimed(
        d.id or 0,
        inc.id or 0,
        d.person,
        d.method,
        d.attempts,
        url,
        page_message(firing, inc, label),
        label,
        str(firing.detail.get("summary", "")),
        token=token,
        maybe_sent=doubt,
        ref=inc.ref or "",
    )


def _key(d: Delivery) -> throttle.Key:
    return (d.person.casefold(), d.method)


async def _history(
    s: AsyncSession, keys: set[throttle.Key], limits: Limits, now: datetime, skip: set[int]
) -> dict[throttle.Key, list[datetime]]:
    """Per (person, method): when the messages of the limits' windows went out. A
    message being sent right now (by any process, under its own token) counts as now."""
    q = select(Delivery.person, Delivery.method, Delivery.sent_at, Delivery.claimed_by).where(  # type: ignore[call-overload]
        col(Delivery.firing_id).is_not(None),
        col(Delivery.method).in_(sorted({m for _, m in keys})),
        or_(
            (col(Delivery.status) == "sent")
            & (col(Delivery.sent_at) > now - throttle.longest(limits)),
            (col(Delivery.status) == "pending")
            & col(Delivery.claimed_by).is_not(None)
            & (col(Delivery.claimed_by) != IN_DOUBT)
            & (col(Delivery.next_attempt_at) > now)
            & col(Delivery.id).not_in(sorted(skip) or [0]),
        ),
    )
    out: dict[throttle.Key, list[datetime]] = defaultdict(list)
    in_flight: set[tuple[throttle.Key, str]] = set()
    for person, method, sent_at, by in (await s.execute(q)).all():
        key = (str(person).casefold(), str(method))
        if key not in keys:
            continue
        if sent_at is not None:
            out[key].append(utc(sent_at))
        elif (key, str(by).removesuffix(SENDING)) not in in_flight:  # one per message
            in_flight.add((key, str(by).removesuffix(SENDING)))
            out[key].append(now)
    return out


async def _hold(
    s: AsyncSession, rows: dict[int, Delivery], held: dict[int, tuple[datetime, str]], now: datetime
) -> None:
    """Hold pages back until the limit allows them; say it once in each incident."""
    said: dict[int, list[str]] = defaultdict(list)
    for did, (until, why) in held.items():
        d = rows[did]
        first = not (d.last_error or "").startswith(throttle.HELD)
        d.next_attempt_at = until
        if not maybe_sent(d.claimed_by):
            d.claimed_by = None  # nobody holds it (a lapsed claim is let go)
        d.last_error = f"{throttle.HELD} until {until:%H:%M:%S} UTC: {why} to one person"
        if first and d.incident_id is not None:
            said[d.incident_id].append(throttle.held_text(d.person, d.method, until, why))
    if not said:
        return
    q = select(Incident).where(col(Incident.id).in_(sorted(said))).order_by(col(Incident.id))
    for inc in (await s.execute(q.with_for_update())).scalars():
        line = "; ".join(said[inc.id or 0])
        await append_entry(
            s,
            inc,
            at=now,
            recorded_at=now,
            author=ENGINE_AUTHOR,
            kind="delivery",
            text=line[0].upper() + line[1:] + ".",
            change_kind="delivery",
        )


async def _riders(
    s: AsyncSession, keys: set[throttle.Key], taken: set[int], avoid: Collection[int], now: datetime
) -> list[Delivery]:
    """The other pages of these people and methods that may go in their next message:
    due now, or held back by the limit earlier (not claimed by anyone, never a send in
    doubt: that one is its sender's until it is due)."""
    q = (
        select(Delivery)
        .where(
            col(Delivery.status) == "pending",
            col(Delivery.firing_id).is_not(None),
            col(Delivery.method).in_(sorted({m for _, m in keys})),
            col(Delivery.id).not_in(sorted(taken | set(avoid)) or [0]),
            or_(
                (col(Delivery.next_attempt_at) <= now)
                & or_(
                    col(Delivery.claimed_by).is_(None),
                    not_(col(Delivery.claimed_by).endswith(SENDING)),
                ),
                col(Delivery.claimed_by).is_(None)
                & col(Delivery.last_error).startswith(throttle.HELD),
            ),
        )
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return [d for d in (await s.execute(q)).scalars() if _key(d) in keys]


async def claim_due(
    store: Store,
    roster: Roster | None,
    limit: int = 50,
    *,
    only: list[int] | None = None,
    sending: Collection[int] = (),
    policies: Policies | None = None,
    lease: timedelta = LEASE,
    limits: Limits | None = None,
) -> list[Claimed]:
    """Claim up to ``limit`` notifications due now (of ``only`` these deliveries, when
    given; never those in ``sending``, the caller's own sends still in flight, whose
    lease may have run out on a fast drill clock); each claimed message is ours alone to
    send. ``policies`` resolve the status updates' destinations. ``limits``: the rate
    limits per contact method (none when None): a page over its limit is held back, and
    the pages of one person and method that may go together ride in one message (the
    first claimed; the others in its ``bundle``)."""
    now = store.clock.now()
    due = (
        select(Delivery)
        .where(col(Delivery.status) == "pending", col(Delivery.next_attempt_at) <= now)
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(limit)
    )
    if only is not None:
        due = due.where(col(Delivery.id).in_(only))
    if sending:
        due = due.where(col(Delivery.id).not_in(list(sending)))
    async with store.read() as s:  # cheap check first: most ticks have nothing to send
        if (await s.execute(due.with_only_columns(col(Delivery.id)).limit(1))).first() is None:
            return []

    async def work(s: AsyncSession) -> list[Claimed]:
        if limits and not store.is_sqlite:
            await s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CLAIM_LOCK})
        locked = due.with_for_update(skip_locked=True).execution_options(populate_existing=True)
        rows = {d.id or 0: d for d in (await s.execute(locked)).scalars()}
        for did in list(rows):  # a send in doubt whose live (suspended) sender may finish it
            if DOUBTS.leave_to_owner(rows[did].claimed_by, now, lease):
                rows[did].next_attempt_at = now + recheck(lease)
                del rows[did]
        messages: list[list[int]] = [[i] for i, d in rows.items() if d.firing_id is None]
        pages = [i for i, d in rows.items() if d.firing_id is not None]
        if limits and pages:
            keys = {_key(rows[i]) for i in pages}
            for d in await _riders(s, keys, set(rows), sending, now):
                rows[d.id or 0] = d
                pages.append(d.id or 0)
            pages.sort(key=lambda i: (utc(rows[i].next_attempt_at or now), i))
            history = await _history(s, keys, limits, now, set(rows))
            shaped = throttle.shape(
                [throttle.Page(i, rows[i].person, rows[i].method) for i in pages],
                history,
                limits,
                now,
            )
            await _hold(s, rows, {i: v for i, v in shaped.held.items() if _due(rows[i], now)}, now)
            messages += shaped.messages
        else:
            messages += [[i] for i in pages]
        if not messages:
            return []
        doubt = {i for m in messages for i in m if maybe_sent(rows[i].claimed_by)}
        tokens: dict[int, str] = {}
        for m in messages:
            token = new_token()
            for i in m:
                d = rows[i]
                d.attempts += 1
                d.next_attempt_at = now + lease
                d.claimed_by = tokens[i] = token
        await s.flush()
        return await _claims(s, rows, messages, roster, tokens, doubt, policies)

    return await store.transaction(work)


def _due(d: Delivery, now: datetime) -> bool:
    """A page to hold back now: due (one held earlier and not yet due stays as it is)."""
    return d.next_attempt_at is not None and utc(d.next_attempt_at) <= now


async def _claims(
    s: AsyncSession,
    rows: dict[int, Delivery],
    messages: list[list[int]],
    roster: Roster | None,
    tokens: dict[int, str],
    doubt: set[int],
    policies: Policies | None,
) -> list[Claimed]:
    ids = [i for m in messages for i in m]
    q = (
        select(Delivery.id, EscalationFiring, StatusUpdate, Incident)  # type: ignore[call-overload]
        .outerjoin(EscalationFiring, col(EscalationFiring.id) == col(Delivery.firing_id))
        .outerjoin(StatusUpdate, col(StatusUpdate.id) == col(Delivery.status_update_id))
        .join(Incident, col(Incident.id) == col(Delivery.incident_id))
        .where(col(Delivery.id).in_(ids))
    )
    one: dict[int, Claimed] = {}
    for did, firing, status_update, inc in (await s.execute(q)).all():
        d, token = rows[did], tokens[did]
        if firing is not None:
            one[did] = _page_claim(d, firing, inc, roster, token, did in doubt)
        elif status_update is not None:
            one[did] = _status_claim(d, status_update, inc, token, did in doubt, policies)
    out: list[Claimed] = []
    for m in messages:
        parts = [one[i] for i in m if i in one]
        if parts:
            head, *rest = parts
            out.append(replace(head, bundle=tuple(rest)) if rest else head)
    return out


async def confirm(
    store: Store,
    claimed: list[Claimed],
    lease: timedelta = LEASE,
    *,
    keep: Collection[Claimed] = (),
) -> tuple[list[Claimed], list[Claimed]]:
    """Right before the sends: which messages are still ours? In one transaction each
    row of each message is checked for its token and lease, marked as being sent and its
    lease renewed from now (the request, bounded by its timeout, ends well within it):
    a sender suspended past its lease finds another sender's token and never sends
    from its stale batch. A page of a bundle that is not ours any more (acknowledged
    meanwhile, or taken over) is left out of the message. ``keep``: the caller's claims
    still waiting for their turn, whose leases are renewed too.

    Returns (the messages to send, the claims not ours any more: nothing of theirs may
    go out)."""
    now = store.clock.now()

    def ours_of(c: Claimed, state: dict[int, tuple[str | None, str, datetime | None]]) -> bool:
        by, status, until = state.get(c.delivery_id, (None, "", None))
        return by == c.token and status == "pending" and until is not None and utc(until) > now

    async def work(s: AsyncSession) -> tuple[list[Claimed], list[Claimed]]:
        parts = [p for c in claimed for p in (c, *c.bundle)]
        q = (
            select(Delivery.id, Delivery.claimed_by, Delivery.status, Delivery.next_attempt_at)  # type: ignore[call-overload]
            .where(col(Delivery.id).in_([p.delivery_id for p in parts]))
            .with_for_update()
        )
        state = {i: (by, st, at) for i, by, st, at in (await s.execute(q)).all()}
        go: list[Claimed] = []
        lost: list[Claimed] = []
        marked: list[Claimed] = []
        for c in claimed:
            riders = tuple(r for r in c.bundle if ours_of(r, state))
            if not ours_of(c, state):
                lost.append(replace(c, bundle=()))
                lost += list(riders)  # ours, but the message is not: let them go
                continue
            lost += [r for r in c.bundle if r not in riders]
            go.append(replace(c, bundle=riders))
            marked += [c, *riders]
        for p in marked:
            await s.execute(
                update(Delivery)
                .where(col(Delivery.id) == p.delivery_id)
                .values(claimed_by=p.token + SENDING, next_attempt_at=now + lease)
                .execution_options(synchronize_session=False)
            )
        for p in {p.token: p for p in keep}.values():  # one statement per waiting message
            await s.execute(
                update(Delivery)
                .where(
                    col(Delivery.claimed_by) == p.token,
                    col(Delivery.status) == "pending",
                    col(Delivery.next_attempt_at) > now,
                )
                .values(next_attempt_at=now + lease)
                .execution_options(synchronize_session=False)
            )
        return go, lost

    if not claimed and not keep:
        return [], []
    return await store.transaction(work)
