"""What the scribe types into the war room: a timeline entry or a slash command.

``parse`` turns one line into a :class:`Note` (text, role, backdated time, kind) or a
:class:`Command` (``/ack``, ``/sev 2``, ``/assign ic alice`` ...). It is pure: the
console calls the command layer with the result. Text is kept exactly as typed
(only the leading ``@HH:MM`` / ``ROLE:`` tokens and the space after them are removed).

Grammar of a line::

    [@TIME] [ROLE:] text          a note (ROLE from the policy's message_prefixes)
    [@TIME] [ROLE:] /command args  a command; //text records a line starting with /
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from warroom.errors import BadInput
from warroom.incident.commands import severity_number
from warroom.incident.roles import ROLES, role_id
from warroom.text import MAX_NAME_CHARS, check_entry_text, check_line, printable
from warroom.timeparse import parse_time

# name -> (usage of the arguments, what it does); aliases map to these names.
COMMANDS: dict[str, tuple[str, str]] = {
    "ack": ("", "acknowledge the incident"),
    "sev": ("N", "change the severity (1 is the worst)"),
    "assign": ("ROLE NAME", "give a role (ic, comms, tech, scribe) to someone"),
    "mitigated": ("", "customer impact has stopped"),
    "resolved": ("", "resolve the incident"),
    "action": ("TEXT", "record a follow-up action item"),
    "status": ("[AUDIENCE STAGE] TEXT", "status update (internal by default; no TEXT: template)"),
    "phase": ("ID", "move to a workflow phase"),
    "decision": ("TEXT", "record a decision"),
    "help": ("", "list the commands"),
}
ALIASES = {
    "severity": "sev",
    "mitigate": "mitigated",
    "resolve": "resolved",
    "acknowledge": "ack",
    "decide": "decision",
}
NO_ARGUMENT = frozenset({"ack", "mitigated", "resolved", "help"})

# @14:02, @14:02:30 or an ISO-8601 time (@2026-03-02T14:02Z); "@alice" is just text.
_BACKDATE = re.compile(r"@(\d{1,2}:\d\d(?::\d\d)?|\d{4}-\d\d-\d\d(?:T\S*)?)(?:[ \t]+|$)")
_PREFIX = re.compile(r"([A-Za-z]+):(?:[ \t]+|$|(?=\S))")
_COMMAND = re.compile(r"/([A-Za-z]+)(?=\s|$)[ \t]*")


@dataclass(frozen=True)
class Note:
    """A timeline entry: ``role`` is a role id (ic, comms, tech, scribe) or None."""

    text: str
    role: str | None = None
    at: datetime | None = None
    kind: str = "note"


@dataclass(frozen=True)
class Command:
    """A slash command. ``argument`` is the text after it (exactly as typed);
    for ``assign`` the role id is in ``role`` and the person in ``argument``."""

    name: str
    argument: str = ""
    role: str | None = None
    at: datetime | None = None


def _split_head(line: str, prefixes: Mapping[str, str]) -> tuple[str | None, str | None, str]:
    """Split the leading ``@TIME`` and ``ROLE:`` tokens (either order, each once) off a line."""
    wanted = {k.upper(): v for k, v in prefixes.items()}
    when: str | None = None
    role: str | None = None
    rest = line
    for _ in range(2):
        probe = rest.lstrip(" \t")
        m = _BACKDATE.match(probe)
        if when is None and m:
            when, rest = m[1], probe[m.end() :]
            continue
        m = _PREFIX.match(probe)
        if role is None and m and m[1].upper() in wanted:
            role, rest = wanted[m[1].upper()], probe[m.end() :]
            continue
        break
    return when, role, rest


def parse(line: str, *, prefixes: Mapping[str, str], tz: tzinfo, now: datetime) -> Note | Command:
    """Parse one line typed by the scribe. Raises BadInput with a one-line explanation."""
    if not line.strip():
        raise BadInput("the entry is empty; type some text.")
    when_text, role, rest = _split_head(line, prefixes)
    at = parse_time(when_text, tz=tz, now=now, what="@time") if when_text else None
    if when_text is None and role is None:
        rest = line  # nothing was taken off: keep the line exactly as typed
    if rest.startswith("//"):
        return _note(rest[1:], role, at, when_text)
    if rest.startswith("/"):
        return _command(rest, role, at)
    return _note(rest, role, at, when_text)


def _note(text: str, role: str | None, at: datetime | None, when: str | None) -> Note:
    if not text.strip():
        head = f"@{when}" if when else "the role prefix"
        raise BadInput(f"nothing to record after {printable(head)}; type the entry's text.")
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
    if name == "sev":
        return Command(name, str(severity_number(arg)), at=at)
    if name == "assign":
        parts = arg.strip().split(maxsplit=1)
        if len(parts) < 2:
            raise BadInput("/assign needs a role and a name: /assign ic alice.")
        person = check_line(parts[1], "person's name", MAX_NAME_CHARS)
        return Command(name, person, role=role_id(parts[0]), at=at)
    if name == "phase":
        return Command(name, arg.strip(), at=at)
    if name == "decision":
        return Note(check_entry_text(arg), role, at, kind="decision")
    return Command(name, check_entry_text(arg), role=role, at=at)


def help_lines() -> list[str]:
    """One line per command, for the console's help."""
    return [f"/{name} {usage}".rstrip() + f"  {what}" for name, (usage, what) in COMMANDS.items()]


# --- completion ----------------------------------------------------------------------


def _first(options: Iterable[str], partial: str) -> str | None:
    p = partial.casefold()
    for option in options:
        if option.casefold().startswith(p) and len(option) > len(partial):
            return option
    return None


def complete(
    value: str,
    *,
    prefixes: Mapping[str, str],
    phases: Iterable[str] = (),
    people: Iterable[str] = (),
    audiences: Iterable[str] = (),
    stages: Iterable[str] = (),
) -> str | None:
    """The completed line the input should suggest for ``value``, or None.

    The suggestion always starts with ``value`` exactly (only text is added)."""
    when, role, rest = _split_head(value, prefixes)
    head = value[: len(value) - len(rest)]
    if when is None and role is None:
        head, rest = "", value
        if rest.isalpha() and rest.isupper():
            key = _first(sorted(prefixes), rest)
            if key is not None:
                return value + key[len(rest) :] + ": "
    if not rest.startswith("/") or rest.startswith("//"):
        return None
    words = rest[1:].split(" ")
    if len(words) == 1:
        name = _first(COMMANDS, words[0])
        if name is None:
            return None
        return head + "/" + words[0] + name[len(words[0]) :] + ("" if name in NO_ARGUMENT else " ")
    command = ALIASES.get(words[0].lower(), words[0].lower())
    if command == "assign" and len(words) == 2:
        r = _first(ROLES, words[1])
        return value + r[len(words[1]) :] + " " if r else None
    if command == "assign" and len(words) >= 3:
        partial = " ".join(words[2:])
        person = _first(people, partial)
        return value + person[len(partial) :] if person else None
    if command == "phase" and len(words) == 2:
        p = _first(phases, words[1])
        return value + p[len(words[1]) :] if p else None
    if command == "status" and len(words) == 2:
        a = _first(audiences, words[1])
        return value + a[len(words[1]) :] + " " if a else None
    if command == "status" and len(words) == 3 and words[1].lower() in set(audiences):
        st = _first(stages, words[2])
        return value + st[len(words[2]) :] + " " if st else None
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
