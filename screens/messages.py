"""Messages the App sends down to screens."""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.screen import ModalScreen, Screen


class DataChanged(Message):
    """The change feed moved: these incidents (None = not incident-specific) changed."""

    def __init__(self, incident_ids: frozenset[int | None], mark: int) -> None:
        super().__init__()
        self.incident_ids = incident_ids
        self.mark = mark

    def touches(self, incident_id: int) -> bool:
        return incident_id in self.incident_ids or None in self.incident_ids


def in_view(screen: Screen[Any]) -> bool:
    """Whether people see ``screen``: on top, or right under a dialog.

    (Textual's ``Screen.is_current`` is also true for the screen under any full
    screen, so a board under a war room would reload on every entry typed there.)"""
    stack = screen.app.screen_stack
    if stack and stack[-1] is screen:
        return True
    return len(stack) >= 2 and stack[-2] is screen and isinstance(stack[-1], ModalScreen)
