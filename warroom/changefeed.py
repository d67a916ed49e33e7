"""Reading the change feed: what changed since the last look.

Every mutation writes a ``change`` row (autoincrement id) in its own transaction.
A reader keeps the highest id it has seen (its mark) and asks for what is above it;
when nothing changed that is one cheap ``max(id)``. PostgreSQL hands out ids at
insert time and transactions commit in any order, so a change can become visible
*below* the mark already read (a declaration committed a moment after another
console's log entry). The ids skipped over are therefore looked for again for a
while ("holes"); an id that never shows up (a rolled-back transaction) is forgotten
after ``hole_polls`` polls. SQLite writes one transaction at a time and does not
leave such holes, but the same code runs there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlmodel import col

from warroom.models import Change
from warroom.store import Store

MAX_HOLES = 1000


@dataclass
class Batch:
    """What one poll found. ``everything``: the reader lost track (a first look, a
    database replaced under it, too many changes at once): reload all."""

    changes: list[Change] = field(default_factory=list)
    everything: bool = False

    def __bool__(self) -> bool:
        return self.everything or bool(self.changes)

    @property
    def incident_ids(self) -> frozenset[int | None]:
        if self.everything:
            return frozenset({None})
        return frozenset(c.incident_id for c in self.changes)


class ChangeReader:
    """One reader of the change feed (a console, an engine loop)."""

    def __init__(self, store: Store, *, hole_polls: int = 30, max_batch: int = 500) -> None:
        self.store = store
        self.hole_polls = hole_polls
        self.max_batch = max_batch
        self.mark: int | None = None
        self.holes: dict[int, int] = {}  # change id not seen yet -> polls left to look

    async def poll(self) -> Batch:
        """The changes since the last poll (the first poll says ``everything``)."""
        top = await self.store.change_mark()
        if self.mark is None or top < self.mark:
            self.mark, self.holes = top, {}
            return Batch(everything=True)
        if top == self.mark and not self.holes:
            return Batch()
        changes = await self._since(self.mark)
        self._track_holes(self.mark, top, changes)
        self.mark = max(top, self.mark, *(c.id or 0 for c in changes))
        return Batch(changes, everything=len(changes) > self.max_batch)

    async def _since(self, mark: int) -> list[Change]:
        if not self.holes:
            return await self.store.changes_since(mark)
        q = select(Change).where(or_(col(Change.id) > mark, col(Change.id).in_(self.holes)))
        async with self.store.read() as s:
            return list((await s.execute(q.order_by(col(Change.id)))).scalars())

    def _track_holes(self, old: int, top: int, changes: list[Change]) -> None:
        """Forget the holes now filled or waited for long enough; add the ids between
        the old mark and the new one that are not visible yet."""
        seen = {c.id for c in changes}
        self.holes = {i: n - 1 for i, n in self.holes.items() if i not in seen and n > 1}
        newest = max(top, *(c.id or 0 for c in changes)) if changes else top
        for i in range(max(old + 1, newest - MAX_HOLES), newest):
            if i not in seen:
                self.holes[i] = self.hole_polls
