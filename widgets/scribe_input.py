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
in grey; Tab (``scribe.complete``) completes the word before the cursor (a command, role
prefix, role, person, phase, audience or stage: ``scribe.tab_complete``): one candidate
whole, several as far as they agree, listed on the status line. Tab in an empty line
moves the focus on, as everywhere; in a line with text it never does (Shift+Tab does).

Control characters in the input are drawn as their Unicode pictures (␛, ␊) so they
cannot act on the terminal; the value itself keeps them exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, tzinfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from warroom.errors import BadInput
from warroom.incident.scribe import Command, History, Note, help_lines, parse
from widgets.entry_line import EntryInput, ScribeSuggester, pasted_lines

__all__ = ["PASTE_ASK_OVER", "PLACEHOLDER", "EntryInput", "ScribeInput", "pasted_lines"]

PLACEHOLDER = "Type an entry · IC:/COMMS:/ENG:/SCRIBE: role · @14:02 backdates · /help"
PASTE_ASK_OVER = 10  # a paste of more lines asks before it becomes that many entries


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
        self._said: tuple[str, bool, bool] = ("", False, False)  # the status line's message
        self._listed_for: str | None = None  # the line whose Tab candidates are listed
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
        self._said = (message, error, saved)
        self._listed_for = None
        self._show_status(Text(message, overflow="ellipsis"), error, saved)

    def _show_status(self, text: Text, error: bool, saved: bool) -> None:
        status = self.query_one("#scribe-status", Static)
        # Wrapped, not cut: the end of "Not saved: ..." usually says how to fix the line.
        status.update(text)
        status.set_class(error, "-error")
        status.set_class(saved, "-saved")

    @on(EntryInput.Completed)
    def _completed(self, event: EntryInput.Completed) -> None:
        """Several candidates for Tab: listed on the status line until the line changes."""
        event.stop()
        if len(event.candidates) < 2:
            self._unlist()
            return
        self._listed_for = event.line
        text = Text(f"Tab: {len(event.candidates)} fit: ", no_wrap=True, overflow="ellipsis")
        text.append(" · ".join(event.candidates), style="bold")
        text.append(" (type on to choose)")
        self._show_status(text, False, False)

    @on(Input.Changed, "#scribe-entry")
    def _line_changed(self, event: Input.Changed) -> None:
        if self._listed_for is not None and event.value != self._listed_for:
            self._unlist()

    def _unlist(self) -> None:
        """The candidates listed go; what the status line said before comes back."""
        if self._listed_for is not None:
            self._listed_for = None
            message, error, saved = self._said
            self._show_status(Text(message, overflow="ellipsis"), error, saved)

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
        """/help: the commands on the status line, and every key on the help screen."""
        commands = " ".join(h.split(" ")[0] for h in help_lines())
        self.say(f"Tab completes, → takes the grey suggestion. Commands: {commands}")
        self.call_next(self.app.run_action, "app.help")

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
