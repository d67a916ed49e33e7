"""The war room of one incident: header, live timeline, scribe input, roles,
escalation countdown and checklist.

Reads run in workers (one at a time per kind, re-run once if more changes arrived
meanwhile); every change goes through the command layer in a worker. A line typed by
the scribe leaves the input at Enter and is recorded in order by the scribe queue
(``screens.war_room_scribe``), shown pending until committed. The App's change
feed (``app.data_changed``) makes other consoles' entries appear here; the timeline only
loads the rows after the last one it has.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from screens.war_room_scribe import WarRoomScribe
from warroom.errors import WarroomError
from warroom.incident.checklist import said_open_before_resolving
from warroom.incident.entry_verbs import PIN_KINDS
from warroom.incident.lifecycle import ChecklistChanged
from warroom.incident.mutation import ic_refusal
from warroom.incident.scribe import Command, Note
from warroom.incident.war_room import (
    WarRoomState,
    phase_checklist,
)
from warroom.text import printable
from warroom.timeparse import zone_name
from widgets.banner import Banner
from widgets.checklist import Checklist
from widgets.escalation_pane import EscalationPane
from widgets.incident_header import IncidentHeader
from widgets.role_board import RoleBoard
from widgets.scribe_input import ScribeInput
from widgets.timeline_filter import TimelineFilter
from widgets.timeline_view import TimelineView

RESOLVE_CONFIRM_SECONDS = 10  # the second F4 must follow the first within this


class WarRoomScreen(WarRoomScribe):
    CSS_PATH = "war_room.tcss"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # classes for war_room.tcss
    BINDINGS = [
        Binding("escape", "back", "Back", id="war_room.back", tooltip="Leave the war room"),
        Binding("f2", "ack", "Ack", id="war_room.ack", tooltip="Acknowledge the incident (/ack)"),
        Binding(
            "f3",
            "mitigated",
            "Mitigated",
            id="war_room.mitigated",
            tooltip="Customer impact stopped (/mitigated)",
        ),
        Binding(
            "f4",
            "resolve",
            "Resolve",
            id="war_room.resolve",
            tooltip="Resolve the incident: press twice to confirm (/resolved)",
        ),
        Binding("ctrl+g", "toggle_utc", "UTC/local", id="war_room.utc"),
        Binding("ctrl+r", "focus_roles", "Roles", id="war_room.roles", tooltip="The role board"),
        Binding("ctrl+l", "focus_checklist", "Checklist", id="war_room.checklist"),
        Binding("ctrl+o", "focus_timeline", "Timeline", id="war_room.timeline"),
        Binding("ctrl+n", "newest", "Newest", id="war_room.newest", show=False),
        Binding(
            "ctrl+f",
            "filter_timeline",
            "Filter",
            id="war_room.filter",
            show=False,
            tooltip="Search the timeline: words, role:ENG kind:decision author:bob",
        ),
        Binding("i", "focus_scribe", "Type", id="war_room.type", tooltip="The scribe input"),
        Binding(
            "ctrl+y",
            "dismiss_banner",
            "Seen",
            id="war_room.dismiss_banner",
            tooltip="Mark the newest notice of the banner seen",
        ),
        Binding("pageup", "timeline_page(-1)", "Scroll up", id="war_room.page_up", show=False),
        Binding("pagedown", "timeline_page(1)", "Scroll down", id="war_room.page_down", show=False),
    ]

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.state: WarRoomState | None = None
        self._armed: str | None = None  # "resolve" after a first F4
        self._armed_at: datetime | None = None

    # --- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        app = self.wapp
        rules = app.policies.warroom
        people = [p.name for p in app.roster.people] if app.roster else []
        yield IncidentHeader(id="header")
        yield Banner(dismiss="war_room.dismiss_banner", incident_id=self.incident_id, id="banner")
        with Horizontal(id="body"):
            with Vertical(id="main"):
                yield TimelineView(app.tz, now=app.clock.now, id="timeline")
                yield TimelineFilter(id="timeline-filter")
                yield ScribeInput(
                    prefixes=rules.rules.message_prefixes,
                    tz=app.tz,
                    now=app.clock.now,
                    phases=rules.workflow.ids(),
                    people=people,
                    audiences=list(app.policies.communications.audiences),
                    stages=list(app.policies.communications.stages),
                    id="scribe",
                )
            with Vertical(id="side"):
                yield RoleBoard(id="roles")
                yield EscalationPane(id="escalation")
                yield Checklist(id="checklist")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#timeline").border_title = "Timeline"
        self.query_one("#roles").border_title = "Roles"
        self.query_one("#escalation").border_title = "Escalation"
        self.query_one("#checklist").border_title = "Checklist"
        self._title_timeline()
        draft = self.wapp.drafts.scribe.pop(self.incident_id, "")
        scribe = self.query_one(ScribeInput)
        if draft:
            scribe.value = draft
            scribe.say("Your unsaved draft is back in the input.")
        scribe.entry.focus()
        self.restore_lines()
        self.reload()
        self.set_interval(1.0, self.tick, name="war-room-clock")

    # --- recording -------------------------------------------------------------------

    def _record(self, line: str | None, parsed: Note | Command) -> None:
        """A scribe's line into the queue; a key's command (no line) run at once."""
        if line is not None:
            self._enqueue(line, parsed)
        else:
            self._run_command(parsed)

    @work(group="war-room-write", exit_on_error=False)
    async def _run_command(self, parsed: Note | Command) -> None:
        scribe = self.query_one(ScribeInput)
        try:
            message = await self._perform(parsed)
        except WarroomError as err:
            scribe.say(f"Not done: {err.message}", error=True)  # the status line: no toast
            return
        except Exception as err:
            text = f"unexpected error ({type(err).__name__}: {printable(str(err))})"
            self.log.error(f"war room command failed: {err!r}")
            self.notify(text, title="Not saved", severity="error", markup=False)
            return
        scribe.say(message, saved=True)
        self.reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group.startswith("war-room"):
            assert event.worker.error is not None
            self.report(event.worker.error, "Something failed; the console keeps running")

    # --- roles and checklist ---------------------------------------------------------

    @on(RoleBoard.ReassignRequested)
    def _reassign(self, event: RoleBoard.ReassignRequested) -> None:
        self.ask_reassign(event.role)

    def ask_reassign(self, role: str) -> None:
        app = self.wapp
        current = self.state.roles.get(role) if self.state else None
        people = [p.name for p in app.roster.people] if app.roster else []
        name = app.policies.warroom.roles[role].name  # type: ignore[index]

        def chosen(person: str | None) -> None:
            if person:
                self._record(None, Command("assign", person, role=role))

        app.ask_role_holder(name, current.person if current else None, people, chosen)

    @on(Checklist.ToggleRequested)
    def _toggle(self, event: Checklist.ToggleRequested) -> None:
        self.toggle_item(event.item_id, event.seen_done)

    @work(group="war-room-write", exit_on_error=False)
    async def toggle_item(self, item_id: int, seen_done: bool) -> None:
        """Toggle what the person saw (``seen_done``); someone else's change they had
        not seen yet is named and kept ("already done by bob")."""
        try:
            item = await self.wapp.commands.toggle_checklist(self.ref, item_id, seen=seen_done)
        except ChecklistChanged as changed:
            self.query_one(ScribeInput).say(printable(changed.message), error=True)
            self.reload()
            return
        except WarroomError as err:
            self.report(err, "Not done")
            return
        mark = "Done" if item.done else "Not done any more"
        self.query_one(ScribeInput).say(f"{mark}: {item.text}", saved=True)
        self.reload()

    # --- working on one entry (the timeline's cursor mode) ----------------------------

    @on(TimelineView.CorrectionRequested)
    def _correct_entry(self, event: TimelineView.CorrectionRequested) -> None:
        """``/correct #SEQ `` in the scribe line, to say what the entry should have said."""
        scribe, seq = self.query_one(ScribeInput), event.row.seq
        if event.row.kind in PIN_KINDS:
            scribe.say(f"#{seq} is a {event.row.kind}; correct the entry it points at.")
        elif scribe.value.strip():
            scribe.say(f"Send or clear the line you are typing, then correct #{seq}.", error=True)
        else:
            scribe.value = f"/correct #{seq} "
            scribe.entry.focus()
            scribe.say(f"Say what #{seq} should have said; Enter records the correction.")

    @on(TimelineView.PinRequested)
    def _pin_entry(self, event: TimelineView.PinRequested) -> None:
        self._record(None, Command("pin" if event.pin else "unpin", str(event.row.seq)))

    @on(TimelineView.EntryCopied)
    def _entry_copied(self, event: TimelineView.EntryCopied) -> None:
        self.query_one(ScribeInput).say(f"Copied the text of #{event.row.seq}.")

    # --- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "dismiss_banner":
            return any(b.showing for b in self.query(Banner))
        if action == "focus_scribe":
            focused = self.focused
            return not (focused is not None and focused.id == "scribe-entry")
        return True

    def unsaved_work(self) -> str | None:
        """What quitting now would lose (the App asks before it quits)."""
        scribe = self.query_one(ScribeInput)
        if self.entries:
            n = len(self.entries.waiting)
            return f"{'a line' if n == 1 else f'{n} lines'} for {self.ref} still being saved"
        return f"an unsaved line for {self.ref}" if scribe.value.strip() else None

    def action_back(self) -> None:
        if self.disarm_backdate():  # Escape over a backdate asked about: edit it
            return
        scribe = self.query_one(ScribeInput)
        if self.entries:
            # Leaving now would stop the writer with a line maybe committed or not: on
            # return it would come back as "may already be saved". Leave once they settle.
            self._leave_when_settled = True
            scribe.say("Saving your lines; leaving the war room once they are saved…")
            return
        if scribe.value.strip():
            self.wapp.drafts.scribe[self.incident_id] = scribe.value
            self.app.notify(
                f"Your unsaved line for {self.ref} is kept; it is back when you return.",
                markup=False,
            )
        self.dismiss(None)

    def action_ack(self) -> None:
        self._armed = None
        self._record(None, Command("ack"))

    def action_mitigated(self) -> None:
        self._armed = None
        self._record(None, Command("mitigated"))

    def action_resolve(self) -> None:
        if self.state is not None:  # someone the policy does not let resolve: say so at once
            ic = self.state.roles.get("ic")
            who = ic.person if ic else None
            refusal = ic_refusal(self.wapp.policies, self.ref, who, self.wapp.actor, "resolve")
            if refusal is not None:
                self._armed = None
                self.query_one(ScribeInput).say(f"Not done: {refusal.message}", error=True)
                return
        now = self.wapp.clock.now()
        armed_at, self._armed_at = self._armed_at, now
        fresh = armed_at is not None and (now - armed_at).total_seconds() <= RESOLVE_CONFIRM_SECONDS
        if self._armed != "resolve" or not fresh:  # a second F4 much later asks again
            self._armed = "resolve"
            key = self.key_for("war_room.resolve") or "Resolve"
            state, policies = self.state, self.wapp.policies
            left = (  # the checklist lines still open, named once (warroom.incident.checklist)
                said_open_before_resolving(policies, state.checklist, state.incident.phase)
                if state is not None
                else ""
            )
            within = f"within {RESOLVE_CONFIRM_SECONDS} s"
            self.query_one(ScribeInput).say(
                f"Press {key} again {within} to resolve {self.ref}.{left}", error=True
            )
            return
        self._armed = None
        self._record(None, Command("resolved"))

    def action_toggle_utc(self) -> None:
        """Every pane's times, and the scribe's ``@14:02``, in UTC or the console's zone."""
        timeline = self.query_one(TimelineView)
        timeline.utc = not timeline.utc
        zone = self.shown_tz
        scribe = self.query_one(ScribeInput)
        scribe.tz = zone  # @HH:MM is read in the zone shown
        self._title_timeline()
        self._show_state()
        again = ", Enter checks the line again" if self.disarm_backdate() else ""
        scribe.say(f"Times in {zone_name(zone)}; @HH:MM is read in {zone_name(zone)}{again}.")

    def action_dismiss_banner(self) -> None:
        self.wapp.attention.dismiss()

    def action_newest(self) -> None:
        self.query_one(TimelineView).action_scroll_end()

    def action_timeline_page(self, direction: int) -> None:
        timeline = self.query_one(TimelineView)
        if direction < 0:
            timeline.action_page_up()
        else:
            timeline.action_page_down()

    def action_focus_roles(self) -> None:
        self.query_one("#role-list").focus()

    def action_focus_checklist(self) -> None:
        self.query_one(Checklist).focus()

    def action_focus_timeline(self) -> None:
        self.query_one(TimelineView).focus()

    def action_focus_scribe(self) -> None:
        self.query_one(ScribeInput).entry.focus()

    def palette_commands(self) -> list[SystemCommand]:
        """The war-room commands that have no key, for the command palette."""
        cmds = [
            SystemCommand(f"Reassign {spec.name}", f"/assign {role} NAME", self._reassigner(role))
            for role, spec in self.wapp.policies.warroom.roles.items()
        ]
        if self.state is not None:
            for item in phase_checklist(self.state):
                mark = "Undo" if item.done else "Check"
                cmds.append(
                    SystemCommand(
                        f"{mark}: {item.text}", "checklist", self._toggler(item.id or 0, item.done)
                    )
                )
        return cmds

    def _reassigner(self, role: str) -> Callable[[], object]:
        return lambda: self.ask_reassign(role)

    def _toggler(self, item_id: int, seen_done: bool) -> Callable[[], object]:
        return lambda: self.toggle_item(item_id, seen_done)
