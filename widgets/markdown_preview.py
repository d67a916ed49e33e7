"""A long Markdown document previewed live, one Markdown widget per section.

Re-mounting a whole document's blocks on every keystroke takes about a second;
splitting it at its ``#``/``##`` headings (outside code fences) and updating only
the sections whose text changed keeps typing responsive.
"""

from __future__ import annotations

import re

from textual.containers import VerticalScroll
from textual.widgets import Markdown

from widgets.safe_text import pictured

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^#{1,2}(?:[ \t]|$)")


def split_sections(text: str) -> list[str]:
    """``text`` cut before every level-1/2 heading that is not inside a code fence."""
    chunks: list[list[str]] = [[]]
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m[1]
        elif fence is not None and m and m[1][0] == fence[0] and len(m[1]) >= len(fence):
            fence = None
        elif fence is None and _HEADING.match(line) and chunks[-1]:
            chunks.append([])
        chunks[-1].append(line)
    return ["".join(c) for c in chunks if c]


class MarkdownPreview(VerticalScroll):
    """Scrollable Markdown whose :meth:`show` re-renders only the sections that changed."""

    DEFAULT_CSS = """
    MarkdownPreview {
        height: 1fr;
    }
    MarkdownPreview > Markdown {
        margin: 0;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._chunks: list[str] = []

    @property
    def source(self) -> str:
        return "".join(self._chunks)

    async def show(self, text: str) -> None:
        chunks = split_sections(pictured(text))  # no escape sequence reaches the terminal
        shown = list(self.query_children(Markdown))
        for i, chunk in enumerate(chunks):
            if i < len(shown):
                if i >= len(self._chunks) or self._chunks[i] != chunk:
                    await shown[i].update(chunk)
            else:
                await self.mount(Markdown(chunk, open_links=False))
        for extra in shown[len(chunks) :]:
            await extra.remove()
        self._chunks = chunks
