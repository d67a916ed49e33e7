"""The notes of a handoff: appended one at a time with their author and time, never
replaced.

They are kept in the ``handoff.notes`` column as one JSON document
(``{"handoff_notes": [{"by", "at", "text"}, ...]}``); a column written before notes
were appended (plain text) reads as one note by ``notes_by`` at an unknown time. The
text of each note is kept exactly as typed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from warroom.errors import BadInput
from warroom.models import Handoff
from warroom.timeparse import iso_z

KEY = "handoff_notes"
EARLIEST = datetime.min.replace(tzinfo=UTC)
SEPARATOR = "\n\n"  # between notes, where they are shown as one text (the editor)


@dataclass(frozen=True)
class HandoffNote:
    by: str | None
    at: datetime | None
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "at": iso_z(self.at), "text": self.text}

    def heading(self, tz: tzinfo, fmt: str = "%a %Y-%m-%d %H:%M %Z") -> str:
        when = f" at {self.at.astimezone(tz).strftime(fmt)}" if self.at else ""
        return f"{self.by or '?'}{when}"


def read_notes(row: Handoff | None) -> list[HandoffNote]:
    """The notes of a handoff row, oldest first."""
    if row is None or not row.notes.strip():
        return []
    stored = _parse(row.notes)
    if stored is None:  # plain text, from before notes were appended
        return [HandoffNote(row.notes_by, None, row.notes)]
    return stored


def _parse(column: str) -> list[HandoffNote] | None:
    if not column.startswith('{"' + KEY):
        return None
    try:
        data = json.loads(column)
        return [
            HandoffNote(
                n["by"], datetime.fromisoformat(n["at"]) if n.get("at") else None, n["text"]
            )
            for n in data[KEY]
        ]
    except (ValueError, KeyError, TypeError):
        return None


def append_note(row: Handoff, by: str, at: datetime, text: str) -> None:
    """Add ``text`` by ``by`` at ``at`` after the notes already on ``row``."""
    notes = [*read_notes(row), HandoffNote(by, at, text)]
    row.notes = json.dumps({KEY: [n.to_json() for n in notes]}, ensure_ascii=False)
    row.notes_by = by


def joined(notes: Iterable[HandoffNote]) -> str:
    """The notes' texts as one text (what the console's editor shows)."""
    return SEPARATOR.join(n.text for n in notes)


def new_part(text: str, shown: str | None) -> str:
    """What was added to ``shown`` (the notes as someone saw them) to make ``text``:
    notes already saved are kept as they are, so only an addition at the end counts."""
    if shown is None or not shown:
        return text
    if not text.startswith(shown):
        raise BadInput(
            "the notes already saved stay as they were written (notes are added, never "
            "replaced): write yours after them. Nothing was saved."
        )
    return text[len(shown) :].strip("\r\n")


def by_time(groups: Sequence[Sequence[HandoffNote]]) -> list[HandoffNote]:
    """The notes of several rows (primary, secondary) in the order they were written."""
    flat = [n for g in groups for n in g]
    return sorted(flat, key=lambda n: (n.at is not None, n.at or EARLIEST))
