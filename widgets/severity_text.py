"""Severity as text and colour: ``SEV1`` reads without colour, the badge colour helps.

The colours are backgrounds with a contrasting foreground, so they read on the
dark and the light theme alike.
"""

from __future__ import annotations

from rich.text import Text

SEVERITY_STYLES = {
    1: "bold #ffffff on #b3261e",
    2: "bold #000000 on #f28c28",
    3: "bold #000000 on #f2cc0c",
    4: "#000000 on #a8b0b8",
}


def severity_style(severity: int) -> str:
    return SEVERITY_STYLES.get(severity, "reverse")


def severity_text(severity: int, name: str | None = None) -> Text:
    """``SEV1`` as a coloured badge; with ``name``: ``SEV1 Critical`` (badge + plain name)."""
    text = Text(end="")
    text.append(f" SEV{severity} ", style=severity_style(severity))
    if name:
        text.append(f" {name}")
    return text
