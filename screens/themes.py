"""The console's two themes, ``warroom-dark`` (the default) and ``warroom-light`` (ctrl+t).

They are Textual's own two themes with every colour that text is drawn in tuned to a
contrast of at least 4.5:1 (WCAG 2) against the backgrounds it is drawn on: in colour, on
a 256-colour terminal (tmux), and under NO_COLOR, where Textual turns each colour into
its grey (``0.21 R + 0.72 G + 0.07 B``: a saturated red or blue becomes a dark grey, so
a colour that reads on black in colour may not in grey). The placeholder of an input,
the disabled rows of a list and text drawn "dim" are blended towards their background
by Textual; their colours here leave room for that. ``tests/test_contrast.py`` checks
the screens from their screenshots.

The ANSI colours matter too: Rich styles such as ``"bold red"`` (overdue figures) are
drawn with the app's ANSI palette, Monokai on dark and Alabaster on light; their red is
replaced by one that reads as text and as the background of reversed text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.terminal_theme import TerminalTheme
from textual._ansi_theme import ALABASTER, MONOKAI
from textual.theme import Theme

if TYPE_CHECKING:
    from textual.app import App

DARK = Theme(
    name="warroom-dark",
    primary="#0062B0",  # a background under text: the cursor row, focused inputs
    secondary="#6CB6FF",  # text: the timeline's role labels
    accent="#FFA62B",
    warning="#FFA62B",
    error="#A52D4A",  # the background of the Declare button
    success="#4EBF71",
    foreground="#E0E0E0",
    variables={
        "text-error": "#FFA0B0",
        "text-primary": "#8CC4FF",
        "block-cursor-foreground": "#FFFFFF",
        "footer-key-foreground": "#FFA62B",
    },
)

LIGHT = Theme(
    name="warroom-light",
    primary="#004578",
    secondary="#00508F",
    accent="#FFA62B",
    warning="#FFA62B",
    error="#A52D4A",
    success="#4EBF71",
    foreground="#101010",
    surface="#E6E6E6",
    panel="#DCDCDC",
    background="#EEEEEE",
    dark=False,
    variables={
        "text": "auto 92%",
        "text-muted": "auto 68%",
        "text-accent": "#5E3300",
        "text-warning": "#5E3300",
        "text-success": "#17592B",
        "text-error": "#8A1530",
        "text-primary": "#004578",
        "text-secondary": "#00508F",
        "footer-key-foreground": "#004578",
        "block-cursor-blurred-background": "#00457826",
    },
)

THEMES = (DARK, LIGHT)


def _with_red(theme: TerminalTheme, red: tuple[int, int, int]) -> TerminalTheme:
    """``theme`` with its red and bright red (ANSI 1 and 9) replaced by ``red``."""
    colours: list[tuple[int, int, int]] = [theme.ansi_colors[n] for n in range(16)]
    colours[1] = colours[9] = red
    return TerminalTheme(theme.background_color, theme.foreground_color, colours[:8], colours[8:])


ANSI_DARK = _with_red(MONOKAI, (255, 122, 122))
ANSI_LIGHT = _with_red(ALABASTER, (158, 27, 27))


def install_themes(app: App[Any]) -> None:
    """Register both themes and their ANSI palettes on ``app`` and show the dark one."""
    for theme in THEMES:
        app.register_theme(theme)
    app.ansi_theme_dark = ANSI_DARK
    app.ansi_theme_light = ANSI_LIGHT
    app.theme = DARK.name


def toggled(theme_name: str) -> str:
    """The other of the two themes (any other theme: the dark one)."""
    return LIGHT.name if theme_name == DARK.name else DARK.name
