"""The change feed reader: cheap when nothing moved, and nothing lost when commits
arrive out of order (as they can on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from warroom.changefeed import ChangeReader
from warroom.clock import ManualClock
from warroom.models import Change
from warroom.store import Store, record_change


async def test_first_poll_says_everything_then_only_what_changed(
    store: Store, clock: ManualClock
) -> None:
    reader = ChangeReader(store)
    assert (await reader.poll()).everything
    assert not await reader.poll()

    async def write(s: AsyncSession) -> None:
        record_change(s, 7, "note", clock.now())

    await store.transaction(write)
    batch = await reader.poll()
    assert not batch.everything and batch.incident_ids == frozenset({7})
    assert not await reader.poll()


async def test_a_change_committed_below_the_mark_is_still_seen(
    store: Store, clock: ManualClock
) -> None:
    reader = ChangeReader(store, hole_polls=5)
    await reader.poll()
    mark = await store.change_mark()

    async def higher(s: AsyncSession) -> None:  # committed first, with the higher id
        s.add(Change(id=mark + 3, incident_id=1, kind="note", at=clock.now()))

    await store.transaction(higher)
    assert (await reader.poll()).incident_ids == frozenset({1})
    assert set(reader.holes) == {mark + 1, mark + 2}

    async def lower(s: AsyncSession) -> None:  # the slower transaction commits now
        s.add(Change(id=mark + 1, incident_id=2, kind="declared", at=clock.now()))

    await store.transaction(lower)
    assert (await reader.poll()).incident_ids == frozenset({2})
    assert set(reader.holes) == {mark + 2}
    for _ in range(5):  # an id that never comes (a rollback) is forgotten
        assert not await reader.poll()
    assert reader.holes == {}
