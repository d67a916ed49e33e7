"""The workflow checklist of the current phase, and the incident's action items.

Space or Enter on a checklist item asks the screen to toggle it
(``Checklist.ToggleRequested``); the command layer records who did it and when. The
times items were done at are in the zone the war room shows, named in the border title
with the phase and the count done (``Checklist: Assess 1/4 · UTC``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from rich.text import Text
from textual import events, on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from warroom.text import printable
from widgets.pane_zone import title_with_zone


@dataclass(frozen=True)
class CheckItem:
    id: int
    text: str
    done: bool
    done_by: str | None = None
    done_at: datetime | None = None


@dataclass(frozen=True)
class ActionLine:
    ref: str  # AI-3
    title: str
    owner: str | None
    status: str  # open, in_progress, done, wont_do


class Checklist(OptionList):
    """Checklist items ([x] done, [ ] to do) then action items."""

    BINDINGS = [
        Binding("space,enter", "select", "Toggle", id="checklist.toggle"),
    ]
    DEFAULT_CSS = """
    Checklist {
        border: none;
        padding: 0;
        background: transparent;
        /* The headings and "(no checklist ...)" (dim, which takes the colour towards
           the background): in $text-disabled they would be about 2.6:1. */
        & > .option-list--option-disabled { color: $text; }
    }
    """

    class ToggleRequested(Message):
        """``seen_done``: the state the person saw (the toggle means the other one)."""

        def __init__(self, item_id: int, seen_done: bool = False) -> None:
            super().__init__()
            self.item_id = item_id
            self.seen_done = seen_done

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[CheckItem] = []
        self.actions: list[ActionLine] = []
        self.tz: tzinfo = UTC
        self.phase_name: str | None = None  # None: the title is not the widget's to set

    def show(
        self,
        items: Sequence[CheckItem],
        actions: Sequence[ActionLine],
        *,
        tz: tzinfo = UTC,
        phase_name: str | None = None,
    ) -> None:
        """Show ``items`` (times in ``tz``) and ``actions``; with ``phase_name``, the
        border title says the phase, how many items are done and the zone."""
        self.items = list(items)
        self.actions = list(actions)
        self.tz, self.phase_name = tz, phase_name
        self._title()
        keep = self.highlighted_option.id if self.highlighted_option else None
        options: list[Option | None] = [
            Option(self._item(i, tz), id=f"item:{i.id}") for i in self.items
        ]
        if not self.items:
            options.append(
                Option(Text("(no checklist for this phase)", style="dim"), disabled=True)
            )
        options.append(None)  # a divider
        heading = f"Action items ({len(self.actions)})" if self.actions else "No action items yet"
        options.append(Option(Text(heading, style="bold"), disabled=True))
        for a in self.actions:
            options.append(Option(self._action(a), id=f"action:{a.ref}"))
        self.set_options(options)
        if keep is not None:
            try:
                self.highlighted = self.get_option_index(keep)
            except Exception:  # the option went away (phase changed)
                self.highlighted = 0
        else:
            self.highlighted = 0

    def _title(self) -> None:
        if self.phase_name is None:
            return
        count = f"{sum(1 for i in self.items if i.done)}/{len(self.items)}"
        title_with_zone(
            self, self.tz, f"Checklist: {self.phase_name} {count}", f"Checklist {count}"
        )

    def on_resize(self, event: events.Resize) -> None:
        self._title()

    @staticmethod
    def _item(item: CheckItem, tz: tzinfo) -> Text:
        mark = "[x] " if item.done else "[ ] "
        line = Text(mark, style="bold" if item.done else "", end="")
        line.append(printable(item.text), style="dim" if item.done else "")
        if item.done and item.done_at is not None:
            who = printable(item.done_by or "?")
            line.append(f" ({who} {item.done_at.astimezone(tz):%H:%M})", style="dim italic")
        return line

    @staticmethod
    def _action(a: ActionLine) -> Text:
        closed = a.status in ("done", "wont_do")
        line = Text(f"{a.ref} ", style="bold", end="")
        line.append(printable(a.title), style="dim strike" if closed else "")
        owner = printable(a.owner) if a.owner else "no owner"
        line.append(f" ({owner}, {a.status.replace('_', ' ')})", style="dim")
        return line

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id.startswith("item:"):
            item_id = int(option_id.removeprefix("item:"))
            seen = next((i.done for i in self.items if i.id == item_id), False)
            self.post_message(self.ToggleRequested(item_id, seen))
