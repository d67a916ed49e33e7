"""Pages people received, counted from the escalation records.

One page is one escalation firing reaching one person, however many methods it
used (push, then phone, then SMS is still one page). A delivery without a firing
(a manual page) counts on its own. The time of a page is when its firing fired (or
its first delivery was created); night or day is read in the person's own zone
with the rest rule's night window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from warroom.models import Delivery, EscalationFiring, Incident
from warroom.oncall.rest import is_night, person_zone
from warroom.policy.oncall import RestRule
from warroom.policy.roster import Roster
from warroom.store import Store

# A firing's deliveries may be created a little after it fired (retries, slow methods).
_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class Page:
    person: str
    at: datetime  # UTC
    incident_id: int | None
    firing_id: int | None
    night: bool


async def load_pages(
    store: Store, roster: Roster | None, rule: RestRule, start: datetime, end: datetime
) -> list[Page]:
    """Pages with their time in ``[start, end)``, oldest first."""
    d = Delivery.__table__  # type: ignore[attr-defined]
    f = EscalationFiring.__table__  # type: ignore[attr-defined]
    i = Incident.__table__  # type: ignore[attr-defined]
    q = (
        select(d.c.id, d.c.firing_id, d.c.incident_id, d.c.person, d.c.created_at, f.c.fired_at)
        .outerjoin(f, f.c.id == d.c.firing_id)
        .outerjoin(i, i.c.id == d.c.incident_id)
        .where(d.c.created_at >= start - _SLACK, d.c.created_at < end + _SLACK)
        .where(or_(i.c.drill.is_(None), i.c.drill.is_(False)))  # drills are rehearsals
        .where(d.c.status_update_id.is_(None))  # status updates reach audiences, not people
    )
    async with store.read() as s:
        rows = (await s.execute(q)).all()
    first: dict[tuple[object, str], tuple[datetime, int | None, int | None, str]] = {}
    for did, fid, iid, person, created, fired in rows:
        p = roster.person(person) if roster else None
        name = p.name if p else person
        key = (fid if fid is not None else f"d{did}", name.casefold())
        at = fired if fired is not None else created
        if key not in first or at < first[key][0]:
            first[key] = (at, iid, fid, name)
    pages = [
        Page(name, at, iid, fid, is_night(at, person_zone(roster, name), rule))
        for at, iid, fid, name in first.values()
        if start <= at < end
    ]
    return sorted(pages, key=lambda p: (p.at, p.person))


def per_person(pages: Sequence[Page]) -> dict[str, dict[str, int]]:
    """person -> {"total", "night", "day"}."""
    total = Counter(p.person for p in pages)
    night = Counter(p.person for p in pages if p.night)
    return {
        name: {"total": n, "night": night[name], "day": n - night[name]}
        for name, n in sorted(total.items())
    }
