"""Which post-mortems are due or overdue, across all incidents (``warroom list``, console)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select

from warroom.incident.refs import ref_for
from warroom.models import Incident, Postmortem
from warroom.policy import Policies
from warroom.postmortem.deadline import Deadline, deadline_for
from warroom.postmortem.sections import STATUS_LABELS
from warroom.store import Store
from warroom.text import printable


@dataclass(frozen=True)
class PendingPostmortem:
    incident_id: int
    ref: str
    title: str
    severity: int
    status: str  # draft, in_review (a post-mortem nobody started is a draft)
    started: bool
    deadline: Deadline


async def pending_postmortems(
    store: Store, policies: Policies, now: datetime | None = None
) -> list[PendingPostmortem]:
    """Resolved real incidents whose post-mortem is not Final and whose deadline runs:
    required by the policy, or optional but started. Overdue first, then soonest due."""
    now = now or store.clock.now()
    async with store.read() as s:
        q = (
            select(Incident, Postmortem)
            .outerjoin(Postmortem, Postmortem.incident_id == Incident.id)  # type: ignore[arg-type]
            .where(
                Incident.resolved_at.is_not(None),  # type: ignore[union-attr]
                Incident.drill.is_(False),  # type: ignore[attr-defined]
            )
        )
        rows = (await s.execute(q)).all()
    out: list[PendingPostmortem] = []
    for inc, pm in rows:
        status = pm.status if pm else "draft"
        if status == "final":
            continue
        d = deadline_for(policies, inc, now, status=status)
        if d.state not in ("due", "overdue") or (not d.required and pm is None):
            continue
        out.append(
            PendingPostmortem(
                inc.id or 0,
                inc.ref or ref_for(inc.id or 0),
                inc.title,
                inc.severity,
                status,
                pm is not None,
                d,
            )
        )
    out.sort(key=lambda p: (not p.deadline.overdue, p.deadline.due_at, p.incident_id))
    return out


async def postmortem_states(
    store: Store, policies: Policies, incidents: list[Incident], now: datetime | None = None
) -> dict[int, dict[str, Any]]:
    """The post-mortem of each incident for JSON: its status and deadline (one query)."""
    now = now or store.clock.now()
    ids = [i.id for i in incidents if i.id is not None]
    async with store.read() as s:
        rows = (
            await s.execute(select(Postmortem).where(Postmortem.incident_id.in_(ids)))  # type: ignore[attr-defined]
        ).scalars()
        docs = {pm.incident_id: pm for pm in rows}
    out: dict[int, dict[str, Any]] = {}
    for inc in incidents:
        pm = docs.get(inc.id or 0)
        status = pm.status if pm else "draft"
        d = deadline_for(policies, inc, now, status=status, final_at=pm.final_at if pm else None)
        out[inc.id or 0] = {"status": status, "started": pm is not None, **d.to_json()}
    return out


def pending_line(p: PendingPostmortem, now: datetime, tz: tzinfo) -> str:
    state = STATUS_LABELS[p.status] if p.started else "not started"
    return f"{p.ref} SEV{p.severity} ({state}): {p.deadline.label(now, tz)}  {printable(p.title)}"


async def postmortem_list_lines(store: Store, policies: Policies, tz: tzinfo) -> list[str]:
    """Lines for ``warroom list``: the post-mortems due or overdue."""
    now = store.clock.now()
    return [pending_line(p, now, tz) for p in await pending_postmortems(store, policies, now)]


async def postmortem_list_note(store: Store, policies: Policies, tz: tzinfo) -> str | None:
    """The block ``warroom list`` prints under its table (None when nothing is due)."""
    lines = await postmortem_list_lines(store, policies, tz)
    if not lines:
        return None
    return "\n".join(["", "Post-mortems due:", *(f"  {line}" for line in lines)])
