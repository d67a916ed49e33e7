"""The declare modal: title, severity (with what each level means), IC, war room.

Enter declares once the title and severity are set (otherwise it takes you to what
is missing); ctrl+s declares; Escape backs out. The command layer does the work
(first timeline entries, checklist, channel); an error is shown and the input kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from screens.base import ConsoleModal
from warroom.errors import WarroomError
from warroom.incident.declaration import (
    LevelBrief,
    channel_preview,
    level_briefs,
    opens_war_room,
)
from warroom.oncall.overrides import load_overrides
from warroom.text import printable
from widgets.safe_text import SafeInput
from widgets.severity_text import severity_text


@dataclass(frozen=True)
class Declared:
    """What the modal returns once the incident is in the database."""

    incident_id: int
    ref: str
    severity: int
    title: str
    war_room: bool


def brief_text(brief: LevelBrief | None) -> Text:
    if brief is None:
        return Text(
            "Pick a severity with ↑/↓ (or 1-4) in the list above: each level shows its "
            "impact, examples, response time and who is paged.",
            style="italic",
        )
    text = severity_text(brief.severity, brief.name)
    text.append(f"\n{brief.impact}\n")
    text.append("Respond within ", style="bold")
    text.append(brief.response)
    text.append(" · updates every ", style="bold")
    text.append(brief.updates + "\n")
    text.append("Pages: ", style="bold")
    text.append(", ".join(brief.pages) if brief.pages else "nobody (no page at this level)")
    if brief.examples:
        text.append("\nExamples: ", style="bold")
        text.append("; ".join(brief.examples))
    return text


class DeclareScreen(ConsoleModal[Declared | None]):
    """Declare an incident."""

    CSS_PATH = "declare.tcss"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        Binding("ctrl+s", "declare", "Declare", id="declare.submit", priority=True),
        Binding("escape", "cancel", "Cancel", id="declare.cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._briefs: list[LevelBrief] = []
        self._busy = False

    # --- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        app = self.wapp
        self._briefs = level_briefs(app.policies, app.roster, app.clock.now())
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Declare an incident"
            yield Label("Title", classes="field-label")
            yield SafeInput(
                placeholder="What is broken, in a few words",
                id="title",
                compact=True,
                max_length=200,
            )
            with Horizontal(id="columns"):
                with Vertical(id="severity-pane"):
                    yield Label("Severity", classes="field-label")
                    yield OptionList(
                        *[
                            Option(
                                severity_text(b.severity, b.name).append(
                                    f" · respond {b.response}", style="dim"
                                ),
                                id=f"SEV{b.severity}",
                            )
                            for b in self._briefs
                        ],
                        id="severity",
                        compact=True,
                    )
                    with VerticalScroll(id="brief-scroll"):
                        yield Static(id="brief", markup=False)
                with Vertical(id="side-pane"):
                    yield Label("Incident commander", classes="field-label")
                    yield SafeInput(value=app.actor, id="ic", compact=True, max_length=80)
                    yield Label("War room", classes="field-label")
                    yield Static(id="war-room-note", markup=False)
                    yield Checkbox("Open a war room", id="open-war-room", compact=True)
                    yield Label("Bridge link", id="bridge-label", classes="field-label")
                    yield SafeInput(
                        placeholder="https://meet.example.com/…",
                        id="bridge",
                        compact=True,
                        max_length=500,
                    )
            yield Static(id="error", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Declare", id="submit", variant="error", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        severity = self.query_one("#severity", OptionList)
        severity.highlighted = None
        self.query_one("#error").display = False
        self._refresh_war_room()
        self.query_one("#title", Input).focus()
        if self.wapp.roster is not None:
            self.load_overrides()

    @work(exclusive=True, group="declare-overrides", exit_on_error=False)
    async def load_overrides(self) -> None:
        """Who is paged depends on on-call overrides stored in the database."""
        try:
            overrides = await load_overrides(self.wapp.store)
        except WarroomError:
            return  # the names from the rotation alone are still right most of the time
        app = self.wapp
        self._briefs = level_briefs(app.policies, app.roster, app.clock.now(), overrides)
        self._refresh_war_room()

    # --- state -------------------------------------------------------------------------

    @property
    def severity(self) -> int | None:
        index = self.query_one("#severity", OptionList).highlighted
        return None if index is None else self._briefs[index].severity

    def _brief(self) -> LevelBrief | None:
        sev = self.severity
        return None if sev is None else self._briefs[sev - 1]

    def _opens_war_room(self) -> bool:
        brief = self._brief()
        if brief is None:
            return False
        asked = brief.war_room == "offered" and self.query_one("#open-war-room", Checkbox).value
        return opens_war_room(brief, asked)

    def _refresh_war_room(self) -> None:
        brief = self._brief()
        title = self.query_one("#title", Input).value
        channel = channel_preview(self.wapp.policies, title, self.wapp.clock.now())
        self.query_one("#brief", Static).update(brief_text(brief))
        note = self.query_one("#war-room-note", Static)
        box = self.query_one("#open-war-room", Checkbox)
        box.display = brief is not None and brief.war_room == "offered"
        opens = self._opens_war_room()
        if brief is None:
            note.update(Text("Depends on the severity.", style="italic"))
        elif brief.war_room == "automatic":
            note.update(Text(f"Opens automatically (policy): {printable(channel)}"))
        elif brief.war_room == "offered":
            note.update(Text(f"Offered for SEV{brief.severity} (policy): {printable(channel)}"))
        else:
            note.update(Text(f"None for SEV{brief.severity} (policy).", style="italic"))
        label = self.query_one("#bridge-label", Label)
        label.display = opens
        self.query_one("#bridge", Input).display = opens
        if brief is not None and brief.bridge_required:
            label.update(f"Bridge link (expected for SEV{brief.severity})")
        else:
            label.update("Bridge link")

    @on(OptionList.OptionHighlighted, "#severity")
    @on(Checkbox.Changed, "#open-war-room")
    @on(Input.Changed, "#title")
    def _changed(self) -> None:
        self._refresh_war_room()

    def on_key(self, event: events.Key) -> None:
        severity = self.query_one("#severity", OptionList)
        if severity.has_focus and event.key in ("1", "2", "3", "4"):
            severity.highlighted = int(event.key) - 1
            event.stop()

    # --- submitting --------------------------------------------------------------------

    def _show_error(self, message: str) -> None:
        error = self.query_one("#error", Static)
        error.update(Text(printable(message)))
        error.display = True

    @on(Input.Submitted)
    @on(OptionList.OptionSelected, "#severity")
    def _enter(self) -> None:
        self.action_declare()

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.action_declare()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self._busy:
            self.dismiss(None)

    def action_declare(self) -> None:
        if self._busy:
            return
        title = self.query_one("#title", Input)
        if not title.value.strip():
            self._show_error("Type a title: what is broken, in a few words.")
            title.focus()
            return
        severity = self.severity
        if severity is None:
            self._show_error("Pick a severity (↑/↓ or 1-4); the list shows what each means.")
            self.query_one("#severity", OptionList).focus()
            return
        self._busy = True
        self.query_one("#submit", Button).disabled = True
        self._show_error("Declaring…")
        self.declare(
            title.value,
            severity,
            self.query_one("#ic", Input).value.strip() or None,
            self._opens_war_room(),
            self.query_one("#bridge", Input).value.strip() or None,
        )

    @work(exclusive=True, group="declare", exit_on_error=False)
    async def declare(
        self, title: str, severity: int, ic: str | None, war_room: bool, bridge: str | None
    ) -> None:
        try:
            inc = await self.wapp.commands.declare(
                title, severity, ic=ic, war_room=war_room, bridge=bridge if war_room else None
            )
        except WarroomError as err:
            self._failed(err.message)
            return
        except Exception as exc:  # the console keeps running; the input stays
            self._failed(f"unexpected error: {type(exc).__name__}: {exc}. Nothing was declared.")
            return
        assert inc.id is not None
        self.dismiss(Declared(inc.id, inc.ref or "", inc.severity, inc.title, inc.war_room))

    def _failed(self, message: str) -> None:
        self._busy = False
        self.query_one("#submit", Button).disabled = False
        self._show_error(f"Not declared: {message}")
