"""The one-line input of the scribe line, without the status under it
(``widgets.scribe_input.ScribeInput`` puts the two together).

- Enter is taken in the input's own queue: the line leaves the input at once.
- A paste of several lines (CR, LF or CRLF) is posted as ``LinesPasted``, one entry a line.
- Up and Down walk the history; Right takes the completion shown in grey
  (``ScribeSuggester``: ``warroom.incident.scribe.complete``).
- Tab (binding ``scribe.complete``) completes the word that ends at the cursor
  (``warroom.incident.scribe.tab_complete``): one candidate whole, several as far as
  they agree; ``Completed`` says what it found. An empty line lets Tab move the focus
  on; a line with text keeps it (Shift+Tab leaves).
- Control characters are drawn as their Unicode pictures (␛, ␊) so they cannot act on
  the terminal; the value itself keeps them exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input

from warroom.incident.scribe import Completion, History, complete, tab_complete

# One cell per control character, so the cursor stays where the value says it is.
PICTURES = (
    {c: 0x2400 + c for c in range(0x20)} | {0x7F: 0x2421} | {c: 0xFFFD for c in range(0x80, 0xA0)}
)
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

    def tab(self, value: str) -> Completion:
        """What Tab makes of ``value`` (the line up to the cursor)."""
        return tab_complete(
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
        Binding(
            "tab",
            "complete",
            "Complete",
            id="scribe.complete",
            show=False,
            tooltip="Complete the command, role, name or phase being typed",
        ),
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
        if event.key in self._complete_keys() and self.value:
            # Here too, not in the binding: "/as<Tab>ic" in one burst completes "/as".
            # A line with text keeps the focus, whatever Tab finds (Shift+Tab leaves).
            event.stop()
            event.prevent_default()
            self.action_complete()
            return
        await super()._on_key(event)

    def _complete_keys(self) -> set[str]:
        """The keys of ``scribe.complete`` now (Tab, unless the user's keymap moved it)."""
        keymap: Mapping[str, str] = getattr(self.app, "user_keymap", None) or {}
        return {k.strip() for k in keymap.get("scribe.complete", "tab").split(",")}

    class Completed(Message):
        """Tab was pressed: what it found (the ScribeInput lists several)."""

        def __init__(self, line: str, candidates: list[str]) -> None:
            super().__init__()
            self.line = line
            self.candidates = candidates

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "complete":
            return bool(self.value)  # an empty line: Tab moves the focus on
        return True

    def action_complete(self) -> None:
        """Complete the word that ends at the cursor; the rest of the line is kept."""
        suggester = self.suggester
        cursor = self.cursor_position
        before, after = self.value[:cursor], self.value[cursor:]
        if not isinstance(suggester, ScribeSuggester) or (after and not after[0].isspace()):
            self.post_message(self.Completed(self.value, []))  # inside a word: nothing
            return
        found = suggester.tab(before)
        if found.line != before:
            self.value = found.line + after
            self.cursor_position = len(found.line)
        self.post_message(self.Completed(self.value, found.candidates))

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
