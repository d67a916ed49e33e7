"""The live timeline of an incident, line-rendered.

Rows are the ``EntryRow`` named tuples of ``warroom.incident.queries.timeline_rows``
(seq, at, recorded_at, author, role, kind, text). Only the rows on screen are
drawn (``render_line``); for the rest the widget keeps one integer per row (the
first screen line of the row), so 100,000 entries cost a few megabytes and open
in a fraction of a second. Entries wrap at the widget's width.

User text is never markup: it becomes plain segments, with control characters
shown escaped (``\\x1b``). Kinds are told apart by colour and by a word (PAGE,
SEV, DECISION, STATUS ...). The view follows the newest entry unless the user
scrolled up; then a "N new" bar says what arrived below.

Under the stored rows, ``set_pending`` shows the scribe's lines not stored yet: dimmed
and marked "saving…", or "not saved: REASON" for a line that failed (in words, not only
colour). They are a few lines, drawn apart from the row index.
"""

from __future__ import annotations

import sys
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.events import Resize
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from warroom.incident.queries import EntryRow
from warroom.text import printable
from widgets.timeline_lines import PendingRow, clean, render_pending, spans

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
    "postmortem": ("POSTMORTEM", "system"),
}
WIDE_FROM = 96  # at this width and more the columns line up
AUTHOR_CELLS = 12
TAG_CELLS = 10
BACKDATED = timedelta(seconds=60)  # recorded this much after `at`: marked with '*'


def _compact(rows: Iterable[Row]) -> list[Row]:
    """Rows with their few distinct names shared (100,000 rows hold 6 authors, not 100,000)."""
    intern = sys.intern
    return [
        EntryRow(
            seq, at, rec, intern(author), intern(role) if role else role, intern(kind), text, ref
        )
        for seq, at, rec, author, role, kind, text, ref in rows
    ]


