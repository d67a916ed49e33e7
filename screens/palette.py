"""The command palette (ctrl+p): every console action by name, and every open incident.

Actions are gathered from the bindings that carry an ``id`` on the calling screen,
its widgets and the App, so an action bound anywhere in the console is also in
the palette without registering it twice. Incident titles are shown as plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.fuzzy import Matcher
from textual.markup import escape
from textual.screen import Screen

from warroom.errors import WarroomError
from warroom.incident.queries import list_incidents
from warroom.text import printable

if TYPE_CHECKING:
    from screens.app import WarroomApp


@dataclass(frozen=True)
class ActionEntry:
    """One bound action as people see it: keys, description, where it applies."""

    key: str
    description: str
    action: str
    node: DOMNode
    binding: Binding
    everywhere: bool  # an App binding (works on every screen)


def _nodes(app: App[Any], screen: Screen[Any]) -> list[DOMNode]:
    """The focused widget and its ancestors first, then the rest of the screen, then the App."""
    nodes: list[DOMNode] = []
    focused = screen.focused
    while focused is not None and focused is not screen:
        nodes.append(focused)
        focused = focused.parent  # type: ignore[assignment]
    nodes.append(screen)
    nodes.extend(n for n in screen.walk_children() if n not in nodes)
    nodes.append(app)
    return nodes


def _screen_keys(app: App[Any], screen: Screen[Any]) -> set[str]:
    """Keys the screen (or the focused widget and its ancestors) binds before the App:
    an App binding on one of them does something else on this screen."""
    keys: set[str] = set(screen._bindings.key_to_bindings)
    focused = screen.focused
    while focused is not None and focused is not screen:
        keys.update(focused._bindings.key_to_bindings)
        focused = focused.parent  # type: ignore[assignment]
    return keys


def collect_actions(app: App[Any], screen: Screen[Any]) -> list[ActionEntry]:
    """Every action bound (with an id and a description) on ``screen`` and the App.

    An App action whose key this screen binds to something else (``d`` is Done on the
    action items) is listed with ``ctrl+p``: saying ``d`` there would be a lie."""
    seen: dict[str, ActionEntry] = {}
    shadowed = _screen_keys(app, screen)
    for node in _nodes(app, screen):
        for bindings in node._bindings.key_to_bindings.values():
            for b in bindings:
                if not b.id or not b.description or b.system:
                    continue
                key = app.get_key_display(b)
                if node is app and not b.priority and b.key in shadowed:
                    key = "ctrl+p"
                entry = seen.get(b.id)
                if entry is None:
                    seen[b.id] = ActionEntry(key, b.description, b.action, node, b, node is app)
                elif entry.node is node and key not in entry.key.split(" / "):
                    seen[b.id] = replace(entry, key=f"{entry.key} / {key}")  # several keys
    return list(seen.values())


def _enabled(entry: ActionEntry) -> bool:
    check = getattr(entry.node, "check_action", None)
    if check is None:
        return True
    name = entry.action.split("(", 1)[0].split(".")[-1]
    return check(name, ()) is not False


def plain_highlight(matcher: Matcher, candidate: str) -> Text:
    """Like ``Matcher.highlight`` but never reads ``candidate`` as markup."""
    text = Text(candidate)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    for offset in offsets:
        if not candidate[offset].isspace():
            text.stylize("bold underline", offset, offset + 1)
    return text


class WarroomCommands(Provider):
    """Console actions and open incidents."""

    def __init__(self, screen: Screen[Any], match_style: Any = None) -> None:
        super().__init__(screen, match_style)
        self._incidents: list[tuple[int, str]] = []

    @property
    def console(self) -> WarroomApp:
        return cast("WarroomApp", self.app)

    async def startup(self) -> None:
        store = getattr(self.app, "store", None)
        if store is None:
            return
        try:
            rows = await list_incidents(store)
        except WarroomError:
            return
        for r in rows:
            inc = r.incident
            if inc.id is not None:
                label = f"Open {inc.ref} SEV{inc.severity}: {printable(inc.title)}"
                self._incidents.append((inc.id, label))

    def _commands(self) -> Iterable[tuple[str, Any, str]]:
        for entry in collect_actions(self.app, self.screen):
            if _enabled(entry):
                run = partial(self.app.run_action, entry.action, entry.node)
                yield entry.description, run, f"key: {entry.key}"
        for incident_id, label in self._incidents:
            yield label, partial(self.console.open_incident, incident_id), "open its war room"

    async def discover(self) -> Hits:
        for name, run, help_text in self._commands():
            yield DiscoveryHit(Text(name), run, text=name, help=_escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, run, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, plain_highlight(matcher, name), run, text=name, help=_escape(help_text)
                )


def _escape(text: str) -> str:
    return escape(text)
