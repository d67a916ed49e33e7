"""How the timeline breaks text into screen lines, and the scribe's lines not stored
yet as it draws them under its rows.

A queued or saving line reads ``saving… TEXT`` (dimmed); a line that could not be
saved reads ``not saved: REASON · TEXT``: the state is in words, not only colour.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from rich.cells import get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from warroom.text import printable

SAVING = "saving…"


def clean(text: str) -> str:
    """The text as shown: control characters escaped, everything else as typed."""
    return text if text.isprintable() else printable(text)


def spans(body: str, first: int, rest: int) -> list[tuple[int, int]]:
    """Where ``body`` breaks into lines ``first`` then ``rest`` cells wide (prefers spaces).

    Used both to count a row's height and to draw it, so the two always agree."""
    n = len(body)
    if body.isascii():
        if n <= first:
            return [(0, n)]
        out = []
        start, avail = 0, max(first, 1)
        while n - start > avail:
            end = start + avail
            space = body.rfind(" ", start + avail // 2, end + 1)
            cut = space + 1 if space > start else end
            out.append((start, cut))
            start, avail = cut, max(rest, 1)
        out.append((start, n))
        return out
    out = []
    start, avail, used = 0, max(first, 1), 0
    for i, ch in enumerate(body):
        w = get_character_cell_size(ch)
        if used + w > avail and i > start:
            out.append((start, i))
            start, avail, used = i, max(rest, 1), 0
        used += w
    out.append((start, n))
    return out


class PendingRow(NamedTuple):
    """A scribe line not stored yet: ``reason`` None while it is queued or saving."""

    text: str
    reason: str | None = None


def label(row: PendingRow) -> str:
    return f"{SAVING} " if row.reason is None else f"not saved: {printable(row.reason)} · "


def render_pending(
    rows: Iterable[PendingRow], width: int, base: Style, saving: Style, failed: Style
) -> list[Strip]:
    """The screen lines of ``rows`` at ``width`` (wrapped, continuation lines indented)."""
    strips: list[Strip] = []
    for row in rows:
        body = label(row) + clean(row.text)
        style = saving if row.reason is None else failed
        for a, b in spans(body, width, width - 2):
            lead = [] if a == 0 else [Segment("  ", base)]
            strips.append(Strip([*lead, Segment(body[a:b], style)]))
    return strips
