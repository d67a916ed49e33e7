"""Searching the timeline: what the filter line understands, and the line itself.

A filter is words, each of which must be in the entry's text (any case), and terms:
``role:ENG`` (a role's label or any of its names: ``role:tech``), ``kind:decision``
(a kind or the word the timeline shows for it: ``kind:sev``), ``author:bob`` (part of
the author's name) and ``is:pinned``. Several values of one term are alternatives
(``role:IC role:ENG``); the terms and the words must all hold. ``"two words"`` is one
phrase. Matching is plain Python over the rows in memory (about 20 ms for 100,000),
run off the event loop by the timeline (``TimelineView.set_filter``).

``TimelineFilter`` is the line under the timeline where the filter is typed, with the
count of matches ("12 of 100,000"); Escape clears it and closes it.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label, Static

from warroom.errors import BadInput
from warroom.incident.queries import EntryRow
from warroom.incident.roles import ROLE_NAMES, role_id

FIELDS = ("role", "kind", "author", "is")
PLACEHOLDER = "words, role:ENG kind:decision author:bob is:pinned"


def _role(value: str) -> str:
    try:
        return ROLE_NAMES[role_id(value)]
    except BadInput:
        return value.upper()


@dataclass(frozen=True)
class EntryFilter:
    """What the filter line asked for; call it on a row (``EntryRow``)."""

    words: tuple[str, ...] = ()
    roles: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    authors: tuple[str, ...] = ()
    pinned: bool = False

    @classmethod
    def parse(cls, text: str, tags: Mapping[str, str] | None = None) -> EntryFilter | None:
        """The filter ``text`` asks for (None: nothing asked). ``tags``: the word shown
        for a kind -> the kind (``sev`` -> ``severity``)."""
        try:
            parts = shlex.split(text)
        except ValueError:  # an unclosed quote while typing: words as they are
            parts = text.split()
        words: list[str] = []
        roles: set[str] = set()
        kinds: set[str] = set()
        authors: list[str] = []
        pinned = False
        for part in parts:
            name, colon, value = part.partition(":")
            field = name.lower()
            if not colon or field not in FIELDS or not value:
                words.append(part.lower())
            elif field == "role":
                roles.add(_role(value))
            elif field == "kind":
                kind = value.lower()
                kinds.add((tags or {}).get(kind, kind))
            elif field == "author":
                authors.append(value.lower())
            elif value.lower() in ("pinned", "pin"):
                pinned = True
            else:
                words.append(part.lower())
        if not (words or roles or kinds or authors or pinned):
            return None
        return cls(tuple(words), frozenset(roles), frozenset(kinds), tuple(authors), pinned)

    def select(self, rows: list[EntryRow], pinned: Callable[[int], bool]) -> list[EntryRow]:
        """The rows this filter keeps, in their order; ``pinned(seq)`` says whether an
        entry is pinned. One narrowing pass a term, cheapest first (no call a row)."""
        out = rows
        if self.kinds:
            kinds = self.kinds
            out = [r for r in out if r.kind in kinds]
        if self.roles:
            roles = self.roles
            out = [r for r in out if r.role in roles]
        if self.authors:
            names = {r.author for r in out}  # a handful: match each name once
            keep = {n for n in names if any(a in n.lower() for a in self.authors)}
            out = [r for r in out if r.author in keep]
        if self.pinned:
            out = [r for r in out if pinned(r.seq)]
        for word in self.words:
            out = [r for r in out if word in r.text.lower()]
        return list(out) if out is rows else out

    def matcher(self, pinned: Callable[[int], bool]) -> Callable[[EntryRow], bool]:
        """The test of one row (for the few rows that arrive while filtered)."""
        return lambda row: bool(self.select([row], pinned))


class TimelineFilter(Horizontal):
    """The filter line: hidden until opened (``/`` on the timeline, ctrl+f)."""

    DEFAULT_CSS = """
    TimelineFilter {
        height: 1;
        display: none;
        &.-open { display: block; }
        & > Label { width: auto; margin: 0 1 0 0; text-style: bold; }
        & > Input, & > Input:focus { width: 1fr; height: 1; border: none; padding: 0; }
        & > Static { width: auto; padding: 0 0 0 1; }
    }
    """
    BINDINGS = [
        Binding("escape", "clear", "Clear filter", id="timeline_filter.clear"),
    ]

    class QueryChanged(Message):
        """The filter text changed (``text``; "" clears)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Closed(Message):
        """Escape: the filter is cleared and the line closed."""

    class Submitted(Message):
        """Enter: keep the filter, back to the timeline."""

    def compose(self) -> ComposeResult:
        yield Label("Filter:", markup=False)
        yield Input(placeholder=PLACEHOLDER, id="timeline-filter-input", select_on_focus=False)
        yield Static("", id="timeline-filter-count", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self) -> None:
        self.add_class("-open")
        self.input.focus()

    def show_count(self, shown: int, total: int, *, loading: bool = False) -> None:
        more = ", more loading" if loading else ""
        text = f"{shown:,} of {total:,}{more}" if self.input.value.strip() else ""
        self.query_one("#timeline-filter-count", Static).update(text)

    @on(Input.Changed, "#timeline-filter-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.QueryChanged(event.value))

    @on(Input.Submitted, "#timeline-filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted())

    def action_clear(self) -> None:
        self.input.value = ""
        self.query_one("#timeline-filter-count", Static).update("")
        self.remove_class("-open")
        self.post_message(self.Closed())
