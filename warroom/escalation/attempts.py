"""What a delivery attempt is and what its result does to the outbox row: the claim
(:class:`Claimed`), the try (:class:`Attempt`), the result (:class:`Outcome`), the
retry backoff and :func:`apply_attempt`. Pure: no I/O (see :mod:`.delivery`).

A row's ``claimed_by`` says who holds it: nobody (None), a sender's lease token (the
lease runs until ``next_attempt_at``), the token with :data:`SENDING` (that sender
confirmed the claim and started the send; no result recorded yet) or :data:`IN_DOUBT`
(the last send got no answer in time: it may have gone out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from warroom.durations import how_long
from warroom.models import Delivery, EscalationFiring, Incident
from warroom.notify import Message

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=15)
MAX_RETRY = timedelta(minutes=10)
LEASE = timedelta(minutes=2)
# ``watch --lease`` is bounded: a lease shorter than a few seconds would expire under a
# slow request; one longer than an hour would leave a dead sender's pages waiting.
MIN_LEASE = timedelta(seconds=4)
MAX_LEASE = timedelta(hours=1)
# Every request gets at most this long (and at most half the lease), well under the
# lease: a send in flight never outlives the claim it was made under.
SEND_TIMEOUT = timedelta(seconds=30)
# A claim's token with this mark: its sender confirmed the claim and started the send
# (see claims.confirm). A row whose lease ran out under such a token may have gone out:
# the next sender says so in the timeline.
SENDING = "!"
# The last send of this row got no answer within its timeout: it may have gone out.
IN_DOUBT = "?"


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 15 s, 30 s, 1 min, ... at most 10 min."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def maybe_sent(claimed_by: str | None) -> bool:
    """Whether a row's earlier send may have gone out (started and never recorded, or
    recorded as unanswered)."""
    return claimed_by is not None and (claimed_by == IN_DOUBT or claimed_by.endswith(SENDING))


def note_for(firing: EscalationFiring, person: str, method: str) -> dict[str, Any]:
    """The firing's plan for this person and method (label, stop_if_acked, ...)."""
    for n in firing.detail.get("notifications", []):
        if n.get("person", "").casefold() == person.casefold() and n.get("method") == method:
            return dict(n)
    return {}


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    incident_id: int
    person: str
    method: str
    attempt: int
    url: str | None
    message: Message
    label: str
    summary: str
    kind: str = "page"  # "page" (an escalation firing) or "status" (a status update)
    token: str = ""  # the claim's lease token: whose attempt this is (one per message)
    # An earlier sender started this very notification and never recorded the result
    # (killed or suspended mid-send), or got no answer: sending it now may send it twice.
    maybe_sent: bool = False
    ref: str = ""  # the incident's reference (INC-7)
    # Pages to the same person and method held back by the rate limit: they go out in
    # this one message ("3 more incidents need you: ..."), see :mod:`.throttle`.
    bundle: tuple[Claimed, ...] = ()


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    person: str
    method: str
    ok: bool
    error: str | None = None
    gave_up: bool = False


@dataclass(frozen=True)
class Attempt:
    claimed: Claimed
    error: str | None
    permanent: bool
    in_doubt: bool = False  # no answer in time: the request may have gone out
    lapsed: bool = False  # not sent: the claim ran out before the request could start
    # The message this row went out in, when it rode on another row's page (a bundle).
    carrier: Claimed | None = None


def apply_attempt(
    d: Delivery, inc: Incident, a: Attempt, now: datetime
) -> tuple[Outcome, str, str | None]:
    """Apply one attempt's result to its row; the timeline entry to write (None: none).

    Only the attempt whose token the row still carries, while the row is pending, owns
    it: an attempt that outlived its lease (another sender has claimed the row since)
    or whose row was stopped, sent or given up meanwhile never schedules a retry or
    gives up over the current owner. Its success is still a fact: the row becomes sent
    (if it was not already) and the timeline says it went out."""
    c, error, permanent = a.claimed, a.error, a.permanent
    if c.kind == "status":
        who, verb = f"the {c.summary} via {c.method}", "deliver"
    else:
        who, verb = f"{c.person} ({c.label}) via {c.method}", "page"
    owned = d.status == "pending" and d.claimed_by in (c.token, c.token + SENDING)
    if a.lapsed:  # nothing went out: the row is due again for whoever sends next
        if owned:
            d.claimed_by, d.next_attempt_at = None, now
            d.attempts = max(d.attempts - 1, 0)
        return Outcome(c.delivery_id, c.person, c.method, False, error), "delivery", None
    if owned:  # the result is recorded: no longer a send in progress
        d.claimed_by = c.token if error is None else (IN_DOUBT if a.in_doubt else None)
    gave_up = False
    if error is None:
        if a.carrier is not None:
            return _bundled(d, a, a.carrier, now), "page", bundled_text(a, a.carrier, now)
        if d.status not in ("sent", "bundled"):
            d.status, d.sent_at, d.last_error, d.next_attempt_at = "sent", now, None, None
        if c.maybe_sent:
            who += " (may have been sent twice: an earlier send was started and never recorded)"
        kind, text = "page", who
        if c.bundle:
            refs = ", ".join(dict.fromkeys(b.ref for b in c.bundle if b.ref))
            n = len(c.bundle)
            text += f" with {n} page{'s' if n != 1 else ''} the rate limit held back ({refs})"
        if c.kind == "status":
            kind, text = "delivery", f"delivered {who}"
    elif not owned:
        return Outcome(c.delivery_id, c.person, c.method, False, error), "delivery", None
    elif permanent or c.attempt >= MAX_ATTEMPTS:
        gave_up = True
        d.status, d.last_error, d.next_attempt_at = "failed", error, None
        tries = f"after {c.attempt} attempt{'s' if c.attempt != 1 else ''}"
        kind, text = "delivery", f"could not {verb} {who}, gave up {tries}: {error}"
    else:
        wait = backoff(c.attempt)
        d.last_error, d.next_attempt_at = error, now + wait
        kind = "delivery"
        doubt = " (it may have gone out)" if a.in_doubt else ""
        text = (
            f"could not {verb} {who} (attempt {c.attempt} of {MAX_ATTEMPTS}): {error}{doubt}; "
            f"retrying in {how_long(wait)}"
        )
    return Outcome(c.delivery_id, c.person, c.method, error is None, error, gave_up), kind, text


def _bundled(d: Delivery, a: Attempt, carrier: Claimed, now: datetime) -> Outcome:
    """A page that went out inside another one's message: ``bundled`` (delivered, not a
    message of its own), with the carrier named in ``last_error``."""
    if d.status not in ("sent", "bundled"):
        d.status, d.sent_at, d.next_attempt_at = "bundled", now, None
        d.last_error = f"sent in the page of delivery {carrier.delivery_id} ({carrier.ref})"
    c = a.claimed
    return Outcome(c.delivery_id, c.person, c.method, True)


def bundled_text(a: Attempt, carrier: Claimed, now: datetime) -> str:
    """The timeline entry of a page that went out inside another page (rate limit)."""
    c = a.claimed
    twice = " (may have been sent twice)" if c.maybe_sent else ""
    about = f", sent for {carrier.ref}" if carrier.ref and carrier.ref != c.ref else ""
    return (
        f"paged {c.person} ({c.label}) via {c.method}: {c.summary}, bundled into the "
        f"message of {now:%H:%M:%S} UTC{about} (held back by the rate limit){twice}"
    )
