"""The command palette (ctrl+p) and the help screen's key list, from one source.

The keys are the screen's public ``active_bindings`` (the focused widget, the screen,
the App, with the user's keymap applied): what the footer shows. Bindings declared on
the screen or the App whose key does something else here (a text field types it, the
screen binds it to another action) are still listed, without a key. The palette is
``WarroomApp.get_system_commands``: those, then the screen's commands that have no
key (``palette_commands()``), then Textual's own; one entry per action and per title.
The one provider of its own, ``IncidentCommands``, offers the incidents by ref and title.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.actions import parse
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.fuzzy import Matcher
from textual.markup import escape
from textual.screen import Screen
from textual.system_commands import SystemCommandsProvider

from warroom.errors import WarroomError
from warroom.incident.queries import list_incidents
from warroom.text import printable

if TYPE_CHECKING:
    from screens.app import WarroomApp

NO_KEY = "ctrl+p"  # what the help screen says of an action without a key here
TEXTUAL_NEAR_DUPLICATES = frozenset({"Keys"})  # Textual's key panel: our Help (?) lists them
ActionKey = tuple[int, str, tuple[object, ...]]  # target node, action name, parameters


@dataclass(frozen=True)
class ActionEntry:
    """One bound action as people see it: keys, description, where it applies."""

    key: str
    description: str
    action: str
    node: DOMNode
    binding: Binding
    everywhere: bool  # an App binding (works on every screen)


def target(node: DOMNode, action: str) -> ActionKey:
    """What running ``action`` from ``node`` runs: (node, name, parameters)."""
    namespace, name, params = parse(action)
    where: DOMNode = node
    if namespace == "app":
        where = node.app
    elif namespace == "screen":
        where = node.screen
    return id(where), name, tuple(params)


def _enabled(node: DOMNode, action: str) -> bool:
    namespace, name, params = parse(action)
    where = node.app if namespace == "app" else node.screen if namespace == "screen" else node
    return where.check_action(name, tuple(params)) is not False


def _declared(node: DOMNode) -> list[Binding]:
    """The bindings a node's classes declare (``BINDINGS``), most derived first."""
    seen: set[str] = set()
    found: list[Binding] = []
    for cls in type(node).__mro__:
        for b in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
            if b.id and b.id not in seen:
                seen.add(b.id)
                found.append(b)
    return found


def collect_actions(app: App[Any], screen: Screen[Any]) -> list[ActionEntry]:
    """Every action (with an id and a description) on ``screen`` and the App, with the
    keys that run it here; ``ctrl+p`` (the palette) for one whose key does not."""
    working_on = getattr(app, "working_on", None)
    with working_on(screen) if working_on is not None else nullcontext():
        return _collect(app, screen)


def _collect(app: App[Any], screen: Screen[Any]) -> list[ActionEntry]:
    found: dict[str, ActionEntry] = {}
    for _key, active in screen.active_bindings.items():
        b, node = active.binding, active.node
        if not b.id or not b.description or b.system or not active.enabled:
            continue
        key = app.get_key_display(b)
        entry = found.get(b.id)
        if entry is None:
            found[b.id] = ActionEntry(key, b.description, b.action, node, b, node is app)
        elif key not in entry.key.split(" / "):
            found[b.id] = replace(entry, key=f"{entry.key} / {key}")  # several keys
    for node in (screen, app):
        for b in _declared(node):
            if not b.id or b.id in found or not b.description or not _enabled(node, b.action):
                continue
            key = NO_KEY
            if b.priority:  # works over dialogs too, though not in their binding chain
                keymap: dict[str, str] = getattr(app, "user_keymap", {})
                key = app.get_key_display(b.with_key(keymap[b.id]) if b.id in keymap else b)
            found[b.id] = ActionEntry(key, b.description, b.action, node, b, node is app)
    return list(found.values())


@dataclass
class _Entry:
    title: str
    keys: list[str]
    tip: str
    run: Callable[[], Any]


def _callback_target(callback: Callable[..., Any]) -> ActionKey | None:
    func = getattr(callback, "__func__", None)
    owner = getattr(callback, "__self__", None)
    if func is not None and owner is not None and func.__name__.startswith("action_"):
        return id(owner), func.__name__.removeprefix("action_"), ()
    return None


