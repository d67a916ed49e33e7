"""Contrast of the text in a Textual screenshot (the SVG of ``App.export_screenshot``).

Rich writes a screenshot as one ``<rect fill=...>`` per segment with a background and
one ``<text class=...>`` per segment with visible characters, both at the segment's
cell (``x``, and the line in ``clip-path="url(#...-line-N)"`` / ``y``); the classes map
to a ``fill`` in the ``<style>`` block (Textual has already blended dim text into its
background, and under NO_COLOR turned every colour into its grey). :func:`text_runs`
pairs each text with the background under it; :func:`contrast` is the WCAG 2 ratio of
their relative luminances. A run's ratio is the lower of the screenshot's own colours and
the same colours on a 256-colour terminal (tmux without truecolor: Rich rounds each
colour to the nearest of xterm's palette, greys to steps of 10).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import NamedTuple

from rich.color import Color, ColorSystem

CHAR_WIDTH = 20 * 0.61  # rich's export: 20px characters, font aspect ratio 0.61
LINE_HEIGHT = 20 * 1.22
DEFAULT_BACKGROUND = "#292929"  # rich's SVG theme, behind cells with no background

_CLASS = re.compile(r"\.([\w-]+-r\d+)\s*\{([^}]*)\}")
_FILL = re.compile(r"fill:\s*(#[0-9a-fA-F]{6})")
_RECT = re.compile(
    r'<rect fill="(#[0-9a-fA-F]{6})" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
    r'height="[\d.]+" shape-rendering="crispEdges"/>'
)
_TEXT = re.compile(
    r'<text class="([\w-]+)" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[\w-]+-line-(\d+)\)">(.*?)</text>'
)
# Borders, rules, scrollbars and block shades: drawing, not text to read.
_DRAWING = re.compile(r"[\s\u2500-\u259f\u2800-\u28ff]*")


class Run(NamedTuple):
    """A piece of text on screen: where (cell column, line), its colours and ratio."""

    col: int
    line: int
    text: str
    fill: str
    background: str
    ratio: float


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@lru_cache(1024)
def in_256_colours(hex_colour: str) -> str:
    """``#rrggbb`` as a 256-colour terminal shows it (the palette entry Rich picks)."""
    return Color.parse(hex_colour).downgrade(ColorSystem.EIGHT_BIT).get_truecolor().hex


def terminal_contrast(fill: str, background: str) -> float:
    """The lower contrast of ``fill`` on ``background``: truecolor, or 256 colours."""
    rounded = contrast(in_256_colours(fill), in_256_colours(background))
    return min(contrast(fill, background), rounded)


def text_runs(svg: str) -> list[Run]:
    """Every run of visible text in ``svg`` with the background behind it."""
    fills = {}
    for name, rules in _CLASS.findall(svg):
        found = _FILL.search(rules)
        if found:
            fills[name] = found.group(1).lower()
    backgrounds: dict[tuple[int, int], tuple[int, str]] = {}  # (line, col) -> (cells, fill)
    for fill, x, y, width in _RECT.findall(svg):
        line = round((float(y) - 1.5) / LINE_HEIGHT)
        col = round(float(x) / CHAR_WIDTH)
        backgrounds[line, col] = (round(float(width) / CHAR_WIDTH), fill.lower())
    runs = []
    for name, x, line_no, raw in _TEXT.findall(svg):
        text = html.unescape(raw)
        if _DRAWING.fullmatch(text):
            continue
        col, line = round(float(x) / CHAR_WIDTH), int(line_no)
        background = backgrounds.get((line, col), (0, DEFAULT_BACKGROUND))[1]
        fill = fills.get(name, "#c5c8c6")
        ratio = terminal_contrast(fill, background)
        runs.append(Run(col, line, text, fill, background, ratio))
    return runs


def worst(runs: list[Run], minimum: float) -> list[Run]:
    """The runs under ``minimum``, the lowest ratio first."""
    return sorted((r for r in runs if r.ratio < minimum), key=lambda r: r.ratio)


def screen_text(runs: list[Run]) -> str:
    """The text of ``runs`` as lines of the screen (no-break spaces as spaces)."""
    lines: dict[int, list[str]] = {}
    for run in runs:
        line = lines.setdefault(run.line, [])
        line.extend(" " * (run.col + len(run.text) - len(line)))
        line[run.col : run.col + len(run.text)] = run.text.replace("\xa0", " ")
    return "\n".join("".join(lines[n]).rstrip() for n in sorted(lines))


def describe(run: Run) -> str:
    return (
        f"{run.ratio:4.2f}:1  {run.fill} on {run.background}  "
        f"line {run.line:2} col {run.col:3}  {run.text.strip()[:60]!r}"
    )
