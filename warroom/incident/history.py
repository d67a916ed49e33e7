"""Every incident, open, resolved and closed, newest first, with its post-mortem's state:
what the console's history screen and the palette's incident search read.

:func:`load_history` reads the incidents, their current IC and their post-mortem in
three queries; :func:`parse_filter` reads what people type in the history's filter
line and :meth:`HistoryFilter.keeps` applies it (pure, so the console filters as
people type without going back to the store)::

    sev:1,2 status:resolved ic:alice since:2026-02-01 until:2026-03-01 checkout
    sev2 since:30d login

Free words must all appear in the reference or the title (case aside).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlmodel import col

from warroom.errors import BadInput
from warroom.incident.refs import ref_for
from warroom.models import Incident, Postmortem, RoleAssignment
from warroom.policy import Policies
from warroom.postmortem.deadline import Deadline, deadline_for
from warroom.postmortem.sections import STATUS_LABELS
from warroom.store import Store

STATUSES = ("open", "mitigated", "resolved", "closed")
KEYS = ("sev", "status", "ic", "since", "until")
_SEV = re.compile(r"^(?:sev)?([1-4])$", re.IGNORECASE)
_RELATIVE = re.compile(r"^(\d{1,4})([dw])$", re.IGNORECASE)
_ALIASES = {"severity": "sev", "from": "since", "to": "until", "state": "status"}


@dataclass(frozen=True)
class HistoryRow:
    """One incident as the history shows it."""

    incident: Incident
    ic: str | None
    postmortem: str  # Draft, In Review, Final, or "not started"
    deadline: Deadline

    @property
    def incident_id(self) -> int:
        return self.incident.id or 0

    @property
    def ref(self) -> str:
        return self.incident.ref or ref_for(self.incident_id)

    @property
    def past(self) -> bool:
        """Resolved or closed: its war room opens read-only."""
        return self.incident.resolved_at is not None


@dataclass(frozen=True)
class HistoryFilter:
    severities: frozenset[int] = frozenset()
    statuses: frozenset[str] = frozenset()
    ic: str | None = None
    since: date | None = None  # declared on or after (local date)
    until: date | None = None  # declared on or before (local date)
    words: tuple[str, ...] = ()
    tz: tzinfo | None = field(default=None, compare=False)

    @property
    def empty(self) -> bool:
        return not (
            self.severities or self.statuses or self.ic or self.since or self.until or self.words
        )

    def keeps(self, row: HistoryRow) -> bool:
        inc = row.incident
        if self.severities and inc.severity not in self.severities:
            return False
        if self.statuses and inc.status not in self.statuses:
            return False
        if self.ic and (row.ic or "").casefold() != self.ic:
            return False
        day = inc.declared_at.astimezone(self.tz).date() if self.tz else inc.declared_at.date()
        if self.since and day < self.since:
            return False
        if self.until and day > self.until:
            return False
        haystack = f"{row.ref} {inc.title}".casefold()
        return all(w in haystack for w in self.words)

    def describe(self) -> str:
        """The filter in words, for the screen's summary line."""
        bits = []
        if self.severities:
            bits.append("/".join(f"SEV{s}" for s in sorted(self.severities)))
        if self.statuses:
            bits.append("/".join(s for s in STATUSES if s in self.statuses))
        if self.ic:
            bits.append(f"IC {self.ic}")
        if self.since:
            bits.append(f"since {self.since.isoformat()}")
        if self.until:
            bits.append(f"until {self.until.isoformat()}")
        bits += [repr(w) for w in self.words]
        return ", ".join(bits) or "everything"


def _day(value: str, key: str, today: date) -> date:
    m = _RELATIVE.match(value)
    if m:
        n = int(m[1]) * (7 if m[2].lower() == "w" else 1)
        return today - timedelta(days=n)
    if value.lower() == "today":
        return today
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(
            f"{key}:{value} is not a date; use YYYY-MM-DD, or 30d / 2w for that long ago."
        ) from None


def parse_filter(text: str, *, today: date, tz: tzinfo | None = None) -> HistoryFilter:
    """Read a filter line (see the module's docstring); BadInput names the bad token."""
    sevs: set[int] = set()
    statuses: set[str] = set()
    ic: str | None = None
    since = until = None
    words: list[str] = []
    for token in text.split():
        key, sep, value = token.partition(":")
        key = _ALIASES.get(key.lower(), key.lower())
        if not sep or key not in KEYS:
            m = _SEV.match(token) if token[:3].lower() == "sev" else None
            if m:
                sevs.add(int(m[1]))
            else:
                words.append(token.casefold())
            continue
        if not value:
            raise BadInput(f"{key}: needs a value, like {key}:{_EXAMPLE[key]}.")
        parts = [p for p in value.split(",") if p]
        if key == "sev":
            for p in parts:
                m = _SEV.match(p)
                if not m:
                    raise BadInput(f"sev:{p} is not a severity; use 1 to 4 (sev:1,2).")
                sevs.add(int(m[1]))
        elif key == "status":
            for p in parts:
                if p.lower() not in STATUSES:
                    raise BadInput(f"status:{p} is not a status; use {', '.join(STATUSES)}.")
                statuses.add(p.lower())
        elif key == "ic":
            ic = value.removeprefix("@").casefold()
        elif key == "since":
            since = _day(value, key, today)
        else:
            until = _day(value, key, today)
    if since and until and since > until:
        raise BadInput(f"since:{since} is after until:{until}; nothing could match.")
    return HistoryFilter(
        frozenset(sevs), frozenset(statuses), ic, since, until, tuple(words), tz=tz
    )


_EXAMPLE = {"sev": "1,2", "status": "resolved", "ic": "alice", "since": "30d", "until": "today"}


async def load_history(
    store: Store, policies: Policies, now: datetime, *, include_drills: bool = True
) -> list[HistoryRow]:
    """Every incident, newest declared first, with its IC now and its post-mortem."""
    async with store.read() as s:
        q = select(Incident)
        if not include_drills:
            q = q.where(col(Incident.drill).is_(False))
        q = q.order_by(col(Incident.declared_at).desc(), col(Incident.id).desc())
        incidents = list((await s.execute(q)).scalars())
        ics: dict[int, str] = {}
        rq = select(RoleAssignment).where(
            col(RoleAssignment.role) == "ic", col(RoleAssignment.ended_at).is_(None)
        )
        for r in (await s.execute(rq)).scalars():
            ics[r.incident_id] = r.person
        docs = {pm.incident_id: pm for pm in (await s.execute(select(Postmortem))).scalars()}
    rows = []
    for inc in incidents:
        pm = docs.get(inc.id or 0)
        status = pm.status if pm else "draft"
        deadline = deadline_for(
            policies, inc, now, status=status, final_at=pm.final_at if pm else None
        )
        label = STATUS_LABELS.get(status, status) if pm else "not started"
        rows.append(HistoryRow(inc, ics.get(inc.id or 0), label, deadline))
    return rows
