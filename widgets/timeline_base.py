"""The timeline's row index and drawing (``TimelineBase``); the keys, cursor mode and
filter are ``widgets.timeline_view.TimelineView``, which the screens use.

Rows are the ``EntryRow`` named tuples of ``warroom.incident.queries.timeline_rows``,
kept by ``TimelineOrder`` (``widgets.timeline_order``) in event-time order or recorded
order with the screen lines each takes; only the rows on screen are drawn
(``render_line``, by ``widgets.timeline_draw``), so 100,000 entries open in a fraction
of a second. Entries wrap at the widget's width; one over three lines is folded. An
entry not from today (in the zone shown) shows its date; ``check_day`` notices
midnight.

User text is never markup: it becomes plain segments, with control characters shown
escaped (``\\x1b``). The view follows the newest entry unless the user scrolled up;
then a "N new" bar says what arrived.

Under the stored rows, ``set_pending`` shows the scribe's lines not stored yet: dimmed
and marked "saving…", or "not saved: REASON" for a line that failed (in words, not only
colour). They are a few lines, drawn apart from the row index.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo

from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.events import Resize
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from warroom.incident.queries import EntryRow
from widgets.timeline_draw import RowLayout
from widgets.timeline_filter import EntryFilter
from widgets.timeline_lines import PendingRow, render_pending
from widgets.timeline_order import TimelineOrder

Row = EntryRow


def _compact(rows: Iterable[Row]) -> list[Row]:
    """Rows with their few distinct names shared (100,000 rows hold 6 authors, not 100,000)."""
    intern = sys.intern
    return [
        EntryRow(
            seq, at, rec, intern(author), intern(role) if role else role, intern(kind), text, ref
        )
        for seq, at, rec, author, role, kind, text, ref in rows
    ]


class TimelineBase(ScrollView):
    """The rows, their layout and their drawing; newest at the bottom, following it."""

    utc: reactive[bool] = reactive(False)
    """Show times in UTC instead of the user's zone."""

    def __init__(
        self,
        tz: tzinfo = UTC,
        *,
        now: Callable[[], datetime] | None = None,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self.tz = tz
        self.now = now
        self.order = TimelineOrder()
        self.unfolded: set[int] = set()
        self.look = RowLayout(self.order, zone=tz, now=now() if now else None)
        self.look.unfolded = self.unfolded
        self.loaded = False
        self.following = True
        self.new_count = 0
        self.cursor: Row | None = None  # the highlighted row (cursor mode)
        self.filter: EntryFilter | None = None
        self.loading_note = ""  # "loading N older entries…", in the title
        self.zone_label = ""  # the zone the times are in, in the title
        self._width = 0
        self._cache: LRUCache[int, list[Strip]] = LRUCache(512)
        self.painted = False
        self.after_first_paint: Callable[[], object] | None = None
        self.pending: list[PendingRow] = []
        self._pending_strips: list[Strip] = []

    # --- data ------------------------------------------------------------------------

    @property
    def rows(self) -> list[Row]:
        """The rows loaded, in the order shown (the filter aside)."""
        return self.order.rows

    @property
    def shown_rows(self) -> list[Row]:
        return self.order.shown

    @property
    def by_event(self) -> bool:
        return self.order.by_event

    @property
    def last_seq(self) -> int:
        """The newest entry loaded (recorded order): new rows are those after it."""
        return self.order.seen_seq

    @property
    def floor(self) -> tuple[datetime, int] | None:
        """(at, seq) of the oldest entry of the tail and its older slices."""
        return self.order.floor

    @property
    def older_missing(self) -> int:
        """How many older entries are not loaded yet (sequence numbers start at 1)."""
        return self.order.older_missing

    def set_rows(self, rows: Iterable[Row]) -> None:
        """The first load: the newest entries by event time."""
        self.loaded = True
        self.new_count = 0
        self.order.add(_compact(rows), self.look.measure, older=True)
        self._relayout()
        if self.following:
            self._to_tail()

    def add_rows(self, rows: Iterable[Row], *, older: bool = False) -> int:
        """Add rows not loaded yet where they happened (``older``: a slice of older rows,
        the view stays where it is); returns how many were new."""
        self.loaded = True
        anchor = self._anchor()
        fresh = self.order.add(_compact(rows), self._measure, older=older)
        if not fresh:
            return 0
        if self._width and self.look.wanted_stamp_cells() != self.look.stamp_cells:
            self._relayout()  # a date now shows: the time column widens
        for seq in self.order.touched:  # pinned or corrected: drawn again
            self._cache.discard(seq)
        if self.cursor is not None and self.cursor.seq in self.order.touched:
            self._note()
        self._sized()
        if self.following:
            self._to_tail()
        else:
            if not older:
                self.new_count += len(fresh)
            self._restore(anchor)
        self._added()
        return len(fresh)

    def _added(self) -> None:
        """Rows were added (the filter's count says so)."""

    def _measure(self, row: Row) -> int:
        return self.look.measure(row) if self._width else 1

    # --- layout ----------------------------------------------------------------------

    def _text_width(self) -> int:
        return max(self.scrollable_content_region.width, 1)

    @property
    def wide(self) -> bool:
        return self.look.wide

    @property
    def zone(self) -> tzinfo:
        return UTC if self.utc else self.tz

    def _relayout(self) -> None:
        self._width = self._text_width() if self.size.width else 0
        look = self.look
        look.width = self._width
        look.set_day(self.now() if self.now else None, self.zone)
        look.stamp_cells = look.wanted_stamp_cells()
        self._cache.clear()
        anchor = self._anchor()
        self.order.remeasure(self._measure)
        self._pending_strips = self._render_pending() if self._width else []
        self._sized()
        self._restore(anchor)
        self.refresh()

    def _sized(self) -> None:
        self.virtual_size = Size(self._width, self._total)

    @property
    def _total(self) -> int:
        """Screen lines of the shown rows and, under them, the pending ones."""
        return self.order.lines + len(self._pending_strips)

    def check_day(self) -> None:
        """Once a second: after midnight yesterday's entries show their date."""
        if self.now is None or not self._width:
            return
        today = self.now().astimezone(self.zone).date()
        if self.look.now is None or self.look.now.astimezone(self.zone).date() != today:
            self._relayout()

    def _anchor(self) -> tuple[Row, int] | None:
        """The row at the top of the view and how far into it (kept across inserts)."""
        order = self.order
        if self.following or not order.shown or not order.starts:
            return None
        top = round(self.scroll_offset.y)
        i = order.at_line(top)
        return order.shown[i], top - order.starts[i]

    def _restore(self, anchor: tuple[Row, int] | None) -> None:
        if anchor is None:
            return
        i = self.order.index(anchor[0])
        if i is not None:
            y = self.order.starts[i] + anchor[1]
            self.scroll_to(y=y, animate=False, immediate=True, force=True)

    # --- lines not stored yet --------------------------------------------------------

    def set_pending(self, rows: Iterable[PendingRow]) -> None:
        """Show these scribe lines (queued, saving or failed) under the stored rows."""
        rows = list(rows)
        if rows == self.pending:
            return
        self.pending = rows
        self._pending_strips = self._render_pending() if self._width else []
        self._sized()
        if self.following:
            self._to_tail()
        self.refresh()

    def _render_pending(self) -> list[Strip]:
        base = self.rich_style
        looks = (base + self._style("pending"), base + self._style("failed"))
        return render_pending(self.pending, self._width, base, *looks)

    def on_resize(self, event: Resize) -> None:
        if self._text_width() != self._width:
            self._relayout()
        if self.following:
            self._to_tail()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        if self._pending_strips:  # once the component classes have the new theme too
            self.call_later(self._restyle_pending)

    def _restyle_pending(self) -> None:
        self._pending_strips = self._render_pending() if self._width else []
        self.refresh()

    def watch_utc(self) -> None:
        if self._width:
            self._relayout()  # another zone: another "today"

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
        order = self.order
        line = round(self.scroll_offset.y) + y
        lines = order.lines
        if line >= lines and line - lines < len(self._pending_strips):
            return self._pending_strips[line - lines].crop_extend(0, width, base)
        if line >= lines or not order.starts:
            if y == 0 and self.filter is not None and not order.shown:
                note = Segment("No entry matches the filter.", base + self._style("fold"))
                return Strip([note]).crop_extend(0, width, base)
            return Strip.blank(width, base)
        index = order.at_line(line)
        row = order.shown[index]
        strips = self._cache.get(row.seq)
        if strips is None:
            strips = self.look.draw(row, self._style, base)
            self._cache[row.seq] = strips
        part = line - order.starts[index]
        strip = strips[part] if part < len(strips) else Strip.blank(width, base)
        strip = strip.crop_extend(0, width, base)
        if self.cursor is not None and row.seq == self.cursor.seq:
            strip = strip.apply_style(self._style("cursor"))
        return strip

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"timeline--{name}")

    def _render_row(self, row: Row) -> list[Strip]:
        return self.look.draw(row, self._style, self.rich_style)

    # --- showing one row -------------------------------------------------------

    def _show_row(self, row: Row) -> None:
        i = self.order.index(row)
        if i is None:
            return
        top, height = self.order.starts[i], self.order.height[row.seq]
        view_top = round(self.scroll_offset.y)
        view_h = self.scrollable_content_region.height
        if top < view_top:
            self.following = False
            self.scroll_to(y=top, animate=False, immediate=True, force=True)
        elif top + height > view_top + view_h:
            self.scroll_to(y=top + height - view_h, animate=False, immediate=True, force=True)

    def _note(self, extra: str = "") -> None:
        """The pane's title: the zone, the row highlighted, the order, what is loading."""
        parts = ["Timeline"]
        row = self.cursor
        if row is not None:
            pinned = " pinned" if self.order.pinned(row.seq) else ""
            parts.append(f"#{row.seq}{pinned}{f' ({extra})' if extra else ''}")
        if self.zone_label:
            parts.append(f"times in {self.zone_label}")
        parts.append("by event time" if self.order.by_event else "recorded order")
        if self.loading_note:
            parts.append(self.loading_note)
        self.border_title = " · ".join(parts) + " (* backdated)"

    def show_loading(self, note: str) -> None:
        self.loading_note = note
        self._note()

    def show_zone(self, label: str) -> None:
        """The name of the zone the times are in, for the title."""
        self.zone_label = label
        self._note()
