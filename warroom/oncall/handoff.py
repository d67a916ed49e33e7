"""Recording a handoff: the outgoing engineers' notes and the incoming ones' acknowledgments.

Each rotation's handoff has its own ``handoff`` row (rotation, handoff time), created on
first use, written in one transaction with its change-feed row. The primary rotation's
handoff is the one under review (:func:`~warroom.oncall.review.handoff_under_review`);
the secondary rotation's row at the same moment holds the secondary's part.

- Notes: only people of the roster write them, and only for a handoff where they are
  the outgoing on-call (primary or secondary): the one under review, or else the one
  that ends the shift they are on now. Each note is appended with its author and time
  (:mod:`warroom.oncall.handoff_notes`), never replacing the ones before it.
- Acknowledgment: the incoming primary and the incoming secondary each acknowledge
  their own handoff (exit 3 for anyone else), once; when the policy's
  ``handoff.notes_required`` says so, only after notes were written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from warroom.errors import BadInput, NotPermitted
from warroom.incident.mutation import record_change
from warroom.models import Handoff
from warroom.oncall.handoff_notes import append_note, new_part, read_notes
from warroom.oncall.overrides import load_overrides
from warroom.oncall.review import Pair, handoff_pair, handoff_under_review, review_rotation
from warroom.oncall.schedule import handoff_instant, shift_index
from warroom.oncall.scope import RosterScope
from warroom.policy.roster import PersonSpec
from warroom.text import MAX_ENTRY_CHARS, check_unicode

MAX_NOTES_CHARS = MAX_ENTRY_CHARS


@dataclass(frozen=True)
class Side:
    """One rotation's part of a handoff: which row, who hands over to whom."""

    rotation: str
    kind: str  # primary, secondary
    at: datetime
    pair: Pair


class HandoffCommands(RosterScope):
    """Handoff notes and acknowledgments by ``actor`` (``Commands.handoff``)."""

    async def _sides(self, when: datetime) -> list[Side]:
        """The primary's and the secondary's handoff at ``when`` (the secondary only
        when someone hands over to someone else then)."""
        rot = review_rotation(self.roster)
        overrides = await load_overrides(self.store)
        primary = handoff_pair(rot, overrides, when)
        assert primary is not None
        sides = [Side(rot.id, "primary", when, primary)]
        sec_rot = self.roster.rotation("secondary")
        secondary = handoff_pair(sec_rot, overrides, when)
        if (
            sec_rot is not None
            and secondary is not None
            and sec_rot.id != rot.id
            and secondary.outgoing != secondary.incoming
        ):
            sides.append(Side(sec_rot.id, "secondary", when, secondary))
        return sides

    def _member(self, what: str) -> PersonSpec:
        me = self.roster.person(self.actor)
        if me is None:
            raise NotPermitted(
                f"{self.actor} is not in the roster; only the team's on-call people {what} "
                "(use --as with your roster name)."
            )
        return me

    @staticmethod
    async def _row(s: AsyncSession, side: Side) -> Handoff:
        q = select(Handoff).where(
            col(Handoff.rotation) == side.rotation, col(Handoff.at) == side.at
        )
        row = (await s.execute(q.with_for_update())).scalar_one_or_none()
        if row is None:
            row = Handoff(
                rotation=side.rotation,
                at=side.at,
                outgoing=side.pair.outgoing,
                incoming=side.pair.incoming,
            )
            s.add(row)
        return row

    async def save_notes(
        self, text: str, *, at: datetime | None = None, shown: str | None = None
    ) -> Handoff:
        """Append a note by the actor to the handoff where they are the outgoing on-call,
        as of ``at`` (default: now). ``shown``: the notes as an editor showed them (the
        console sends the whole text): only what was added after them is the new note."""
        me = self._member("write handoff notes")
        if len(text) > MAX_NOTES_CHARS:
            raise BadInput(
                f"the notes are {len(text):,} characters; the limit is {MAX_NOTES_CHARS:,}."
            )
        check_unicode(text, "the notes")
        note = new_part(text, shown)
        if not note.strip():
            raise BadInput("the note is empty; nothing was saved.")
        when = at or self.now()
        side = await self._outgoing_side(me.name, when)

        async def work(s: AsyncSession) -> Handoff:
            row = await self._row(s, side)
            append_note(row, me.name, when, note)
            record_change(s, None, "handoff", self.now())
            await s.flush()
            return row

        return await self.store.transaction(work)

    async def _outgoing_side(self, name: str, at: datetime) -> Side:
        """The handoff where ``name`` hands over: the one under review, else the one
        that ends the shift running at ``at``."""
        rot = review_rotation(self.roster)
        under_review = handoff_under_review(rot, self.policies, at)
        candidates = [under_review, handoff_instant(rot, shift_index(rot, at) + 1)]
        outgoing: list[str] = []
        for when in dict.fromkeys(candidates):
            for side in await self._sides(when):
                if side.pair.outgoing == name:
                    return side
                if when == under_review and side.pair.outgoing:
                    outgoing.append(side.pair.outgoing)
        raise NotPermitted(
            f"handoff notes are written by the outgoing on-call; {name} hands over neither "
            f"at the handoff of {self.show(under_review)} (outgoing: "
            f"{' and '.join(outgoing) or 'nobody'}) nor at the end of the current shift."
        )

    async def acknowledge(self, *, at: datetime | None = None) -> Handoff:
        """The incoming engineer (primary or secondary) takes the pager for the handoff
        under review at ``at``: each acknowledges their own."""
        rot = review_rotation(self.roster)
        when = handoff_under_review(rot, self.policies, at or self.now())
        sides = await self._sides(when)
        incoming = [s.pair.incoming for s in sides if s.pair.incoming]
        me = self.roster.person(self.actor)
        mine = next((s for s in sides if me is not None and s.pair.incoming == me.name), None)
        if me is None or mine is None:
            raise NotPermitted(
                f"only the incoming on-call ({' or '.join(incoming) or 'nobody'}) may acknowledge "
                f"the handoff of {self.show(when)}; you are acting as {self.actor} (use --as)."
            )
        now = self.now()
        if when - now > timedelta(minutes=self.policies.oncall.handoff.opens_minutes_before):
            raise BadInput(f"the handoff of {self.show(when)} is not open for review yet.")

        async def work(s: AsyncSession) -> Handoff:
            row = await self._row(s, mine)
            q = select(Handoff).where(
                col(Handoff.at) == when, col(Handoff.rotation).in_([d.rotation for d in sides])
            )
            rows = [row, *(await s.execute(q)).scalars()]
            if row.acknowledged_at is not None:
                raise BadInput(
                    f"the {mine.kind} handoff of {self.show(when)} was already acknowledged by "
                    f"{row.acknowledged_by} at {self.show(row.acknowledged_at)}; nothing changed."
                )
            notes = any(read_notes(r) for r in rows)
            if self.policies.oncall.handoff.notes_required and not notes:
                writers = " or ".join(side.pair.outgoing or "?" for side in sides)
                raise BadInput(
                    f"there are no handoff notes yet and the policy requires them: "
                    f"{writers or 'the outgoing engineer'} writes them first "
                    "(warroom handoff notes TEXT, or the console's handoff screen). "
                    "Nothing was recorded."
                )
            row.acknowledged_by = me.name
            row.acknowledged_at = now
            row.incoming = row.incoming or mine.pair.incoming
            record_change(s, None, "handoff", now)
            await s.flush()
            return row

        return await self.store.transaction(work)
