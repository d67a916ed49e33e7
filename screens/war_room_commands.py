"""The war room's actions in the command palette (ctrl+p).

The screen lists its commands (``palette_commands()``: name, help, callback);
this provider only matches them against what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from screens.palette import plain_highlight

PaletteCommand = tuple[str, str, Callable[[], Any]]


class WarRoomCommands(Provider):
    def _commands(self) -> list[PaletteCommand]:
        lister = getattr(self.screen, "palette_commands", None)
        return list(lister()) if lister is not None else []

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(Content(name), callback, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                # the names come from policy files: never read as markup
                yield Hit(score, plain_highlight(matcher, name), callback, name, help_text)
