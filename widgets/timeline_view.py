"""The live timeline of an incident: line-rendered rows (``widgets.timeline_base``)
worked from the keyboard.

The rows are in event-time order (``at``, then ``seq``): a backdated entry sits where
it happened, marked ``*``; ``o`` switches to recorded order and back (``by_event``;
``OrderChanged`` tells the screen, whose pane title says which).

Cursor mode (Enter while the timeline has focus; Escape leaves): Up/Down move the
highlighted row (reversed; the line under the pane says its ``#seq``); ``c`` asks for a
correction of it and ``p`` pins or unpins it (``CorrectionRequested``, ``PinRequested``:
the screen runs ``/correct`` and ``/pin`` through the command layer), ``y`` copies its
text (``EntryCopied``), ``f`` or Enter folds or unfolds it. Outside cursor mode
Up/Down scroll.

``/`` asks for the filter line (``FilterRequested``); ``set_filter`` matches the loaded
rows in a thread (``widgets.timeline_filter.EntryFilter``) and answers with
``Filtered`` (how many of how many); rows that arrive while filtered are matched as
they come. Escape on a filtered timeline asks to clear it (``FilterCleared``).

The keys and colours are in ``widgets.timeline_style``: bare letters act only while
the timeline, not a text field, has focus.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual import work
from textual.events import Blur
from textual.message import Message

from widgets.timeline_base import Row, TimelineBase
from widgets.timeline_draw import KIND_LOOK, TAG_KINDS
from widgets.timeline_filter import EntryFilter
from widgets.timeline_order import merge_sorted
from widgets.timeline_style import BINDINGS, COMPONENT_CLASSES, TIMELINE_CSS

__all__ = ["KIND_LOOK", "Row", "TimelineView"]
CURSOR_ACTIONS = frozenset({"correct", "pin", "copy", "fold"})


class TimelineView(TimelineBase, can_focus=True):
    """The incident's timeline: newest at the bottom, following the tail."""

    COMPONENT_CLASSES = COMPONENT_CLASSES
    DEFAULT_CSS = TIMELINE_CSS
    BINDINGS = BINDINGS

    class CorrectionRequested(Message):
        """``c`` on a row: the scribe line gets ``/correct #SEQ``."""

        def __init__(self, row: Row) -> None:
            super().__init__()
            self.row = row

    class PinRequested(Message):
        """``p`` on a row: pin it (``pin``) or unpin it."""

        def __init__(self, row: Row, pin: bool) -> None:
            super().__init__()
            self.row, self.pin = row, pin

    class EntryCopied(Message):
        """``y``: the row's text is on the clipboard."""

        def __init__(self, row: Row) -> None:
            super().__init__()
            self.row = row

    class FilterRequested(Message):
        """``/``: open the filter line."""

    class FilterCleared(Message):
        """Escape on the timeline while it is filtered."""

    class Filtered(Message):
        """The filter kept ``shown`` of the ``total`` entries loaded."""

        def __init__(self, shown: int, total: int) -> None:
            super().__init__()
            self.shown, self.total = shown, total

    class OrderChanged(Message):
        """Event-time or recorded order (``TimelineView.by_event``)."""

    # --- cursor mode -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in CURSOR_ACTIONS:
            return self.cursor is not None
        if action == "leave":
            return self.cursor is not None or self.filter is not None
        if action == "select":
            return bool(self.order.shown)
        return True

    def action_select(self) -> None:
        """Enter: highlight the newest row on screen; in cursor mode, fold or unfold."""
        if self.cursor is not None:
            self.action_fold()
            return
        order = self.order
        bottom = round(self.scroll_offset.y) + self.scrollable_content_region.height - 1
        self._set_cursor(order.shown[order.at_line(max(min(bottom, order.lines - 1), 0))])

    def _set_cursor(self, row: Row | None) -> None:
        self.cursor = row
        self.refresh_bindings()
        self._note()
        self.refresh()
        if row is not None:
            self._show_row(row)

    def action_cursor(self, step: int) -> None:
        """Up/Down: move the highlighted row; outside cursor mode, scroll a line."""
        if self.cursor is None:
            if step < 0:
                self.following = False
                self.scroll_up(animate=False)
            else:
                self.scroll_down(animate=False)
            return
        shown = self.order.shown
        i = self.order.index(self.cursor)
        if i is None:
            self._set_cursor(shown[-1] if shown else None)
            return
        self._set_cursor(shown[max(0, min(len(shown) - 1, i + step))])

    def action_leave(self) -> None:
        """Escape: out of cursor mode, else clear the filter."""
        if self.cursor is not None:
            self._set_cursor(None)
        elif self.filter is not None:
            self.post_message(self.FilterCleared())

    def on_blur(self, event: Blur) -> None:
        if self.cursor is not None:  # (a correction went to the scribe line)
            self._set_cursor(None)

    def action_correct(self) -> None:
        if self.cursor is not None:
            self.post_message(self.CorrectionRequested(self.cursor))

    def action_pin(self) -> None:
        if self.cursor is not None:
            row = self.cursor
            self.post_message(self.PinRequested(row, not self.order.pinned(row.seq)))

    def action_copy(self) -> None:
        if self.cursor is not None:
            self.app.copy_to_clipboard(self.cursor.text)
            self.post_message(self.EntryCopied(self.cursor))

    def action_fold(self) -> None:
        row = self.cursor
        if row is None:
            return
        if not self.look.foldable(row):
            self._note("short, nothing to fold")
            return
        if row.seq in self.unfolded:
            self.unfolded.discard(row.seq)
        else:
            self.unfolded.add(row.seq)
        anchor = self._anchor()
        self._cache.discard(row.seq)
        self.order.remeasure(self._measure, [row.seq])
        self._sized()
        self._restore(anchor)
        self._show_row(row)
        self.refresh()

    # --- order -----------------------------------------------------------------------

    def action_toggle_order(self) -> None:
        """``o``: event-time order or recorded order."""
        self.set_order(not self.order.by_event)

    def set_order(self, by_event: bool) -> None:
        anchor = self._anchor()  # the row at the top stays at the top (when scrolled up)
        self.order.set_order(by_event)
        self._sized()
        if self.following:
            self._to_tail()
        elif anchor is not None:
            self._restore((anchor[0], 0))
        if self.cursor is not None:
            self._show_row(self.cursor)
        self.refresh()
        self._note()
        self.post_message(self.OrderChanged())

    # --- filter ----------------------------------------------------------------------

    def action_filter(self) -> None:
        self.post_message(self.FilterRequested())

    def set_filter(self, text: str) -> None:
        """Show only the entries ``text`` asks for (``EntryFilter``); "" shows all."""
        self.filter = EntryFilter.parse(text, TAG_KINDS)
        if self.filter is None:
            self.order.since = None
            self.workers.cancel_group(self, "timeline-filter")
            self._apply_filter(None, None)
        else:
            self._run_filter(self.filter)

    @work(group="timeline-filter", exclusive=True, exit_on_error=False)
    async def _run_filter(self, wanted: EntryFilter) -> None:
        """Match every loaded row in a thread; rows added meanwhile are matched after."""
        order = self.order
        match = wanted.matcher(order.pinned)
        snapshot, by_event = list(order.rows), order.by_event
        order.since = []
        kept = await asyncio.to_thread(wanted.select, snapshot, order.pinned)
        if self.filter != wanted:
            return
        since, order.since = order.since or [], None
        if by_event != order.by_event:
            kept.sort(key=order.key)
        late = sorted((r for r in since if match(r)), key=order.key)
        self._apply_filter(match, merge_sorted(kept, late, order.key))

    def _apply_filter(self, match: Callable[[Row], bool] | None, kept: list[Row] | None) -> None:
        self.order.set_filter(match, kept)
        if self.cursor is not None and self.order.index(self.cursor) is None:
            self._set_cursor(None)
        self._sized()
        self.following = True
        self._to_tail()
        if self.cursor is not None:
            self._show_row(self.cursor)
        self.refresh()
        self.post_message(self.Filtered(len(self.order.shown), len(self.order.rows)))

    def _added(self) -> None:
        if self.order.match is not None:
            self.post_message(self.Filtered(len(self.order.shown), len(self.order.rows)))
