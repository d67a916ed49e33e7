"""The scribe's input under the timeline.

Enter parses the line (``warroom.incident.scribe.parse``: ``ROLE:`` prefix, ``@HH:MM``
backdating, slash commands) and posts ``ScribeInput.EntrySubmitted``; the screen
records it through the command layer and then calls :meth:`ScribeInput.saved` or
:meth:`ScribeInput.failed`. The line leaves the input only once it is saved; a line
that could not be saved stays, with the reason underneath. Up and Down walk the
history; Right accepts the completion shown in grey.

Control characters in the input are drawn as their Unicode pictures (␛, ␊) so they
cannot act on the terminal; the value itself keeps them exactly.
"""

from __future__ import annotations

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

    @property
    def _value(self) -> Text:
        return Text(self.value.translate(PICTURES), no_wrap=True, overflow="ignore", end="")

    def _on_paste(self, event: events.Paste) -> None:
        # Input keeps only the first line of a paste; a scribe's paste is kept whole.
        event.prevent_default()
        event.stop()
        if event.text:
            self.insert_text_at_cursor(event.text)

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

    class EntrySubmitted(Message):
        """A line parsed and ready to record; the screen answers with saved()/failed()."""

        def __init__(self, line: str, parsed: Note | Command) -> None:
            super().__init__()
            self.line = line
            self.parsed = parsed

    class EntrySettled(Message):
        """The line being saved is saved or refused: nothing is in flight any more."""

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
        self.saving: str | None = None
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
        line = event.value
        if self.saving is not None:
            self.say("Still saving the previous entry; press Enter again in a moment.")
            return
        if not line.strip():
            return
        try:
            parsed = parse(line, prefixes=self.prefixes, tz=self.tz, now=self.now())
        except BadInput as err:
            self.say(f"Not saved: {err.message}", error=True)
            return
        if isinstance(parsed, Command) and parsed.name == "help":
            self.history.add(line)
            self.value = ""
            self.say("Commands: " + " · ".join(h.split("  ")[0] for h in help_lines()))
            self.notify("\n".join(help_lines()), title="Scribe commands", markup=False)
            return
        self.saving = line
        self.say("Saving…")
        self.post_message(self.EntrySubmitted(line, parsed))

    def saved(self, line: str, message: str) -> None:
        """The line is in the database: clear it (unless the user already typed more)."""
        self.saving = None
        self.history.add(line)
        if self.entry.value == line:
            self.value = ""
        self.say(message, saved=True)
        self.post_message(self.EntrySettled())

    def failed(self, line: str, message: str) -> None:
        """The line could not be saved: it stays in the input, and we say why."""
        self.saving = None
        self.history.add(line)
        if not self.entry.value:
            self.value = line
        self.say(f"Not saved: {message}", error=True)
        self.post_message(self.EntrySettled())