def system_commands(
    app: App[Any], screen: Screen[Any], textual_own: Iterable[SystemCommand]
) -> Iterable[SystemCommand]:
    """The palette of ``screen``: its keys, its commands without a key, Textual's own."""
    entries: list[_Entry] = []
    by_action: dict[ActionKey, _Entry] = {}
    titles: set[str] = set()

    def add(title: str, key: str | None, tip: str, run: Callable[[], Any], at: ActionKey | None):
        entry = by_action.get(at) if at is not None else None
        if entry is not None:  # the same action under another key: one entry, both keys
            if key and key not in entry.keys:
                entry.keys.append(key)
            return
        if title in titles:
            return  # one title, one entry (the one the key on this screen runs)
        titles.add(title)
        entry = _Entry(title, [key] if key else [], tip, run)
        entries.append(entry)
        if at is not None:
            by_action[at] = entry

    for e in collect_actions(app, screen):
        key = None if e.key == NO_KEY else e.key
        run = partial(app.run_action, e.action, e.node)
        add(e.description, key, e.binding.tooltip, run, target(e.node, e.action))
    keyless: list[SystemCommand] = getattr(screen, "palette_commands", list)()
    textual = [c for c in textual_own if c.title not in TEXTUAL_NEAR_DUPLICATES]
    for command in [*keyless, *textual]:
        add(command.title, None, command.help, command.callback, _callback_target(command.callback))
    for entry in entries:
        keys = f"key: {' / '.join(entry.keys)}" if entry.keys else "no key on this screen"
        yield SystemCommand(entry.title, " · ".join(t for t in (keys, entry.tip) if t), entry.run)


def plain_highlight(matcher: Matcher, candidate: str) -> Text:
    """Like ``Matcher.highlight`` but never reads ``candidate`` as markup."""
    text = Text(candidate)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    for offset in offsets:
        if not candidate[offset].isspace():
            text.stylize("bold underline", offset, offset + 1)
    return text


class PlainHits(Provider):
    """Discovery and search over (title, help, callback), titles as plain text (they
    come from policy files and incident titles: never markup)."""

    def _commands(self) -> Iterable[tuple[str, str, Callable[[], Any]]]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for name, help_text, run in self._commands():
            yield DiscoveryHit(Text(name), run, text=name, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, plain_highlight(matcher, name), run, text=name, help=escape(help_text)
                )


class SystemCommands(PlainHits, SystemCommandsProvider):
    """Textual's system-command provider (``App.get_system_commands``), as plain text."""

    def _commands(self) -> Iterable[tuple[str, str, Callable[[], Any]]]:
        for title, help_text, run, discover in self.app.get_system_commands(self.screen):
            if discover:
                yield title, help_text, run


class IncidentCommands(PlainHits):
    """Every incident (open, resolved, closed) by ref and title words: Enter opens its
    war room (read-only for one that is over)."""

    def __init__(self, screen: Screen[Any], match_style: Any = None) -> None:
        super().__init__(screen, match_style)
        self._incidents: list[tuple[int, str, bool]] = []

    async def startup(self) -> None:
        store = getattr(self.app, "store", None)
        if store is None:
            return
        try:
            rows = await list_incidents(store, include_closed=True)
        except WarroomError:
            return
        rows.sort(key=lambda r: (r.incident.resolved_at is not None, -(r.incident.id or 0)))
        for r in rows:
            inc = r.incident
            if inc.id is None:
                continue
            past = inc.resolved_at is not None
            state = f" ({inc.status})" if past else ""
            label = f"Open {inc.ref} SEV{inc.severity}{state}: {printable(inc.title)}"
            self._incidents.append((inc.id, label, past))

    def _commands(self) -> Iterable[tuple[str, str, Callable[[], Any]]]:
        app = cast("WarroomApp", self.app)
        for incident_id, label, past in self._incidents:
            if past:
                yield label, "its war room, read-only", partial(app.open_past_incident, incident_id)
            else:
                yield label, "open its war room", partial(app.open_incident, incident_id)

    async def search(self, query: str) -> Hits:
        """Title words in any order match too ("export nightly" finds "Nightly export")."""
        matcher = self.matcher(query)
        words = query.casefold().split()
        for name, help_text, run in self._commands():
            score = matcher.match(name)
            if score <= 0 and len(words) > 1 and all(w in name.casefold() for w in words):
                score = 0.5
            if score > 0:
                yield Hit(
                    score, plain_highlight(matcher, name), run, text=name, help=escape(help_text)
                )
