"""What the scribe types into the war room: a timeline entry or a slash command.

``parse`` turns one line into a :class:`Note` (text, role, backdated time, kind) or a
:class:`Command` (``/ack``, ``/sev 2``, ``/assign ic alice`` ...). It is pure: the
console calls the command layer with the result. Text is kept exactly as typed
(only the leading ``@HH:MM`` / ``ROLE:`` tokens and the space after them are removed).

Grammar of a line::

    [@TIME] [ROLE:] text          a note (ROLE from the policy's message_prefixes)
    [@TIME] [ROLE:] /command args  a command; //text records a line starting with /

The ``ROLE:`` prefix is the one of ``warroom log`` (:mod:`warroom.incident.prefix`);
the commands are the verbs of the registry (:mod:`warroom.incident.verbs`) that are
marked for the scribe line, and the console runs them with ``verbs.perform``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from warroom.errors import BadInput
from warroom.incident.commands import severity_number
from warroom.incident.prefix import match_role_prefix, nothing_after
from warroom.incident.roles import ROLES, role_id
from warroom.incident.verbs import VERBS, Command, Note
from warroom.text import MAX_NAME_CHARS, check_entry_text, check_line, printable
from warroom.timeparse import parse_time

# The scribe's commands are the registry's verbs (warroom.incident.verbs) marked for
# the scribe line, plus /help: name -> (usage of the arguments, what it does).
COMMANDS: dict[str, tuple[str, str]] = {
    **{v.name: (v.usage, v.help) for v in VERBS.values() if v.scribe},
    "help": ("", "list the commands"),
}
ALIASES: dict[str, str] = {a: v.name for v in VERBS.values() if v.scribe for a in v.aliases}
NO_ARGUMENT = frozenset({n for n, v in VERBS.items() if v.scribe and v.takes == "none"} | {"help"})

# @14:02, @14:02:30 or an ISO-8601 time (@2026-03-02T14:02Z); "@alice" is just text.
_BACKDATE = re.compile(r"@(\d{1,2}:\d\d(?::\d\d)?|\d{4}-\d\d-\d\d(?:T\S*)?)(?:[ \t]+|$)")
_COMMAND = re.compile(r"/([A-Za-z]+)(?=\s|$)[ \t]*")


@dataclass(frozen=True)
class _Head:
    when: str | None  # the @TIME as typed
    role: str | None  # the role id of the ROLE: prefix
    last: str  # the last token taken off, as typed ("@14:02", "IC:"), or ""
    rest: str


def _split_head(line: str, prefixes: Mapping[str, str]) -> _Head:
    """Split the leading ``@TIME`` and ``ROLE:`` tokens (either order, each once) off a
    line. The ``ROLE:`` grammar is :mod:`warroom.incident.prefix`, as ``warroom log``'s."""
    when: str | None = None
    role: str | None = None
    last, rest = "", line
    for _ in range(2):
        m = _BACKDATE.match(rest.lstrip(" \t")) if when is None else None
        if m:
            when, last, rest = m[1], f"@{m[1]}", rest.lstrip(" \t")[m.end() :]
            continue
        found = match_role_prefix(rest, prefixes) if role is None else None
        if found:
            role, last, rest = found[0], f"{found[1]}:", found[2]
            continue
        break
    return _Head(when, role, last, rest)


def parse(line: str, *, prefixes: Mapping[str, str], tz: tzinfo, now: datetime) -> Note | Command:
    """Parse one line typed by the scribe. Raises BadInput with a one-line explanation."""
    if not line.strip():
        raise BadInput("the entry is empty; type some text.")
    head = _split_head(line, prefixes)
    at = parse_time(head.when, tz=tz, now=now, what="@time") if head.when else None
    role, rest = head.role, head.rest
    if not head.last:
        rest = line  # nothing was taken off: keep the line exactly as typed
    elif not rest.strip():
        raise nothing_after(head.last)
    if rest.startswith("//"):
        return _note(rest[1:], role, at)
    if rest.startswith("/"):
        return _command(rest, role, at)
    return _note(rest, role, at)


def typed_time(line: str, prefixes: Mapping[str, str]) -> str | None:
    """The ``@TIME`` of a line as the scribe typed it (``@23:59``), or None."""
    when = _split_head(line, prefixes).when
    return f"@{when}" if when else None


