"""A small modal: who takes a war-room role. Returns the name, or None (Escape)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Static

from warroom.text import printable
from widgets.safe_text import SafeInput


class AssignRoleScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    AssignRoleScreen {
        align: center middle;
        & > Vertical {
            width: 60; max-width: 90%; height: auto;
            border: round $accent; background: $surface; padding: 0 1;
        }
        & #assign-hint { color: $text-muted; }
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="assign_role.cancel"),
    ]

    def __init__(self, role_name: str, current: str | None, people: Iterable[str]) -> None:
        super().__init__()
        self.role_name = role_name
        self.current = current
        self.people = list(people)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Who becomes {self.role_name}?", style="bold"))
            now = f"Now: {printable(self.current)}" if self.current else "The role is vacant."
            yield Static(Text(now), markup=False)
            yield SafeInput(
                placeholder="name (Right accepts the suggestion)",
                suggester=SuggestFromList(self.people, case_sensitive=False),
                id="assign-name",
            )
            hint = "Enter records the handoff on the timeline · Escape cancels"
            yield Static(Text(hint), id="assign-hint", markup=False)

    @on(Input.Submitted, "#assign-name")
    def _submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if name:
            self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
