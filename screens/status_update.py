"""The status-update preview: the stage's template filled in, editable, sent with
ctrl+s. Returns the text to send, or None (Escape: nothing is sent, nothing is lost,
the scribe line that asked for it stays; once the text is edited, Escape asks twice)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from warroom.comms.draft import Draft
from widgets.safe_text import SafeTextArea

KEYS = "ctrl+s sends · Escape cancels (nothing is sent)"


class StatusUpdateScreen(ModalScreen[str | None]):
    CSS_PATH = "status_update.tcss"
    BINDINGS = [
        Binding("ctrl+s", "send", "Send", id="status_update.send", priority=True),
        Binding("escape", "cancel", "Cancel", id="status_update.cancel"),
    ]

    def __init__(self, draft: Draft) -> None:
        super().__init__()
        self.draft = draft
        self._discard_armed = False  # Escape pressed once over edited text

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
            yield SafeTextArea(d.text, id="status-text", soft_wrap=True, show_line_numbers=False)
            yield Static(Text(KEYS), id="keys")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_send(self) -> None:
        text = self.query_one(TextArea).text
        if not text.strip():
            self.notify("The update is empty; write something or press Escape.", markup=False)
            return
        self.dismiss(text)

    @on(TextArea.Changed, "#status-text")
    def _edited(self) -> None:
        if self._discard_armed:
            self._discard_armed = False
            self.query_one("#keys", Static).update(Text(KEYS))

    def unsaved_work(self) -> str | None:
        if self.query_one(TextArea).text != self.draft.text:
            return f"an edited status update for {self.draft.ref}, not sent"
        return None

    def action_cancel(self) -> None:
        edited = self.query_one(TextArea).text != self.draft.text
        if edited and not self._discard_armed:
            self._discard_armed = True
            self.query_one("#keys", Static).update(
                Text("Your edits are not sent: Escape again discards them · ctrl+s sends", "bold")
            )
            return
        self.dismiss(None)
