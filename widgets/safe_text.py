"""Editors that draw terminal control characters harmlessly.

Textual's ``Input`` and ``TextArea`` write their text to the terminal as it is: an
escape sequence pasted into a field, or stored by the CLI (``warroom postmortem
--set-file`` of a coloured log) and loaded into an editor, would act on the terminal
(clear it, retitle it, move the cursor). These draw each control character as its
one-cell Unicode picture (␛, ␇); the value itself keeps them exactly.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Input, TextArea

# One cell per control character (tab and newline are the editor's business).
PICTURES = (
    {c: 0x2400 + c for c in range(0x20) if c not in (0x09, 0x0A)}
    | {0x7F: 0x2421}
    | {c: 0xFFFD for c in range(0x80, 0xA0)}
)


def pictured(text: str) -> str:
    """``text`` with control characters replaced by their pictures (same length)."""
    return text if text.isprintable() else text.translate(PICTURES)


class SafeInput(Input):
    """A one-line input that shows control characters as pictures."""

    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        return Text(pictured(self.value), no_wrap=True, overflow="ignore", end="")


class SafeTextArea(TextArea):
    """A text editor that shows control characters as pictures."""

    def get_line(self, line_index: int) -> Text:
        return Text(pictured(self.document.get_line(line_index)), end="", no_wrap=True)
