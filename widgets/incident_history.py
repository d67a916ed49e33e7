"""Every incident, one screen line each, line-rendered: the history's list.

Rows are :class:`HistoryLine` (the screen makes them from the core's history rows).
Only the lines on screen are drawn (``render_line``), so thousands of incidents cost
a list of small tuples. The heading stays on the first line; the cursor row is drawn
reversed and named by ``current``. Enter (or a click) posts :class:`IncidentHistory.Chosen`.

Columns narrow to fit 80 cells (the title takes what is left and ends with an
ellipsis when cut); at 110 cells and more the declaration time and the post-mortem's
deadline are written out. A post-mortem past its deadline says LATE in words, not
only in colour. User text is never markup: plain segments, control characters escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from warroom.text import printable

WIDE_FROM = 110


@dataclass(frozen=True)
class HistoryLine:
    incident_id: int
    ref: str
    severity: int
    status: str  # open, mitigated, resolved, closed
    declared_at: datetime
    title: str
    ic: str | None
    postmortem: str  # "Final", "Draft due 3d", "None LATE 84d" (narrow)
    postmortem_wide: str  # "Not started · OVERDUE 84d 6h" (wide)
    late: bool = False


_STATUS_NARROW = {"mitigated": "mitig."}


def ellipsized(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, ending with an ellipsis when cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)) + "…" if width > 0 else ""


class IncidentHistory(ScrollView, can_focus=True):
    """All incidents, newest first; the cursor row is the one Enter opens."""

    COMPONENT_CLASSES = {
        "incident-history--heading",
        "incident-history--cursor",
        "incident-history--late",
        "incident-history--dim",
        "incident-history--sev",
    }
    DEFAULT_CSS = """
    IncidentHistory {
        scrollbar-gutter: stable;
        & > .incident-history--heading { text-style: bold; color: $text; }
        & > .incident-history--cursor { text-style: reverse; }
        & > .incident-history--late { color: $text-error; text-style: bold; }
        & > .incident-history--dim { color: $text-muted; }
        & > .incident-history--sev { text-style: bold; }
    }
    """
    BINDINGS = [
        Binding("up", "move(-1)", "Up", id="incident_history.up", show=False),
        Binding("down", "move(1)", "Down", id="incident_history.down", show=False),
        Binding("pageup", "page(-1)", "Page up", id="incident_history.page_up", show=False),
        Binding("pagedown", "page(1)", "Page down", id="incident_history.page_down", show=False),
        Binding("home", "edge(-1)", "Newest", id="incident_history.newest", show=False),
        Binding("end", "edge(1)", "Oldest", id="incident_history.oldest", show=False),
        Binding("enter", "choose", "Open", id="incident_history.open"),
    ]

    class Chosen(Message):
        """Enter or a click on a row: open that incident."""

        def __init__(self, incident_id: int) -> None:
            super().__init__()
            self.incident_id = incident_id

    def __init__(self, tz: tzinfo = UTC, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tz = tz
        self.lines: list[HistoryLine] = []
        self.cursor = 0
        self.empty_text = "No incident yet."

    # --- data ------------------------------------------------------------------------

    def show(self, lines: Sequence[HistoryLine], empty_text: str | None = None) -> None:
        """Show ``lines``; the cursor stays on the same incident when it is still there."""
        keep = self.current
        self.lines = list(lines)
        if empty_text is not None:
            self.empty_text = empty_text
        ids = [line.incident_id for line in self.lines]
        self.cursor = ids.index(keep.incident_id) if keep and keep.incident_id in ids else 0
        self.virtual_size = Size(self.size.width, len(self.lines) + 1)
        self._follow_cursor()
        self.refresh()

    @property
    def current(self) -> HistoryLine | None:
        return self.lines[self.cursor] if 0 <= self.cursor < len(self.lines) else None

    # --- moving ----------------------------------------------------------------------

    @property
    def _rows_shown(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _go(self, index: int) -> None:
        if not self.lines:
            return
        self.cursor = max(0, min(index, len(self.lines) - 1))
        self._follow_cursor()
        self.refresh()

    def _follow_cursor(self) -> None:
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + self._rows_shown:
            top = self.cursor - self._rows_shown + 1
        self.scroll_to(y=top, animate=False, immediate=True, force=True)

    def action_move(self, step: int) -> None:
        self._go(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self._go(self.cursor + direction * self._rows_shown)

    def action_edge(self, direction: int) -> None:
        self._go(0 if direction < 0 else len(self.lines) - 1)

    def action_choose(self) -> None:
        if self.current is not None:
            self.post_message(self.Chosen(self.current.incident_id))

    def on_click(self, event: events.Click) -> None:
        y = event.y - self.gutter.top
        if y < 1:
            return
        index = round(self.scroll_offset.y) + y - 1
        if 0 <= index < len(self.lines):
            again = index == self.cursor
            self._go(index)
            if again or event.chain > 1:
                self.action_choose()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.size.width, len(self.lines) + 1)
        self._follow_cursor()

    # --- columns ---------------------------------------------------------------------

    def _widths(self, width: int) -> dict[str, int]:
        wide = width >= WIDE_FROM
        ref = max([6, *(len(line.ref) for line in self.lines)])
        widths = {
            "ref": ref,
            "sev": 4,
            "status": 9 if wide else 8,
            "declared": 16 if wide else 10,
            "ic": 12 if wide else 8,
            "pm": 28 if wide else 18,
        }
        gaps = len(widths)  # one space between columns
        widths["title"] = max(10, width - sum(widths.values()) - gaps)
        return widths

    def _cells(self, line: HistoryLine, wide: bool) -> list[tuple[str, str]]:
        """(text, look) per column, in order."""
        declared = line.declared_at.astimezone(self.tz)
        status = line.status if wide else _STATUS_NARROW.get(line.status, line.status)
        return [
            (line.ref, "sev"),
            (f"SEV{line.severity}", "sev" if line.severity <= 2 else ""),
            (status, "" if line.status in ("open", "mitigated") else "dim"),
            (declared.strftime("%Y-%m-%d %H:%M" if wide else "%Y-%m-%d"), ""),
            (printable(line.title), ""),
            (printable(line.ic) if line.ic else "none", "" if line.ic else "dim"),
            (line.postmortem_wide if wide else line.postmortem, "late" if line.late else ""),
        ]

    # --- drawing ---------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"incident-history--{name}") if name else Style()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        widths = self._widths(width)
        wide = width >= WIDE_FROM
        order = ("ref", "sev", "status", "declared", "title", "ic", "pm")
        if y == 0:
            heads = ("Ref", "Sev", "Status", "Declared", "Title", "IC", "Post-mortem")
            text = " ".join(
                ellipsized(h, widths[c]).ljust(widths[c]) for c, h in zip(order, heads, strict=True)
            )
            style = base + self._style("heading")
            return Strip([Segment(text, style)]).crop_extend(0, width, style)
        index = round(self.scroll_offset.y) + y - 1
        if not self.lines:
            text = self.empty_text if y == 1 else ""
            return Strip([Segment(text, base + self._style("dim"))]).crop_extend(0, width, base)
        if index >= len(self.lines):
            return Strip.blank(width, base)
        line = self.lines[index]
        row_base = base + self._style("cursor") if index == self.cursor else base
        segments: list[Segment] = []
        for n, (column, (text, look)) in enumerate(
            zip(order, self._cells(line, wide), strict=True)
        ):
            cell = ellipsized(text, widths[column])
            pad = " " * (widths[column] - cell_len(cell))
            segments.append(Segment(cell + pad, row_base + self._style(look)))
            if n < len(order) - 1:
                segments.append(Segment(" ", row_base))
        return Strip(segments).crop_extend(0, width, row_base)
