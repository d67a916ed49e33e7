"""The post-mortem's timeline rows, to keep or leave out of the document (F5 on the
post-mortem screen). Space toggles the highlighted row: a ticked row is in the
document, an unticked one is left out. The war-room timeline itself never changes;
each toggle is one command (``Commands.drop_timeline_row``) with its own entry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, SelectionList, Static
from textual.widgets.selection_list import Selection

from screens.base import ConsoleModal
from warroom.errors import WarroomError
from warroom.postmortem.document import TimelineRow
from warroom.text import printable


def row_label(row: TimelineRow, tz: tzinfo, width: int = 200) -> Text:
    at = row.at.astimezone(tz).strftime("%H:%M")
    text = Text(f"{at} ", style="dim", end="")
    text.append(f"{row.event} ", style="bold")
    if row.by:
        text.append(f"{printable(row.by)}: ", style="italic")
    text.append(printable(row.text).replace("\n", " "))
    text.truncate(width, overflow="ellipsis")
    return text


class PostmortemRowsScreen(ConsoleModal[None]):
    CSS_PATH = "postmortem_rows.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close", id="postmortem_rows.close"),
    ]

    def __init__(self, ref: str, rows: Sequence[TimelineRow], *, read_only: bool = False) -> None:
        super().__init__()
        self.ref = ref
        self.rows = list(rows)
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with Vertical(id="pm-rows-dialog") as dialog:
            dialog.border_title = f"{self.ref}: timeline rows of the post-mortem"
            kept = sum(1 for r in self.rows if not r.dropped)
            yield Static(
                Content(
                    f"{kept} of {len(self.rows)} rows in the document · Space keeps or leaves "
                    "out the highlighted row · the war-room timeline never changes"
                ),
                id="pm-rows-hint",
            )
            tz = self.wapp.tz
            yield SelectionList[str](
                *(Selection(row_label(r, tz), r.key, not r.dropped) for r in self.rows),
                id="pm-rows",
                disabled=self.read_only,
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    @on(SelectionList.SelectionToggled, "#pm-rows")
    def _toggled(self, event: SelectionList.SelectionToggled[str]) -> None:
        event.stop()
        key = event.selection.value
        keep = key in event.selection_list.selected
        self._apply(key, keep)

    @work(group="postmortem-rows", exit_on_error=False)
    async def _apply(self, key: str, keep: bool) -> None:
        try:
            await self.wapp.commands.drop_timeline_row(self.ref, key, dropped=not keep)
        except WarroomError as err:
            self.report(err, "Not changed")
            return
        what = "back in" if keep else "left out of"
        self.notify(f"Row {what} the post-mortem of {self.ref}.", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
