"""Recording a handoff: the outgoing engineer's notes and the incoming one's acknowledgment.

Both go to the ``handoff`` row of (rotation, handoff time), created on first use, in
one transaction with its change-feed row. Only an incoming on-call person (primary
or secondary) may acknowledge (exit 3 otherwise); the acknowledgment needs notes
when the policy's ``handoff.notes_required`` says so, and is recorded once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from warroom.errors import BadInput, NotPermitted
from warroom.incident.mutation import record_change
from warroom.models import Handoff
from warroom.oncall.overrides import load_overrides
from warroom.oncall.review import Pair, handoff_pair, handoff_under_review, review_rotation
from warroom.oncall.scope import RosterScope
from warroom.text import MAX_ENTRY_CHARS, check_unicode

MAX_NOTES_CHARS = MAX_ENTRY_CHARS


class HandoffCommands(RosterScope):
    """Handoff notes and acknowledgments by ``actor`` (``Commands.handoff``)."""

    async def _point(self, at: datetime | None) -> tuple[str, datetime, Pair, Pair | None]:
        rot = review_rotation(self.roster)
        when = handoff_under_review(rot, self.policies, at or self.now())
        overrides = await load_overrides(self.store)
        primary = handoff_pair(rot, overrides, when)
        assert primary is not None
        secondary = handoff_pair(self.roster.rotation("secondary"), overrides, when)
        return rot.id, when, primary, secondary

    @staticmethod
    async def _row(s: AsyncSession, rotation: str, at: datetime, pair: Pair) -> Handoff:
        q = select(Handoff).where(col(Handoff.rotation) == rotation, col(Handoff.at) == at)
        row = (await s.execute(q.with_for_update())).scalar_one_or_none()
        if row is None:
            row = Handoff(rotation=rotation, at=at, outgoing=pair.outgoing, incoming=pair.incoming)
            s.add(row)
        return row

    async def save_notes(self, text: str, *, at: datetime | None = None) -> Handoff:
        """Replace the notes of the handoff under review at ``at`` (default: now)."""
        if len(text) > MAX_NOTES_CHARS:
            raise BadInput(
                f"the notes are {len(text):,} characters; the limit is {MAX_NOTES_CHARS:,}."
            )
        check_unicode(text, "the notes")
        rotation, when, pair, _ = await self._point(at)

        async def work(s: AsyncSession) -> Handoff:
            row = await self._row(s, rotation, when, pair)
            row.notes = text
            row.notes_by = self.actor
            record_change(s, None, "handoff", self.now())
            await s.flush()
            return row

        return await self.store.transaction(work)

    async def acknowledge(self, *, at: datetime | None = None) -> Handoff:
        """The incoming engineer takes the pager for the handoff under review at ``at``."""
        rotation, when, pair, secondary = await self._point(at)
        incoming = [p for p in (pair.incoming, secondary.incoming if secondary else None) if p]
        me = self.roster.person(self.actor)
        if me is None or me.name not in incoming:
            raise NotPermitted(
                f"only the incoming on-call ({' or '.join(incoming) or 'nobody'}) may acknowledge "
                f"the handoff of {self.show(when)}; you are acting as {self.actor} (use --as)."
            )
        now = self.now()
        if when - now > timedelta(minutes=self.policies.oncall.handoff.opens_minutes_before):
            raise BadInput(f"the handoff of {self.show(when)} is not open for review yet.")

        async def work(s: AsyncSession) -> Handoff:
            row = await self._row(s, rotation, when, pair)
            if row.acknowledged_at is not None:
                raise BadInput(
                    f"the handoff of {self.show(when)} was already acknowledged by "
                    f"{row.acknowledged_by} at {self.show(row.acknowledged_at)}; nothing changed."
                )
            if self.policies.oncall.handoff.notes_required and not row.notes.strip():
                raise BadInput(
                    f"there are no handoff notes yet and the policy requires them: "
                    f"{pair.outgoing or 'the outgoing engineer'} writes them first "
                    "(warroom handoff notes TEXT, or the console's handoff screen). "
                    "Nothing was recorded."
                )
            row.acknowledged_by = me.name
            row.acknowledged_at = now
            row.incoming = row.incoming or pair.incoming
            record_change(s, None, "handoff", now)
            await s.flush()
            return row

        return await self.store.transaction(work)
