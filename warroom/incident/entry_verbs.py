"""Working on entries after the fact: correct one, pin or unpin one as a key event.

The timeline is append-only and hash-chained, so none of these changes the entry: each
is a new entry whose ``corrects_id`` is the id of the one it is about (entries are
named by their ``#seq`` in the incident, as the console and ``warroom show`` number
them). A ``correction`` says what the entry should have said; a ``pin`` makes an entry
a key event of the post-mortem and an ``unpin`` takes that back: an entry is pinned
when the latest pin or unpin pointing at it is a pin (:func:`pinned_ids`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from warroom.errors import BadInput
from warroom.incident.mutation import CommandScope, Mutation
from warroom.incident.roles import ROLE_NAMES, role_id
from warroom.models import TimelineEntry
from warroom.text import check_entry_text

PIN_KINDS = ("pin", "unpin")


def entry_seq(value: int | str) -> int:
    """``12`` or ``#12``: the number of an entry in its incident's timeline."""
    text = str(value).strip().removeprefix("#")
    if text.isascii() and text.isdigit() and int(text) > 0:
        return int(text)
    raise BadInput(f"bad entry number {str(value)[:20]!r}; give its #number, e.g. 12 or #12.")


def pinned_ids(entries: Iterable[Any]) -> set[int]:
    """The ids of the entries pinned now, from entries (in seq order) with ``kind`` and
    ``corrects_id``."""
    pinned: set[int] = set()
    for e in entries:
        if e.kind in PIN_KINDS and e.corrects_id is not None:
            (pinned.add if e.kind == "pin" else pinned.discard)(e.corrects_id)
    return pinned


async def _target(m: Mutation, seq: int) -> TimelineEntry:
    t = TimelineEntry
    q = select(t).where(t.incident_id == m.incident_id, t.seq == seq)  # type: ignore[arg-type]
    entry = (await m.session.execute(q)).scalar_one_or_none()
    if entry is None:
        raise BadInput(f"{m.incident.ref} has no entry #{seq}; nothing was stored.")
    return entry


class EntryVerbs(CommandScope):
    async def correct(
        self, ref: str, seq: int | str, text: str, *, role: str | None = None
    ) -> TimelineEntry:
        """A ``correction`` entry pointing at entry ``#seq``: what it should have said."""
        n = entry_seq(seq)
        check_entry_text(text)
        label = ROLE_NAMES[role_id(role)] if role else None

        async def work(m: Mutation) -> TimelineEntry:
            target = await _target(m, n)
            if target.kind in PIN_KINDS:
                raise BadInput(f"#{n} is a {target.kind}; correct the entry it points at.")
            if target.text == text:
                raise BadInput(f"#{n} already says that; nothing was stored.")
            who = label or await m.my_role()
            return await m.entry(
                "correction", text, role=who, key_event=False, corrects_id=target.id
            )

        return await self.mutate(ref, work)

    async def pin(self, ref: str, seq: int | str, *, pinned: bool = True) -> TimelineEntry:
        """Pin entry ``#seq`` as a key event of the post-mortem (``pinned=False``: unpin)."""
        n = entry_seq(seq)

        async def work(m: Mutation) -> TimelineEntry:
            target = await _target(m, n)
            if target.kind in PIN_KINDS:
                raise BadInput(f"#{n} is a {target.kind} itself; pin the entry it points at.")
            t = TimelineEntry
            q = select(t.kind).where(  # type: ignore[call-overload]
                t.incident_id == m.incident_id,
                t.corrects_id == target.id,
                t.kind.in_(PIN_KINDS),  # type: ignore[attr-defined]
            )
            latest = (await m.session.execute(q.order_by(t.seq.desc()).limit(1))).scalar()  # type: ignore[attr-defined]
            if (latest == "pin") == pinned:
                state = "pinned" if pinned else "not pinned"
                raise BadInput(f"#{n} is already {state}; nothing changed.")
            text = (
                f"Pinned #{n} as a key event for the post-mortem"
                if pinned
                else f"Unpinned #{n}: no longer a key event for the post-mortem"
            )
            kind = "pin" if pinned else "unpin"
            return await m.entry(kind, text, key_event=False, corrects_id=target.id)

        return await self.mutate(ref, work)