def _note(text: str, role: str | None, at: datetime | None) -> Note:
    return Note(check_entry_text(text), role, at)


def _command(text: str, role: str | None, at: datetime | None) -> Command | Note:
    m = _COMMAND.match(text)
    word = m[1].lower() if m else (text[1:].split(maxsplit=1) or [""])[0]
    name = ALIASES.get(word, word)
    if m is None or name not in COMMANDS:
        known = ", ".join(f"/{c}" for c in COMMANDS)
        raise BadInput(
            f"unknown command /{printable(word)[:40]}; the commands are {known} "
            "(start the line with // to record text that begins with /)."
        )
    arg = text[m.end() :]
    usage, _ = COMMANDS[name]
    if name in NO_ARGUMENT:
        if arg.strip():
            raise BadInput(f"/{name} takes no argument; type just /{name}.")
        return Command(name, at=at)
    if not arg.strip():
        raise BadInput(f"/{name} needs {usage}: /{name} {usage}.")
    v = VERBS[name]
    if v.takes == "severity":
        return Command(name, str(severity_number(arg)), at=at)
    if v.takes == "role_person":
        parts = arg.strip().split(maxsplit=1)
        if len(parts) < 2:
            raise BadInput(f"/{name} needs a role and a name: /{name} ic alice.")
        person = check_line(parts[1], "person's name", MAX_NAME_CHARS)
        return Command(name, person, role=role_id(parts[0]), at=at)
    if v.takes == "word":
        return Command(name, arg.strip(), at=at)
    if v.note_kind is not None:
        return Note(check_entry_text(arg), role, at, kind=v.note_kind)
    return Command(name, check_entry_text(arg), role=role, at=at)


def help_lines() -> list[str]:
    """One line per command, for the console's help."""
    return [f"/{name} {usage}".rstrip() + f"  {what}" for name, (usage, what) in COMMANDS.items()]


# --- completion ----------------------------------------------------------------------

# The keys of the scribe line, for /help and the help screen: (key, what it does).
TYPING_KEYS: tuple[tuple[str, str], ...] = (
    ("tab", "Complete the command, role, name, phase, audience or stage being typed"),
    ("", "(several fit: their common part, and the list under the line)"),
    ("right", "Take the completion shown in grey"),
    ("up / down", "Walk back and forth through the lines typed"),
    ("shift+tab", "Leave the scribe line (Tab too, when it is empty)"),
    ("IC: ENG: ...", "Start a line with a role prefix; @14:02 backdates it"),
)


@dataclass(frozen=True)
class _Slot:
    """The word being typed at the end of a line and what it could become."""

    head: str  # the line before the word, kept as typed
    partial: str  # the word typed so far
    options: tuple[tuple[str, str], ...]  # (word, what follows it whole), in order offered
    shown: str = "{}"  # how a candidate is listed ("/{}" for commands, "{}:" for prefixes)


@dataclass(frozen=True)
class Completion:
    """What Tab does to a line: ``line`` completed as far as every candidate agrees,
    and the candidates as listed (several: the scribe types on to pick one)."""

    line: str
    candidates: list[str]


def _words(options: Iterable[str], after: str) -> tuple[tuple[str, str], ...]:
    return tuple((o, after) for o in options)


def _slot(
    value: str,
    prefixes: Mapping[str, str],
    phases: Iterable[str],
    people: Iterable[str],
    audiences: Iterable[str],
    stages: Iterable[str],
) -> _Slot | None:
    """Which word at the end of ``value`` can be completed, and into what; or None."""
    split = _split_head(value, prefixes)
    head, rest = (value[: len(value) - len(split.rest)], split.rest) if split.last else ("", value)
    if split.role is None and rest.isalpha() and rest.isupper():
        return _Slot(head, rest, _words(sorted(prefixes), ": "), "{}:")
    if not rest.startswith("/") or rest.startswith("//"):
        return None
    words = rest[1:].split(" ")
    if len(words) == 1:
        commands = tuple((c, "" if c in NO_ARGUMENT else " ") for c in COMMANDS)
        return _Slot(head + "/", words[0], commands, "/{}")
    command = ALIASES.get(words[0].lower(), words[0].lower())
    before = value[: len(value) - len(words[-1])]
    audience_list = list(audiences)
    if command == "assign" and len(words) == 2:
        return _Slot(before, words[1], _words(ROLES, " "))
    if command == "assign":
        partial = " ".join(words[2:])  # a name may have spaces
        return _Slot(value[: len(value) - len(partial)], partial, _words(people, ""))
    if command == "phase" and len(words) == 2:
        return _Slot(before, words[1], _words(phases, ""))
    if command == "status" and len(words) == 2:
        return _Slot(before, words[1], _words(audience_list, " "))
    if command == "status" and len(words) == 3 and words[1].lower() in audience_list:
        return _Slot(before, words[2], _words(stages, " "))
    return None


