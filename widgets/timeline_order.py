"""The timeline's rows in the order shown, and the screen lines each one takes.

``TimelineOrder`` keeps every loaded row (``rows``) sorted in event-time order,
``(at, seq)``, or in recorded order (``seq``); ``shown`` is ``rows`` itself, or the rows
the filter keeps. ``height`` is the screen lines of each loaded row at the current
width (by seq) and ``starts`` the first line of each shown row, so drawing line ``y``
is a bisect and a 100,000-entry incident costs a few megabytes.

Rows come in three ways, all through :meth:`add`: the newest rows first (the tail, by
event time), older slices behind them (everything before ``floor``, the event time of
the oldest row of the tail and the slices), and the rows recorded since the last one
seen (``seen_seq``), which land where they happened: a backdated entry goes in place,
not at the bottom. A row already loaded is never added twice (a backdated row can come
both as a new row and in a slice).

It also keeps what later entries say about earlier ones: which entries are pinned (the
latest pin or unpin pointing at an entry wins) and which were corrected, and by which
correction. No Textual here: the widget measures and draws.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from itertools import accumulate
from operator import itemgetter
from typing import Any

from warroom.incident.queries import EntryRow

Row = EntryRow
Measure = Callable[[Row], int]
EVENT_KEY: Callable[[Row], Any] = itemgetter(1, 0)  # (at, seq)
SEQ_KEY: Callable[[Row], Any] = itemgetter(0)
INSERT_ONE_BY_ONE = 16  # up to this many rows go in with list.insert; more: one merge


def merge_sorted(base: list[Row], fresh: Sequence[Row], key: Callable[[Row], Any]) -> list[Row]:
    """``base`` and ``fresh`` (both sorted by ``key``) as one sorted list."""
    if not fresh:
        return base
    if not base or key(fresh[0]) > key(base[-1]):
        base.extend(fresh)
        return base
    if key(fresh[-1]) < key(base[0]):
        base[:0] = fresh
        return base
    if len(fresh) <= INSERT_ONE_BY_ONE:
        for row in fresh:
            base.insert(bisect_right(base, key(row), key=key), row)
        return base
    out: list[Row] = []
    lo = 0
    for row in fresh:
        i = bisect_right(base, key(row), lo=lo, key=key)
        out.extend(base[lo:i])
        out.append(row)
        lo = i
    out.extend(base[lo:])
    return out


class TimelineOrder:
    """Loaded rows, their order, the filter's choice and the lines they take."""

    def __init__(self) -> None:
        self.by_event = True
        self.rows: list[Row] = []
        self.shown: list[Row] = self.rows
        self.match: Callable[[Row], bool] | None = None
        self.height: dict[int, int] = {}
        self.starts: list[int] = []
        self.lines = 0
        self.seen_seq = 0
        self.floor: tuple[datetime, int] | None = None
        self.min_at: datetime | None = None
        self.max_at: datetime | None = None
        self.pins: dict[int, tuple[int, bool]] = {}  # entry -> (latest pin/unpin, pinned)
        self.corrected: dict[int, int] = {}  # entry -> its latest correction
        self.since: list[Row] | None = None  # rows added while a filter runs elsewhere
        self.touched: set[int] = set()  # the entries the last rows added pinned or corrected

    @property
    def key(self) -> Callable[[Row], Any]:
        return EVENT_KEY if self.by_event else SEQ_KEY

    @property
    def older_missing(self) -> int:
        """Entries recorded before the newest one seen that are not loaded yet."""
        return max(self.seen_seq - len(self.rows), 0)

    def pinned(self, seq: int) -> bool:
        state = self.pins.get(seq)
        return state is not None and state[1]

    # --- adding rows -----------------------------------------------------------------

    def has(self, row: Row) -> bool:
        rows, key = self.rows, self.key
        i = bisect_left(rows, key(row), key=key)
        return i < len(rows) and rows[i].seq == row.seq

    def add(self, batch: Iterable[Row], measure: Measure, *, older: bool = False) -> list[Row]:
        """Put the rows not loaded yet where they belong; returns those added. ``older``:
        the tail or a slice of older rows (they move ``floor`` down)."""
        key = self.key
        fresh = sorted(batch, key=key)
        if older and fresh:
            low = min(EVENT_KEY(r) for r in fresh)
            self.floor = low if self.floor is None else min(self.floor, low)
        rows = self.rows
        if rows and fresh and not (key(fresh[0]) > key(rows[-1]) or key(fresh[-1]) < key(rows[0])):
            fresh = [r for r in fresh if not self.has(r)]
        self.touched = set()
        if not fresh:
            return fresh
        self.touched = touched = self._note(fresh)
        height = self.height
        for row in fresh:
            height[row.seq] = measure(row)
        for seq in touched:  # a pin or a correction changes how its entry reads
            old = self._find(seq)
            if old is not None:
                height[seq] = measure(old)
        at_end = not touched and (not self.shown or key(fresh[0]) > key(self.shown[-1]))
        filtered = self.shown is not self.rows
        self.rows = merge_sorted(self.rows, fresh, key)
        if filtered:
            match = self.match
            kept = [r for r in fresh if match is None or match(r)]
            self.shown = merge_sorted(self.shown, kept, key)
            show = kept
        else:
            self.shown = self.rows
            show = fresh
        if self.since is not None:
            self.since.extend(fresh)
        if at_end:
            self._extend(show)
        else:
            self.restart()
        return fresh

    def _note(self, fresh: Sequence[Row]) -> set[int]:
        """Track what the fresh rows say about others; the seqs of entries it changes."""
        touched: set[int] = set()
        for row in fresh:
            seq, at = row.seq, row.at
            self.seen_seq = max(self.seen_seq, seq)
            if self.min_at is None or at < self.min_at:
                self.min_at = at
            if self.max_at is None or at > self.max_at:
                self.max_at = at
            target = row.corrects
            if target is None:
                continue
            if row.kind in ("pin", "unpin"):
                state = self.pins.get(target)
                if state is None or state[0] < seq:
                    self.pins[target] = (seq, row.kind == "pin")
                    touched.add(target)
            elif row.kind == "correction" and self.corrected.get(target, 0) < seq:
                self.corrected[target] = seq
                touched.add(target)
        return touched

    def _find(self, seq: int) -> Row | None:
        """The loaded row with this seq (a scan, for the few rows a pin touches)."""
        if seq not in self.height:
            return None
        if not self.by_event:
            i = bisect_left(self.rows, seq, key=SEQ_KEY)
            return self.rows[i] if i < len(self.rows) and self.rows[i].seq == seq else None
        return next((r for r in reversed(self.rows) if r.seq == seq), None)

    # --- layout ----------------------------------------------------------------------

    def _extend(self, rows: Sequence[Row]) -> None:
        height = self.height
        for row in rows:
            self.starts.append(self.lines)
            self.lines += height[row.seq]

    def restart(self) -> None:
        """Recount the first line of every shown row (after an insert or a new order)."""
        height = self.height
        starts = list(accumulate((height[r.seq] for r in self.shown), initial=0))
        self.lines = starts.pop()
        self.starts = starts

    def remeasure(self, measure: Measure, seqs: Iterable[int] | None = None) -> None:
        """Measure again every row (a new width, zone or day) or only ``seqs``."""
        if seqs is None:
            self.height = {r.seq: measure(r) for r in self.rows}
        else:
            for seq in seqs:
                row = self._find(seq)
                if row is not None:
                    self.height[seq] = measure(row)
        self.restart()

    def set_order(self, by_event: bool) -> None:
        """Event-time order (``by_event``) or recorded order."""
        if by_event == self.by_event:
            return
        self.by_event = by_event
        filtered = self.shown is not self.rows
        self.rows.sort(key=self.key)
        if filtered:
            self.shown.sort(key=self.key)
        else:
            self.shown = self.rows
        self.restart()

    def set_filter(self, match: Callable[[Row], bool] | None, kept: list[Row] | None) -> None:
        """Show only ``kept`` (the rows ``match`` keeps, in this order), or every row."""
        self.match = match
        self.shown = self.rows if match is None or kept is None else kept
        self.restart()

    # --- finding ---------------------------------------------------------------------

    def index(self, row: Row) -> int | None:
        """Where ``row`` is among the shown rows (None: not shown)."""
        shown, key = self.shown, self.key
        i = bisect_left(shown, key(row), key=key)
        return i if i < len(shown) and shown[i].seq == row.seq else None

    def at_line(self, line: int) -> int:
        """The index of the shown row drawn on screen line ``line``."""
        return max(bisect_right(self.starts, line) - 1, 0)
