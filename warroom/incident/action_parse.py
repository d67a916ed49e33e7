"""What people type about action items: the scribe's ``/action`` line and the action
items screen's filter line.

``/action TEXT [@owner] [+7d | YYYY-MM-DD | due:tomorrow] [P1-P3] [kind:KIND]``: the
tokens after the text, in any order, give the owner, the due date, the priority and
the kind (``split_action_text``); everything before them is the title, kept exactly::

    /action Alert on p99 latency above 5 s @bob +7d P1
    /action Runbook for the rollback kind:runbook due:2026-04-01

The filter line (``parse_action_filter``): ``owner:bob`` (or ``@bob``), ``incident:INC-3``
(or ``inc:3``), ``status:open,done`` and free words that must all be in the title::

    owner:carol status:open,in_progress canary
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from warroom.errors import BadInput
from warroom.incident.actions import STATUS_LABELS, kind_id, status_id
from warroom.incident.refs import parse_ref
from warroom.models import ActionItem

_PRIORITY = re.compile(r"^P[1-3]$", re.IGNORECASE)
_DUE = re.compile(r"^(?:\+\d{1,4}[dwDW]|\d{4}-\d\d-\d\d)$")


@dataclass(frozen=True)
class ActionLine:
    title: str
    owner: str | None = None
    due: str | None = None  # as typed: +7d, 2026-04-01, tomorrow
    priority: str | None = None
    kind: str | None = None


def split_action_text(text: str) -> ActionLine:
    """The title and the trailing ``@owner``, due, ``P1``-``P3`` and ``kind:`` tokens."""
    words = text.rstrip().split(" ")
    owner = due = priority = kind = None
    while len(words) > 1:
        token = words[-1]
        low = token.lower()
        if token.startswith("@") and len(token) > 1 and owner is None:
            owner = token[1:]
        elif _PRIORITY.match(token) and priority is None:
            priority = token.upper()
        elif (_DUE.match(token) or low.startswith("due:")) and due is None:
            due = token[4:] if low.startswith("due:") else token
            if not due:
                raise BadInput("due: needs a date: due:+7d, due:2026-04-01 or due:tomorrow.")
        elif low.startswith("kind:") and kind is None:
            kind = kind_id(token[5:])
        else:
            break
        words.pop()
    title = " ".join(words)
    if not title.strip():
        raise BadInput("/action needs the action itself: /action TEXT [@owner] [+7d] [P1].")
    return ActionLine(title, owner, due, priority, kind)


@dataclass(frozen=True)
class ActionFilter:
    owner: str | None = None
    incident_id: int | None = None
    statuses: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.owner or self.incident_id or self.statuses or self.words)

    def keeps(self, item: ActionItem) -> bool:
        if self.owner is not None and (item.owner or "").casefold() != self.owner:
            return False
        if self.incident_id is not None and item.incident_id != self.incident_id:
            return False
        if self.statuses and item.status not in self.statuses:
            return False
        title = item.title.casefold()
        return all(w in title for w in self.words)

    def describe(self) -> str:
        bits = []
        if self.owner is not None:
            bits.append(f"owner {self.owner}")
        if self.incident_id is not None:
            bits.append(f"INC-{self.incident_id}")
        if self.statuses:
            bits.append("/".join(STATUS_LABELS[s] for s in STATUS_LABELS if s in self.statuses))
        bits += [repr(w) for w in self.words]
        return ", ".join(bits)


_FILTER_KEYS = {"owner": "owner", "incident": "incident", "inc": "incident", "status": "status"}


def parse_action_filter(text: str) -> ActionFilter:
    owner: str | None = None
    incident: int | None = None
    statuses: set[str] = set()
    words: list[str] = []
    for token in text.split():
        key, sep, value = token.partition(":")
        field = _FILTER_KEYS.get(key.lower()) if sep else None
        if token.startswith("@") and len(token) > 1:
            owner = token[1:].casefold()
        elif field is None:
            words.append(token.casefold())
        elif not value:
            raise BadInput(f"{key}: needs a value, like owner:bob, incident:INC-3, status:open.")
        elif field == "owner":
            owner = value.removeprefix("@").casefold()
        elif field == "incident":
            incident = parse_ref(value if not value.isdigit() else f"INC-{value}")
        else:
            statuses.update(status_id(v) for v in value.split(",") if v)
    return ActionFilter(owner, incident, frozenset(statuses), tuple(words))
