"""Shared set-up for the on-call and handoff tests: a policies folder with the demo roster.

The demo roster (data/roster.yaml): alice, bob, carol, dave, erin on a weekly primary
and secondary (offset 1) in Europe/London from Monday 2026-01-05 10:00, plus frank,
the engineering manager. Week n's primary is members[n % 5]; week 8 (from Monday
2026-03-02) is dave's, with erin as secondary.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from warroom.models import Delivery, EscalationFiring, OncallOverride
from warroom.policy.roster import Roster, RotationSpec, load_roster
from warroom.store import Store

MEMBERS = ["alice", "bob", "carol", "dave", "erin"]


def policies_with_roster(tmp: Path, policies_dir: Path, data_dir: Path) -> Path:
    """A copy of the packaged policies with the demo roster beside them."""
    out = tmp / "policies"
    shutil.copytree(policies_dir, out)
    shutil.copy(data_dir / "roster.yaml", out / "roster.yaml")
    return out


def demo_roster(policies: Path) -> Roster:
    roster = load_roster(policies)
    assert roster is not None
    return roster


def rotation(zone: str, start: date = date(2026, 1, 5), **kw: object) -> RotationSpec:
    fields: dict[str, object] = {
        "id": "r",
        "name": "R",
        "zone": zone,
        "start": start,
        "period": "weekly",
        "handoff_weekday": "monday",
        "handoff_time": "10:00",
        "members": MEMBERS,
        **kw,
    }
    return RotationSpec.model_validate(fields)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


async def override_count(store: Store) -> int:
    async with store.read() as s:
        return int((await s.execute(select(func.count()).select_from(OncallOverride))).scalar_one())


def stored_overrides(db_path: Path) -> int:
    """How many override rows the database holds (for synchronous CLI tests)."""

    async def count() -> int:
        store = await Store.open(db_path)
        try:
            return await override_count(store)
        finally:
            await store.close()

    return asyncio.run(count())


async def record_pages(
    store: Store,
    incident_id: int,
    step_key: str,
    at: datetime,
    people: Mapping[str, Sequence[str]],
    *,
    fired_by: str = "watch",
) -> None:
    """An escalation step fired at ``at`` and its pages as sent: one delivery a contact
    method of each person, a minute apart (what ``warroom watch`` leaves behind)."""

    async def work(s):  # type: ignore[no-untyped-def]
        f = EscalationFiring(
            incident_id=incident_id, step_key=step_key, due_at=at, fired_at=at, fired_by=fired_by
        )
        s.add(f)
        await s.flush()
        of_this_page = {"firing_id": f.id, "incident_id": incident_id, "status": "sent"}
        s.add_all(
            Delivery(person=person, method=m, created_at=at + timedelta(minutes=i), **of_this_page)
            for person, methods in people.items()
            for i, m in enumerate(methods)
        )

    await store.transaction(work)
