"""What a delivery attempt is and what its result does to the outbox row: the claim
(:class:`Claimed`), the try (:class:`Attempt`), the result (:class:`Outcome`), the
retry backoff and :func:`apply_attempt`. Pure: no I/O (see :mod:`.delivery`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.durations import how_long
from warroom.models import Delivery, Incident
from warroom.notify import Message

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=15)
MAX_RETRY = timedelta(minutes=10)
LEASE = timedelta(minutes=2)
# Every request gets at most this long, well under the lease: a send in flight never
# outlives the claim it was made under.
SEND_TIMEOUT = timedelta(seconds=30)
# A claim's token with this mark: its sender confirmed the claim and started the send
# (see delivery.confirm_claim). A row whose lease ran out under such a token may have
# gone out: the next sender says so in the timeline.
SENDING = "!"


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 15 s, 30 s, 1 min, ... at most 10 min."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


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
    token: str = ""  # the claim's lease token: whose attempt this is
    # An earlier sender started this very notification and never recorded the result
    # (killed or suspended mid-send): sending it now may send it twice.
    maybe_sent: bool = False


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
    if owned:
        d.claimed_by = c.token  # the result is recorded: no longer a send in doubt
    gave_up = False
    if error is None:
        if d.status != "sent":
            d.status, d.sent_at, d.last_error, d.next_attempt_at = "sent", now, None, None
        if c.maybe_sent:
            who += " (may have been sent twice: an earlier send was started and never recorded)"
        kind, text = "page", who
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
        text = (
            f"could not {verb} {who} (attempt {c.attempt} of {MAX_ATTEMPTS}): {error}; "
            f"retrying in {how_long(wait)}"
        )
    return Outcome(c.delivery_id, c.person, c.method, error is None, error, gave_up), kind, text
