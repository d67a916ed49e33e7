"""The war room of a resolved or closed incident, read-only: what the history and the
palette open for an incident that is over.

It is the war room (``screens.war_room.WarRoomScreen``: header, timeline, roles,
escalation, checklist) without the scribe line and without the keys that change the
incident (ack, mitigated, resolve, checklist ticks, role changes): a note in place of
the scribe line says so, and P opens its post-mortem, A its action items.
"""

from __future__ import annotations

from textual.app import SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from screens.war_room import WarRoomScreen
from widgets.scribe_input import ScribeInput
from widgets.timeline_view import TimelineView

# The war room's actions that change the incident: off here.
WRITES = frozenset({"ack", "mitigated", "resolve", "focus_scribe", "edit_failed"})


class PastWarRoomScreen(WarRoomScreen):
    CSS_PATH = ["war_room.tcss", "past_war_room.tcss"]  # type: ignore[assignment]
    BINDINGS = [
        Binding("p", "postmortem", "Post-mortem", id="past_war_room.postmortem"),
        Binding("a", "incident_actions", "Action items", id="past_war_room.action_items"),
    ]

    def on_mount(self) -> None:
        self.call_after_refresh(self._read_only)

    def _read_only(self) -> None:
        scribe = self.query_one(ScribeInput)
        scribe.display = False
        scribe.disabled = True
        note = Static(
            Content(
                f"Read-only: {self.ref} is over. P its post-mortem · A its action items · Esc back"
            ),
            id="past-note",
        )
        self.query_one("#main").mount(note)
        self.query_one(TimelineView).focus()
        self.refresh_bindings()

    def _show_state(self) -> None:
        super()._show_state()
        note = self.query("#past-note")
        if note and self.state is not None:
            inc = self.state.incident
            what = "closed" if inc.closed_at is not None else "resolved"
            note.first(Static).update(
                Content(
                    f"Read-only: {self.ref} is {what}. P its post-mortem · "
                    "A its action items · Esc back"
                )
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITES:
            return False
        return super().check_action(action, parameters)

    def toggle_item(self, item_id: int, seen_done: bool) -> None:  # type: ignore[override]
        self.notify(f"{self.ref} is over; its checklist is read-only here.", markup=False)

    def ask_reassign(self, role: str) -> None:
        self.notify(f"{self.ref} is over; its roles are read-only here.", markup=False)

    def palette_commands(self) -> list[SystemCommand]:
        return []  # the war room's reassign and checklist commands change the incident

    def unsaved_work(self) -> str | None:
        return None

    def action_postmortem(self) -> None:
        self.wapp.open_postmortem(self.incident_id)

    def action_incident_actions(self) -> None:
        self.wapp.open_action_items(self.incident_id)
