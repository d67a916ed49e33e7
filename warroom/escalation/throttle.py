"""Rate limits per person and contact method, and bundling (pure: the caller reads the
rows and writes the results, see :func:`warroom.escalation.claims.claim_due`).

``oncall.yaml`` ``notification_limits`` caps the messages one person gets by one
method in each window (GoAlert's numbers by default: one SMS, call or email a minute, a
few per quarter hour). A page over a limit is never dropped: its row is held back until
the limit allows the next message (its incident's timeline says so once), and then all
the pages held back for that person and method go out in one message: the first
page's text and "3 more incidents need you: INC-4, INC-7, INC-9". Each incident that
rode along records which page carried it. Messages counted: the ones sent in the
window, and the ones being sent right now (by any process).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from warroom.escalation.attempts import Claimed
from warroom.notify import Message
from warroom.policy.oncall import MethodLimit

HELD = "held back"  # how a held-back row's last_error starts

Key = tuple[str, str]  # (person casefolded, method)
Limits = Mapping[Any, MethodLimit]  # contact method -> its limit (oncall.yaml)


@dataclass(frozen=True)
class Rule:
    count: int
    per: timedelta
    words: str  # "a minute"


@dataclass(frozen=True)
class Page:
    """A pending page row the sender could send now (or one held back earlier)."""

    id: int
    person: str
    method: str

    @property
    def key(self) -> Key:
        return (self.person.casefold(), self.method)


@dataclass
class Shaped:
    messages: list[list[int]] = field(default_factory=list)  # row ids, carrier first
    held: dict[int, tuple[datetime, str]] = field(default_factory=dict)  # id -> until, why


def rules_for(limits: Limits | None, method: str) -> list[Rule]:
    limit = (limits or {}).get(method)
    if limit is None:
        return []
    return [Rule(c, timedelta(minutes=m), w) for c, m, w in limit.rules()]


def longest(limits: Limits | None) -> timedelta:
    """The longest window of any limit (how far back the history is read)."""
    return max(
        (r.per for method in (limits or {}) for r in rules_for(limits, method)),
        default=timedelta(0),
    )


def budget(history: Sequence[datetime], rules: Sequence[Rule], now: datetime) -> int:
    """How many more messages may go now."""
    room = [r.count - sum(1 for t in history if t > now - r.per) for r in rules]
    return max(min(room), 0) if room else 1 << 30


def next_allowed(
    history: Sequence[datetime], rules: Sequence[Rule], now: datetime, method: str
) -> tuple[datetime, str]:
    """When the next message may go (now when it may), and the rule that decides."""
    at, why = now, ""
    for r in rules:
        recent = sorted(t for t in history if t > now - r.per)
        if len(recent) >= r.count:
            free = recent[len(recent) - r.count] + r.per
            if free > at:
                at = free
                why = f"at most {r.count} {method} message{'s' if r.count != 1 else ''} {r.words}"
    return at, why


def shape(
    pages: Sequence[Page],
    history: Mapping[Key, Sequence[datetime]],
    limits: Limits | None,
    now: datetime,
) -> Shaped:
    """Which of ``pages`` (in order) go now, as which messages, and which wait until
    when. Per person and method: each page its own message while the limit allows; the
    last message the limit allows carries all the rest; none allowed: all wait."""
    out = Shaped()
    groups: dict[Key, list[Page]] = defaultdict(list)
    for p in pages:
        groups[p.key].append(p)
    for key, group in groups.items():
        rules = rules_for(limits, key[1])
        seen = list(history.get(key, ()))
        room = budget(seen, rules, now)
        if room <= 0:
            until, why = next_allowed(seen, rules, now, key[1])
            for p in group:
                out.held[p.id] = (until, why)
            continue
        singles = group if room >= len(group) else group[: room - 1]
        out.messages.extend([p.id] for p in singles)
        rest = group[len(singles) :]
        if rest:
            out.messages.append([p.id for p in rest])
    return out


def held_text(person: str, method: str, until: datetime, why: str) -> str:
    """The timeline entry of a page held back by the rate limit."""
    return (
        f"page to {person} via {method} held back by the rate limit ({why} to one person): "
        f"it goes out with the next {method} to {person}, at {until:%H:%M:%S} UTC"
    )


def bundle_message(carrier: Claimed, riders: Sequence[Claimed]) -> Message:
    """One message for a page and the pages held back with it."""
    if not riders:
        return carrier.message
    others = list(dict.fromkeys(r.ref for r in riders if r.ref and r.ref != carrier.ref))
    same = [r.summary for r in riders if r.ref == carrier.ref or not r.ref]
    body = carrier.message.body
    if others:
        n = len(others)
        verb = "needs" if n == 1 else "need"
        body += f" {n} more incident{'s' if n != 1 else ''} {verb} you: {', '.join(others)}."
    if same:
        body += f" Also: {'; '.join(same)}."
    return Message(title=f"{carrier.message.title} (+{len(riders)} more)", body=body)
