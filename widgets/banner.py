"""The banner line: what the incident commander must not miss, until it is seen.

One line under the screen's header, only while there is something to see: the newest
notice (``warroom.incident.attention``), how many there are, and the key that marks it
seen (the screen's binding, e.g. ``war_room.dismiss_banner``). Words carry it (``!!``,
"1 of 3"), not only colour. The App's attention feed (``screens.attention_feed``) calls
:meth:`Banner.show` on every banner of the screen stack when the notices change; a
banner asks for them when it mounts.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from warroom.incident.attention import Notice

ALARM = "bold #ffffff on #b3261e"  # reads on the dark and the light theme (as the escalation pane)


class Banner(Widget):
    """The newest notice not seen yet, with the count and the key to mark it seen."""

    DEFAULT_CSS = """
    Banner {
        height: 1;
        display: none;
        background: #b3261e;
        color: #ffffff;
    }
    Banner.-showing {
        display: block;
    }
    """

    def __init__(
        self, *, dismiss: str, incident_id: int | None = None, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.dismiss_binding = dismiss  # the binding id whose key marks a notice seen
        self.incident_id = incident_id  # the incident the screen shows, if one
        self.notices: list[Notice] = []

    @property
    def showing(self) -> bool:
        return bool(self.notices)

    def on_mount(self) -> None:
        feed = getattr(self.app, "attention", None)
        if feed is not None:
            feed.show_on(self)

    def show(self, notices: Sequence[Notice]) -> None:
        """The notices not seen yet, newest first."""
        self.notices = list(notices)
        self.set_class(bool(self.notices), "-showing")
        self.refresh()
        self.screen.refresh_bindings()  # the "seen" key shows only with a notice

    def _key(self) -> str:
        key_for = getattr(self.screen, "key_for", None)
        return (key_for(self.dismiss_binding) if key_for else None) or "the seen key"

    def render(self) -> RenderableType:
        if not self.notices:
            return Text("")
        newest = self.notices[0]
        n = len(self.notices)
        tail = f"  {self._key()}: seen" + (f" · 1 of {n}, newest first" if n > 1 else "")
        width = max(self.size.width, 1)
        line = Text("!! ", style=ALARM, no_wrap=True, overflow="ellipsis", end="")
        room = max(width - len(line) - len(tail) - 1, 10)
        message = Text(newest.text, style=ALARM, no_wrap=True, overflow="ellipsis", end="")
        message.truncate(room, overflow="ellipsis")
        line.append_text(message)
        line.append(tail, style=ALARM)
        line.truncate(width, overflow="ellipsis", pad=True)
        line.stylize(ALARM)
        return line
