"""The scribe's input under the timeline.

Enter parses the line (``warroom.incident.scribe.parse``: ``ROLE:`` prefix, ``@HH:MM``
backdating, slash commands), takes it out of the input at once and posts
``ScribeInput.EntrySubmitted``: the screen queues it and records it in order, while the
scribe types the next line. A line that does not parse stays in the input with the
reason underneath; one the screen could not save comes back with :meth:`failed`.

A paste of several lines (CR, LF or CRLF between them) is one entry per non-empty line,
each parsed on its own; more than ``PASTE_ASK_OVER`` lines asks once first (Enter
queues them, Escape drops them). A line of such a paste that does not parse is posted
as ``EntryRefused``. Up and Down walk the history; Right accepts the completion shown
in grey.

Control characters in the input are drawn as their Unicode pictures (␛, ␊) so they
cannot act on the terminal; the value itself keeps them exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, tzinfo

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, Static

from warroom.errors import BadInput
from warroom.incident.scribe import Command, History, Note, complete, help_lines, parse

# One cell per control character, so the cursor stays where the value says it is.
PICTURES = (
    {c: 0x2400 + c for c in range(0x20)} | {0x7F: 0x2421} | {c: 0xFFFD for c in range(0x80, 0xA0)}
)
PLACEHOLDER = "Type an entry · IC:/COMMS:/ENG:/SCRIBE: role · @14:02 backdates · /help"
PASTE_ASK_OVER = 10  # a paste of more lines asks before it becomes that many entries
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def pasted_lines(text: str) -> list[str] | None:
    """The non-empty lines of a paste of several lines; None for a one-line paste."""
    if not _LINE_BREAK.search(text):
        return None
    return [line for line in _LINE_BREAK.split(text) if line.strip()]


class ScribeSuggester(Suggester):
    """Completes slash commands, roles, people, phases and role prefixes."""

    def __init__(
        self,
        prefixes: Mapping[str, str],
        phases: Iterable[str],
        people: Iterable[str],
        audiences: Iterable[str] = (),
        stages: Iterable[str] = (),
    ) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.prefixes = dict(prefixes)
        self.phases = list(phases)
        self.people = list(people)
        self.audiences = list(audiences)
        self.stages = list(stages)

    async def get_suggestion(self, value: str) -> str | None:
        return complete(
            value,
            prefixes=self.prefixes,
            phases=self.phases,
            people=self.people,
            audiences=self.audiences,
            stages=self.stages,
        )


class EntryInput(Input):
    """A one-line input with history that shows control characters harmlessly."""

    BINDINGS = [
        Binding("up", "history_previous", "Previous entry", id="scribe.previous", show=False),
        Binding("down", "history_next", "Next entry", id="scribe.next", show=False),
    ]

    def __init__(self, history: History, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.history = history
        self._recalled: str | None = None  # the history line shown, until it is edited

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            # Here, in the input's own queue, not through the binding: a binding runs
            # once the key has bubbled up, after the keys typed behind it were already
            # inserted, and the next line would be taken (or wiped) with this one.
            event.stop()
            event.prevent_default()
            line, self.value = self.value, ""
            self.post_message(self.Submitted(self, line))
            return
        await super()._on_key(event)

    @property
    def _value(self) -> Text:
        return Text(self.value.translate(PICTURES), no_wrap=True, overflow="ignore", end="")

    class LinesPasted(Message):
        """Several lines were pasted: one entry each (the ScribeInput handles it)."""

        def __init__(self, lines: list[str]) -> None:
            super().__init__()
            self.lines = lines

    def _on_paste(self, event: events.Paste) -> None:
        # Input keeps only the first line of a paste; a scribe's paste is every line.
        event.prevent_default()
        event.stop()
        lines = pasted_lines(event.text)
        if lines is None:
            if event.text:
                self.insert_text_at_cursor(event.text)
        elif len(lines) == 1:
            self.insert_text_at_cursor(lines[0])
        elif lines:
            self.post_message(self.LinesPasted(lines))

    def _edited_since_recall(self) -> bool:
        """A recalled line was changed: what is typed now is the line to come back to."""
        if self._recalled is not None and self.value != self._recalled:
            self.history.reset()
            self._recalled = None
            return True
        return False

    def _show(self, line: str) -> None:
        self._recalled = line
        self.value = line
        self.cursor_position = len(line)

    def action_history_previous(self) -> None:
        self._edited_since_recall()
        line = self.history.previous(self.value)
        if line is not None:
            self._show(line)

    def action_history_next(self) -> None:
        if self._edited_since_recall():
            return  # the edited line is the newest: nothing below it
        line = self.history.next()
        if line is not None:
            self._show(line)


class ScribeInput(Vertical):
    """The entry line and, under it, what happened to the last entry."""

    DEFAULT_CSS = """
    ScribeInput {
        height: auto;
    }
    ScribeInput EntryInput {
        border: none;
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    ScribeInput EntryInput:focus {
        border: none;
        background: $primary 20%;
    }
    ScribeInput #scribe-status {
        height: auto;
        min-height: 1;
        max-height: 4;
        padding: 0 1;
        color: $text-muted;
    }
    ScribeInput #scribe-status.-error {
        color: $text-error;
        text-style: bold;
    }
    ScribeInput #scribe-status.-saved {
        color: $text-success;
    }
    """

    BINDINGS = [
        Binding(
            "escape",
            "cancel_paste",
            "Cancel the paste",
            id="scribe.cancel_paste",
            show=False,
            tooltip="Drop the lines pasted, asked about, not queued",
        ),
    ]

    class EntrySubmitted(Message):
        """A line parsed and taken out of the input: the screen queues and records it."""

        def __init__(self, line: str, parsed: Note | Command) -> None:
            super().__init__()
            self.line = line
            self.parsed = parsed

    class EntryRefused(Message):
        """A pasted line that does not parse: the screen keeps it with the failed ones."""

        def __init__(self, line: str, reason: str) -> None:
            super().__init__()
            self.line = line
            self.reason = reason

    def __init__(
        self,
        *,
        prefixes: Mapping[str, str],
        tz: tzinfo,
        now: Callable[[], datetime],
        phases: Iterable[str] = (),
        people: Iterable[str] = (),
        audiences: Iterable[str] = (),
        stages: Iterable[str] = (),
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.prefixes = dict(prefixes)
        self.tz = tz
        self.now = now
        self.history = History()
        self.paste_waiting: list[str] | None = None  # a long paste, until Enter or Escape
        self._suggester = ScribeSuggester(prefixes, phases, people, audiences, stages)

    def compose(self) -> ComposeResult:
        yield EntryInput(
            self.history,
            placeholder=PLACEHOLDER,
            suggester=self._suggester,
            id="scribe-entry",
            select_on_focus=False,
        )
        yield Static("", id="scribe-status", markup=False)

    @property
    def entry(self) -> EntryInput:
        return self.query_one(EntryInput)

    @property
    def value(self) -> str:
        return self.entry.value

    @value.setter
    def value(self, text: str) -> None:
        self.entry.value = text
        self.entry.cursor_position = len(text)

    def say(self, message: str, *, error: bool = False, saved: bool = False) -> None:
        status = self.query_one("#scribe-status", Static)
        # Wrapped, not cut: the end of "Not saved: ..." usually says how to fix the line.
        status.update(Text(message, overflow="ellipsis"))
        status.set_class(error, "-error")
        status.set_class(saved, "-saved")

    @on(Input.Submitted, "#scribe-entry")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = event.value  # the input was emptied when Enter was pressed
        if self.paste_waiting is not None:
            lines, self.paste_waiting = self.paste_waiting, None
            if line and not self.entry.value:
                self.value = line  # Enter confirmed the paste: what was typed stays
            self._submit_pasted(lines)
            return
        if not line.strip():
            return
        try:
            parsed = parse(line, prefixes=self.prefixes, tz=self.tz, now=self.now())
        except BadInput as err:
            if self.entry.value:  # the next line is being typed: keep this one aside
                self.post_message(self.EntryRefused(line, err.message))
            else:
                self.value = line
                self.say(f"Not saved: {err.message}", error=True)
            return
        self.history.add(line)
        if isinstance(parsed, Command) and parsed.name == "help":
            self._help()
            return
        self.post_message(self.EntrySubmitted(line, parsed))

    def _help(self) -> None:
        self.say("Commands: " + " · ".join(h.split("  ")[0] for h in help_lines()))
        self.notify("\n".join(help_lines()), title="Scribe commands", markup=False)

    @on(EntryInput.LinesPasted)
    def _pasted(self, event: EntryInput.LinesPasted) -> None:
        event.stop()
        n = len(event.lines)
        if n <= PASTE_ASK_OVER:
            self._submit_pasted(event.lines)
            return
        self.paste_waiting = event.lines
        self.say(f"Paste {n} lines as {n} entries? Enter to confirm, Escape to cancel.")

    def _submit_pasted(self, lines: list[str]) -> None:
        """One entry per pasted line, in order, each parsed on its own."""
        now = self.now()
        for line in lines:
            try:
                parsed = parse(line, prefixes=self.prefixes, tz=self.tz, now=now)
            except BadInput as err:
                self.post_message(self.EntryRefused(line, err.message))
                continue
            self.history.add(line)
            if isinstance(parsed, Command) and parsed.name == "help":
                self._help()
            else:
                self.post_message(self.EntrySubmitted(line, parsed))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_paste":
            return self.paste_waiting is not None
        return True

    def action_cancel_paste(self) -> None:
        n = len(self.paste_waiting or ())
        self.paste_waiting = None
        self.say(f"Paste cancelled: none of the {n} lines was queued.")

    def saved(self, line: str, message: str) -> None:
        """The line is in the database (it left the input when Enter was pressed)."""
        self.say(message, saved=True)

    def failed(self, line: str, message: str) -> bool:
        """The line could not be saved. Back in the input if that is empty (True);
        otherwise (the scribe is typing the next line) the screen keeps it."""
        if self.entry.value or self.paste_waiting is not None:
            return False
        self.value = line
        self.say(f"Not saved: {message}", error=True)
        return True
