"""An escalation error of one incident, said in its timeline: the engine keeps paging
the other incidents, and whoever looks at this one sees why it is not paging."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from warroom.escalation.delivery import engine_entry
from warroom.escalation.firing import ENGINE_AUTHOR
from warroom.incident.mutation import lock_incident
from warroom.models import TimelineEntry
from warroom.store import Store
from warroom.text import printable


async def record_fault(store: Store, incident_id: int, doing: str, error: str) -> None:
    """Say the error in the incident's timeline, unless its last such entry (written by
    any process running the engine) says the same."""

    async def work(s: AsyncSession) -> None:
        inc = await lock_incident(s, incident_id)
        now = store.clock.now()
        text = (
            f"Escalation error while {doing}: {printable(error)[:300]}. This incident is "
            "not being paged until it is fixed (check the policy: warroom policies check); "
            "the other incidents are paged as usual."
        )
        last = (
            select(col(TimelineEntry.text))
            .where(
                col(TimelineEntry.incident_id) == incident_id,
                col(TimelineEntry.author) == ENGINE_AUTHOR,
                col(TimelineEntry.text).startswith("Escalation error while"),
            )
            .order_by(col(TimelineEntry.seq).desc())
            .limit(1)
        )
        if (await s.execute(last)).scalar() == text:
            return  # another process said it already
        await engine_entry(s, inc, "page", text, now)  # "delivery" in the change feed

    await store.transaction(work)