def _matching(slot: _Slot) -> list[tuple[str, str]]:
    p = slot.partial.casefold()
    seen: set[str] = set()
    out = []
    for word, after in slot.options:
        if word.casefold().startswith(p) and word not in seen:
            seen.add(word)
            out.append((word, after))
    return out


def _common_start(words: list[str]) -> str:
    """The longest start all ``words`` share, compared without case (spelled as the first)."""
    first, n = words[0], len(words[0])
    for word in words[1:]:
        n = min(n, len(word))
        n = next((i for i in range(n) if first[i].casefold() != word[i].casefold()), n)
    return first[:n]


def candidates(
    value: str,
    *,
    prefixes: Mapping[str, str],
    phases: Iterable[str] = (),
    people: Iterable[str] = (),
    audiences: Iterable[str] = (),
    stages: Iterable[str] = (),
) -> list[str]:
    """What the last word of ``value`` could become, as listed to the scribe (commands
    with their ``/``, role prefixes with their ``:``); empty: nothing to complete."""
    slot = _slot(value, prefixes, phases, people, audiences, stages)
    return [slot.shown.format(w) for w, _ in _matching(slot)] if slot else []


def tab_complete(
    value: str,
    *,
    prefixes: Mapping[str, str],
    phases: Iterable[str] = (),
    people: Iterable[str] = (),
    audiences: Iterable[str] = (),
    stages: Iterable[str] = (),
) -> Completion:
    """What Tab makes of ``value`` (the line up to the cursor): one candidate completes
    the word whole, with the space or ``:`` after it; several complete the part they all
    share and are listed; none leave the line as it is."""
    slot = _slot(value, prefixes, phases, people, audiences, stages)
    found = _matching(slot) if slot is not None else []
    if slot is None or not found:
        return Completion(value, [])
    listed = [slot.shown.format(w) for w, _ in found]
    if len(found) == 1:
        word, after = found[0]
        return Completion(slot.head + word + after, listed)
    shared = _common_start([w for w, _ in found])
    if len(shared) <= len(slot.partial):
        return Completion(value, listed)  # nothing more in common: only the list
    return Completion(slot.head + shared, listed)


def complete(
    value: str,
    *,
    prefixes: Mapping[str, str],
    phases: Iterable[str] = (),
    people: Iterable[str] = (),
    audiences: Iterable[str] = (),
    stages: Iterable[str] = (),
) -> str | None:
    """The completed line the input suggests in grey for ``value`` (Right takes it), or
    None: the first candidate longer than the word typed.

    The suggestion always starts with ``value`` exactly (only text is added)."""
    slot = _slot(value, prefixes, phases, people, audiences, stages)
    if slot is None:
        return None
    for word, after in _matching(slot):
        if len(word) > len(slot.partial):
            return value + word[len(slot.partial) :] + after
    return None


# --- history -------------------------------------------------------------------------


class History:
    """Up-arrow history of what was typed, with the unfinished line kept aside."""

    def __init__(self, limit: int = 500) -> None:
        self.items: list[str] = []
        self.limit = limit
        self._pos: int | None = None
        self._draft = ""

    def add(self, line: str) -> None:
        if line.strip() and (not self.items or self.items[-1] != line):
            self.items.append(line)
            del self.items[: -self.limit]
        self._pos = None

    def previous(self, current: str) -> str | None:
        if not self.items:
            return None
        if self._pos is None:
            self._draft = current
            self._pos = len(self.items)
        if self._pos == 0:
            return None
        self._pos -= 1
        return self.items[self._pos]

    def next(self) -> str | None:
        if self._pos is None:
            return None
        self._pos += 1
        if self._pos >= len(self.items):
            self._pos = None
            return self._draft
        return self.items[self._pos]

    def reset(self) -> None:
        self._pos = None