class TimelineView(ScrollView, can_focus=True):
    """The incident's timeline: newest at the bottom, following the tail."""

    COMPONENT_CLASSES = {
        "timeline--time",
        "timeline--role",
        "timeline--author",
        "timeline--note",
        "timeline--milestone",
        "timeline--severity",
        "timeline--decision",
        "timeline--status",
        "timeline--page",
        "timeline--system",
        "timeline--new",
        "timeline--pending",
        "timeline--failed",
    }
    DEFAULT_CSS = """
    TimelineView {
        scrollbar-gutter: stable;
        & > .timeline--time { color: $text-muted; }
        & > .timeline--role { color: $secondary; text-style: bold; }
        & > .timeline--author { color: $text-primary; }
        & > .timeline--note { }
        & > .timeline--milestone { color: $text-success; text-style: bold; }
        & > .timeline--severity { color: $text-warning; text-style: bold; }
        & > .timeline--decision { color: $text-accent; text-style: bold; }
        & > .timeline--status { color: $text-primary; text-style: bold; }
        & > .timeline--page { color: $text-error; text-style: bold; }
        & > .timeline--system { color: $text-muted; }
        & > .timeline--new { background: $warning; color: $text; text-style: bold; }
        & > .timeline--pending { color: $text-muted; text-style: italic; }
        & > .timeline--failed { color: $text-error; text-style: bold; }
    }
    """
    BINDINGS = [
        Binding("end", "scroll_end", "Newest", id="timeline.newest"),
        Binding("home", "scroll_home", "Oldest", id="timeline.oldest", show=False),
    ]

    utc: reactive[bool] = reactive(False)
    """Show times in UTC instead of the user's zone."""

    def __init__(self, tz: tzinfo = UTC, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.tz = tz
        self.rows: list[Row] = []
        self.loaded = False
        self.following = True
        self.new_count = 0
        self._starts: list[int] = []  # first screen line of each row
        self._lines = 0
        self._width = 0
        self._cache: LRUCache[int, list[Strip]] = LRUCache(512)
        self.painted = False
        self.after_first_paint: Callable[[], object] | None = None
        self.pending: list[PendingRow] = []
        self._pending_strips: list[Strip] = []

    # --- data ------------------------------------------------------------------------

    @property
    def last_seq(self) -> int:
        return self.rows[-1].seq if self.rows else 0

    @property
    def first_seq(self) -> int:
        return self.rows[0].seq if self.rows else 0

    @property
    def older_missing(self) -> int:
        """How many older entries are not loaded yet (sequence numbers start at 1)."""
        return max(self.first_seq - 1, 0)

    def set_rows(self, rows: Iterable[Row]) -> None:
        """Replace everything (the first load: usually the newest entries)."""
        self.rows = _compact(rows)
        self.loaded = True
        self.new_count = 0
        self._relayout()
        if self.following:
            self._to_tail()

    def append_rows(self, rows: Iterable[Row]) -> int:
        """Add rows after the last one shown (rows already shown are skipped)."""
        last = self.last_seq
        fresh = _compact(r for r in rows if int(r.seq) > last)
        if not fresh:
            return 0
        self.loaded = True
        self.rows.extend(fresh)
        if self._width:
            starts, lines = self._measure(fresh)
            self._starts.extend(s + self._lines for s in starts)
            self._lines += lines
            self.virtual_size = Size(self._width, self._total)
        if self.following:
            self._to_tail()
        else:
            self.new_count += len(fresh)
            self.refresh()
        return len(fresh)

    def prepend_rows(self, rows: Iterable[Row]) -> int:
        """Add older rows before the first one shown, keeping the view where it is."""
        first = self.first_seq
        older = _compact(r for r in rows if int(r.seq) < first)
        if not older:
            return 0
        self.rows[:0] = older
        if self._width:
            starts, lines = self._measure(older)
            self._starts = starts + [s + lines for s in self._starts]
            self._lines += lines
            self.virtual_size = Size(self._width, self._total)
            if self.following:
                self._to_tail()
            else:
                y = self.scroll_offset.y + lines
                self.scroll_to(y=y, animate=False, immediate=True, force=True)
        self.refresh()
        return len(older)

    # --- layout ----------------------------------------------------------------------

    def _text_width(self) -> int:
        return max(self.scrollable_content_region.width, 1)

    @property
    def wide(self) -> bool:
        return self._width >= WIDE_FROM

    def _relayout(self) -> None:
        self._width = self._text_width() if self.size.width else 0
        self._cache.clear()
        self._starts, self._lines = self._measure(self.rows) if self._width else ([], 0)
        self._pending_strips = self._render_pending() if self._width else []
        self.virtual_size = Size(self._width, self._total)
        self.refresh()

    @property
    def _total(self) -> int:
        """Screen lines of the stored rows and, under them, the pending ones."""
        return self._lines + len(self._pending_strips)

    # --- lines not stored yet --------------------------------------------------------

    def set_pending(self, rows: Iterable[PendingRow]) -> None:
        """Show these scribe lines (queued, saving or failed) under the stored rows."""
        rows = list(rows)
        if rows == self.pending:
            return
        self.pending = rows
        self._pending_strips = self._render_pending() if self._width else []
        self.virtual_size = Size(self._width, self._total)
        if self.following:
            self._to_tail()
        self.refresh()

    def _render_pending(self) -> list[Strip]:
        base = self.rich_style
        looks = (base + self._style("pending"), base + self._style("failed"))
        return render_pending(self.pending, self._width, base, *looks)

    def _measure(self, rows: Sequence[Row]) -> tuple[list[int], int]:
        """The first line of each row (from 0) and the lines they take, at this width."""
        width, wide = self._width, self.wide
        indent = self._indent()
        starts: list[int] = []
        lines = 0
        for row in rows:
            starts.append(lines)
            body = row.text
            if not body.isprintable():
                body = printable(body)
            avail = width - (indent if wide else self._head_cells(row))
            if len(body) <= avail and body.isascii():
                lines += 1
            else:
                lines += len(spans(body, avail, width - indent))
        return starts, lines

    def _indent(self) -> int:
        if self.wide:
            return 9 + 1 + 6 + 1 + AUTHOR_CELLS + 1 + TAG_CELLS + 1
        return 7

    def _head_cells(self, row: Row) -> int:
        """Cells before the text on a row's first line (narrow layout)."""
        tag = KIND_LOOK.get(row.kind, (row.kind.upper(), "system"))[0]
        role = row.role or ""
        author = clean(row.author)[:AUTHOR_CELLS]
        cells = 7 + (len(role) + 1 if role else 0)
        cells += (len(author) if author.isascii() else cell_len(author)) + 1
        return cells + (len(tag) + 1 if tag else 0)

    def on_resize(self, event: Resize) -> None:
        if self._text_width() != self._width:
            self._relayout()
        if self.following:
            self._to_tail()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        if self._pending_strips:
            self._pending_strips = self._render_pending()

    def watch_utc(self) -> None:
        self._cache.clear()
        self.refresh()

    # --- following the tail ----------------------------------------------------------

    def _to_tail(self) -> None:
        self.new_count = 0
        end = max(0, self._total - self.scrollable_content_region.height)
        self.scroll_to(y=end, animate=False, immediate=True, force=True)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        at_end = round(new_value) >= self._total - self.scrollable_content_region.height
        if at_end and not self.following:
            self.following = True
            self.new_count = 0
            self.refresh()
        elif not at_end and round(new_value) < round(old_value):
            self.following = False

    def action_scroll_end(self) -> None:
        self.following = True
        self._to_tail()
        self.refresh()

    def action_scroll_home(self) -> None:
        self.following = False
        self.scroll_to(y=0, animate=False, immediate=True)

    # --- drawing ---------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        height = self.scrollable_content_region.height
        if not self.following and self.new_count and y == height - 1:
            word = "entry" if self.new_count == 1 else "entries"
            bar = f" ▼ {self.new_count} new {word} below; End jumps to the newest "
            style = base + self.get_component_rich_style("timeline--new")
            return Strip([Segment(bar, style)]).crop_extend(0, width, style)
        if not self.loaded:
            text = "Loading the timeline…" if y == 0 else ""
            return Strip([Segment(text, base)]).crop_extend(0, width, base)
        if not self.painted:
            self.painted = True
            if self.after_first_paint is not None:
                self.call_later(self.after_first_paint)
        line = round(self.scroll_offset.y) + y
        if line >= self._lines and line - self._lines < len(self._pending_strips):
            return self._pending_strips[line - self._lines].crop_extend(0, width, base)
        if line >= self._lines or not self._starts:
            return Strip.blank(width, base)
        index = bisect_right(self._starts, line) - 1
        row = self.rows[index]
        strips = self._cache.get(row.seq)
        if strips is None:
            strips = self._render_row(row)
            self._cache[row.seq] = strips
        part = line - self._starts[index]
        strip = strips[part] if part < len(strips) else Strip.blank(width, base)
        return strip.crop_extend(0, width, base)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"timeline--{name}")

    def _when(self, row: Row) -> str:
        at: datetime = row.at
        shown = at.astimezone(UTC if self.utc else self.tz)
        stamp = shown.strftime("%H:%M:%S" if self.wide else "%H:%M")
        recorded: datetime = row.recorded_at
        return stamp + ("*" if recorded - at > BACKDATED else " ")

    def _render_row(self, row: Row) -> list[Strip]:
        base = self.rich_style
        wide = self.wide
        tag, group = KIND_LOOK.get(row.kind, (clean(row.kind).upper(), "system"))
        role = row.role or ""
        author = clean(row.author)[:AUTHOR_CELLS]
        body = clean(row.text)
        look = base + self._style(group)
        head: list[Segment] = [Segment(self._when(row) + " ", base + self._style("time"))]
        if wide:
            head.append(Segment(f"{role[:6]:<6} ", base + self._style("role")))
            shown = set_cell_size(author, AUTHOR_CELLS) + " "
            head.append(Segment(shown, base + self._style("author")))
            head.append(Segment(f"{tag[:TAG_CELLS]:<{TAG_CELLS}} ", look))
        else:
            if role:
                head.append(Segment(role + " ", base + self._style("role")))
            head.append(Segment(author + " ", base + self._style("author")))
            if tag:
                head.append(Segment(tag + " ", look))
        head_cells = sum(s.cell_length for s in head)
        indent = self._indent()
        text_style = base if group in ("note", "system") else look
        if group == "system":
            text_style = base + self._style("system")
        strips = []
        for n, (a, b) in enumerate(spans(body, self._width - head_cells, self._width - indent)):
            lead = head if n == 0 else [Segment(" " * indent, base)]
            strips.append(Strip([*lead, Segment(body[a:b], text_style)]))
        return strips
