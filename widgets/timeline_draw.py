"""How one timeline row reads: its time (with the date when it is not from today), its
role, author and kind, its markers, and its text wrapped at the widget's width.

``RowLayout`` measures a row (the screen lines it takes, which the row index keeps) and
draws it; both break the text with ``timeline_lines.spans`` so they always agree.

- Time: ``HH:MM`` (``HH:MM:SS`` when wide) for an entry from today in the zone shown,
  ``Mar 01 23:59`` for another day, ``2025 Mar 01 23:59`` for another year; a ``*``
  after it when the entry was recorded more than a minute after it happened. When wide
  the time is a column as wide as the widest date loaded needs.
- Markers, in words (readable without colour): ``[pin]`` on an entry pinned as a key
  event, ``[corrected in #40]`` on an entry a later one corrects, and ``corrects #12:``
  at the start of a correction.
- An entry over ``FOLD_LINES`` screen lines is folded: its first lines, then
  ``… N more lines``; ``unfolded`` holds the entries opened.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from warroom.incident.queries import EntryRow
from warroom.text import printable
from widgets.timeline_lines import clean, spans
from widgets.timeline_order import TimelineOrder

Row = EntryRow

# kind -> (the word shown, the colour group)
KIND_LOOK: dict[str, tuple[str, str]] = {
    "note": ("", "note"),
    "declared": ("DECLARED", "milestone"),
    "ack": ("ACK", "milestone"),
    "mitigated": ("MITIGATED", "milestone"),
    "resolved": ("RESOLVED", "milestone"),
    "closed": ("CLOSED", "milestone"),
    "reopened": ("REOPENED", "milestone"),
    "milestone": ("MILESTONE", "milestone"),
    "severity": ("SEV", "severity"),
    "decision": ("DECISION", "decision"),
    "status": ("STATUS", "status"),
    "page": ("PAGE", "page"),
    "delivery": ("DELIVERY", "page"),
    "assign": ("ROLE", "system"),
    "handoff": ("HANDOFF", "system"),
    "phase": ("PHASE", "system"),
    "checklist": ("CHECK", "system"),
    "action": ("ACTION", "system"),
    "correction": ("CORRECTION", "system"),
    "pin": ("PIN", "system"),
    "unpin": ("UNPIN", "system"),
    "postmortem": ("POSTMORTEM", "system"),
}
TAG_KINDS = {tag.lower(): kind for kind, (tag, _) in KIND_LOOK.items() if tag}
WIDE_FROM = 96  # at this width and more the columns line up
AUTHOR_CELLS = 12
TAG_CELLS = 10
ROLE_CELLS = 6
BACKDATED = timedelta(seconds=60)  # recorded this much after `at`: marked with '*'
FOLD_LINES = 3  # an entry over this many lines shows them, then "… N more lines"
TODAY, THIS_YEAR, OTHER_YEAR = 0, 1, 2
NARROW_STAMP = (5, 12, 17)  # "14:02", "Mar 01 14:02", "2025 Mar 01 14:02"
WIDE_STAMP = (8, 15, 20)  # the same with seconds
PIN = "[pin] "

Styles = Callable[[str], Style]  # a component's name ("time", "pin") -> its style


def look(kind: str) -> tuple[str, str]:
    return KIND_LOOK.get(kind, (clean(kind).upper(), "system"))


def _midnight(day: datetime, zone: tzinfo) -> datetime:
    return datetime.combine(day.date(), time(0), tzinfo=zone).astimezone(UTC)


@dataclass
class RowLayout:
    """Measures and draws rows at ``width`` in ``zone``, "today" being ``now``'s day."""

    order: TimelineOrder
    width: int = 0
    zone: tzinfo = UTC
    now: datetime | None = None  # None: every entry is from today (no dates)
    unfolded: Collection[int] = field(default_factory=set)
    stamp_cells: int = WIDE_STAMP[TODAY]
    _bounds: tuple[datetime, datetime, datetime, datetime] | None = None

    def __post_init__(self) -> None:
        self.set_day(self.now, self.zone)

    def set_day(self, now: datetime | None, zone: tzinfo) -> None:
        self.now, self.zone = now, zone
        if now is None:
            self._bounds = None
            return
        local = now.astimezone(zone)
        day0 = _midnight(local, zone)
        day1 = _midnight(local + timedelta(days=1), zone)
        year0 = _midnight(local.replace(month=1, day=1), zone)
        year1 = _midnight(local.replace(year=local.year + 1, month=1, day=1), zone)
        self._bounds = (day0, day1, year0, year1)

    def day_of(self, at: datetime) -> int:
        b = self._bounds
        if b is None or b[0] <= at < b[1]:
            return TODAY
        return THIS_YEAR if b[2] <= at < b[3] else OTHER_YEAR

    def wanted_stamp_cells(self) -> int:
        """The wide time column the loaded rows need (their earliest and latest)."""
        order = self.order
        if order.min_at is None or order.max_at is None:
            return WIDE_STAMP[TODAY]
        return WIDE_STAMP[max(self.day_of(order.min_at), self.day_of(order.max_at))]

    @property
    def wide(self) -> bool:
        return self.width >= WIDE_FROM

    @property
    def indent(self) -> int:
        if self.wide:
            return self.stamp_cells + 2 + ROLE_CELLS + 1 + AUTHOR_CELLS + 1 + TAG_CELLS + 1
        return 7

    # --- measuring -------------------------------------------------------------------

    def marks(self, row: Row) -> list[tuple[str, str]]:
        """The markers before the text: (text, component name)."""
        out: list[tuple[str, str]] = []
        order = self.order
        if order.pinned(row.seq):
            out.append((PIN, "pin"))
        fixed = order.corrected.get(row.seq)
        if fixed is not None:
            out.append((f"[corrected in #{fixed}] ", "mark"))
        if row.kind == "correction" and row.corrects is not None:
            out.append((f"corrects #{row.corrects}: ", "mark"))
        return out

    def head_cells(self, row: Row) -> int:
        """Cells before the text on a row's first line."""
        if self.wide:
            return self.indent
        tag = look(row.kind)[0]
        role = row.role or ""
        author = clean(row.author)[:AUTHOR_CELLS]
        cells = NARROW_STAMP[self.day_of(row.at)] + 2 + (len(role) + 1 if role else 0)
        cells += (len(author) if author.isascii() else cell_len(author)) + 1
        return cells + (len(tag) + 1 if tag else 0)

    def count_lines(self, row: Row, marks: list[tuple[str, str]] | None = None) -> int:
        """The screen lines the whole entry takes (not folded)."""
        body = row.text
        if not body.isprintable():
            body = printable(body)
        marks = self.marks(row) if marks is None else marks
        avail = self.width - self.head_cells(row)
        if not marks and len(body) <= avail and body.isascii():
            return 1
        lead = "".join(text for text, _ in marks)
        return len(spans(lead + body, avail, self.width - self.indent))

    def measure(self, row: Row) -> int:
        """The screen lines the row takes as shown (folded unless opened)."""
        lines = self.count_lines(row)
        if lines > FOLD_LINES and row.seq not in self.unfolded:
            return FOLD_LINES + 1
        return lines

    def foldable(self, row: Row) -> bool:
        return self.count_lines(row) > FOLD_LINES

    # --- drawing ---------------------------------------------------------------------

    def stamp(self, row: Row) -> str:
        at: datetime = row.at
        shown = at.astimezone(self.zone)
        text = shown.strftime("%H:%M:%S" if self.wide else "%H:%M")
        day = self.day_of(at)
        if day == THIS_YEAR:
            text = shown.strftime("%b %d ") + text
        elif day == OTHER_YEAR:
            text = shown.strftime("%Y %b %d ") + text
        if self.wide:
            text = text.rjust(self.stamp_cells)
        recorded: datetime = row.recorded_at
        return text + ("*" if recorded - at > BACKDATED else " ")

    def draw(self, row: Row, style: Styles, base: Style) -> list[Strip]:
        tag, group = look(row.kind)
        role = row.role or ""
        author = clean(row.author)[:AUTHOR_CELLS]
        kind_look = base + style(group)
        head: list[Segment] = [Segment(self.stamp(row) + " ", base + style("time"))]
        if self.wide:
            head.append(Segment(f"{role[:ROLE_CELLS]:<{ROLE_CELLS}} ", base + style("role")))
            head.append(Segment(set_cell_size(author, AUTHOR_CELLS) + " ", base + style("author")))
            head.append(Segment(f"{tag[:TAG_CELLS]:<{TAG_CELLS}} ", kind_look))
        else:
            if role:
                head.append(Segment(role + " ", base + style("role")))
            head.append(Segment(author + " ", base + style("author")))
            if tag:
                head.append(Segment(tag + " ", kind_look))
        head_cells = sum(s.cell_length for s in head)
        text_style = base if group == "note" else kind_look
        if group == "system":
            text_style = base + style("system")
        marks = self.marks(row)
        pieces = [(text, base + style(name)) for text, name in marks]
        pieces.append((clean(row.text), text_style))
        body = "".join(text for text, _ in pieces)
        indent = self.indent
        cuts = spans(body, self.width - head_cells, self.width - indent)
        folded = len(cuts) > FOLD_LINES and row.seq not in self.unfolded
        pad = [Segment(" " * indent, base)]
        strips = [
            Strip([*(head if n == 0 else pad), *_cut(pieces, a, b)])
            for n, (a, b) in enumerate(cuts[:FOLD_LINES] if folded else cuts)
        ]
        if folded:
            more = len(cuts) - FOLD_LINES
            note = f"… {more:,} more line{'' if more == 1 else 's'}"
            strips.append(Strip([*pad, Segment(note, base + style("fold"))]))
        return strips


def _cut(pieces: list[tuple[str, Style]], a: int, b: int) -> list[Segment]:
    """The segments of characters ``a`` to ``b`` of the pieces put end to end."""
    out: list[Segment] = []
    pos = 0
    for text, style in pieces:
        end = pos + len(text)
        if end > a and pos < b:
            out.append(Segment(text[max(a - pos, 0) : min(b, end) - pos], style))
        pos = end
    return out
