"""The status-update preview: the stage's template filled in, editable, sent with
ctrl+s. Returns the text to send, or None (Escape: nothing is sent, nothing is lost,
the scribe line that asked for it stays)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from warroom.comms.draft import Draft


class StatusUpdateScreen(ModalScreen[str | None]):
    CSS_PATH = "status_update.tcss"
    BINDINGS = [
        Binding("ctrl+s", "send", "Send", id="status_update.send", priority=True),
        Binding("escape", "cancel", "Cancel", id="status_update.cancel"),
    ]

    def __init__(self, draft: Draft) -> None:
        super().__init__()
        self.draft = draft

    def compose(self) -> ComposeResult:
        d = self.draft
        if d.drill:
            where = "A drill: recorded on the timeline, never sent"
        elif d.destinations:
            where = f"Queued to {d.destinations} destination{'s' if d.destinations != 1 else ''}"
        else:
            where = "No destinations configured: recorded on the timeline only"
        with Vertical():
            yield Label(Text(f"{d.ref} status update · {d.audience_name} · {d.stage_name}"))
            yield Static(Text(f"From the template; edit before sending. {where}."), id="hint")
            yield TextArea(d.text, id="status-text", soft_wrap=True, show_line_numbers=False)
            yield Static(Text("ctrl+s sends · Escape cancels (nothing is sent)"), id="keys")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_send(self) -> None:
        text = self.query_one(TextArea).text
        if not text.strip():
            self.notify("The update is empty; write something or press Escape.", markup=False)
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
