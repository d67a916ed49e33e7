"""The help screen (``?``, or ``/help`` in the scribe line): every key of the screen you
came from, and the global ones, as they are when it opens
(``screens.palette.collect_actions``: the keymap applied). Over a screen with a scribe
line (the war room) it also lists the keys of that line (Tab completes, Right takes the
grey suggestion) and the scribe's commands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from screens.palette import ActionEntry
from warroom.incident.scribe import COMMANDS, TYPING_KEYS
from widgets.scribe_input import ScribeInput

GENERAL = (
    ("ctrl+p", "Command palette: every action and open incident by name"),
    ("tab / shift+tab", "Move between fields and panes (in a line with text, Tab completes)"),
)


class HelpScreen(ModalScreen[None]):
    """Keys, grouped: this screen first, then those that work everywhere."""

    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close help", id="help.close"),
    ]

    def __init__(self, entries: Sequence[ActionEntry]) -> None:
        super().__init__()
        self.entries = list(entries)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog") as dialog:
            dialog.border_title = "Keys"
            yield Static(
                Text("Nothing needs a mouse; clicks work too.", style="italic"), id="help-intro"
            )
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_column("Key", key="key", width=16)
        table.add_column("Action", key="action")
        entries = self.entries
        here = [e for e in entries if not e.everywhere]
        everywhere = [e for e in entries if e.everywhere]
        self._section(table, "On this screen", [(e.key, e.description) for e in here])
        if self._over_scribe_line():
            self._section(table, "In the scribe line", list(TYPING_KEYS))
            commands = [(f"/{n}", f"{u}  {what}".strip()) for n, (u, what) in COMMANDS.items()]
            self._section(table, "Scribe commands", commands)
        self._section(table, "Everywhere", [(e.key, e.description) for e in everywhere])
        self._section(table, "Always", list(GENERAL))
        table.focus()

    def _over_scribe_line(self) -> bool:
        """Whether the screen help was opened from has a scribe line."""
        stack = self.app.screen_stack
        below = stack[-2] if len(stack) >= 2 and stack[-1] is self else None
        return below is not None and bool(below.query(ScribeInput))

    def _section(self, table: DataTable[Any], title: str, rows: list[tuple[str, str]]) -> None:
        if not rows:
            return
        table.add_row(Text(title, style="bold underline"), Text(""))
        for key, description in rows:
            table.add_row(Text(key, style="bold"), Text(description))

    def action_close(self) -> None:
        self.dismiss(None)
