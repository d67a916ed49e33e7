"""The war room of one incident: header, live timeline, scribe input, roles,
escalation countdown and checklist.

Reads run in workers (one at a time per kind, re-run once if more changes arrived
meanwhile); every change goes through the command layer in a worker, and a line
typed by the scribe leaves the input only after it is committed. The App's change
feed (``DataChanged``) makes other consoles' entries appear here; the timeline only
loads the rows after the last one it has.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from screens.assign_role import AssignRoleScreen
from screens.messages import DataChanged
from screens.status_update import StatusUpdateScreen
from screens.war_room_commands import PaletteCommand, WarRoomCommands
from warroom.comms.draft import draft_update
from warroom.comms.updates import post_update, split_console_argument, summary
from warroom.errors import BadInput, WarroomError
from warroom.escalation import plan
from warroom.incident.actions import add_action, item_ref
from warroom.incident.queries import timeline_rows
from warroom.incident.roles import ROLE_NAMES
from warroom.incident.scribe import Command, Note
from warroom.incident.war_room import (
    WarRoomState,
    load_war_room,
    phase_checklist,
    staffing_warnings,
    timeline_slice,
)
from warroom.text import printable
from widgets.checklist import ActionLine, CheckItem, Checklist
from widgets.escalation_pane import EscalationPane
from widgets.incident_header import HeaderFacts, IncidentHeader
from widgets.role_board import Holder, RoleBoard
from widgets.scribe_input import ScribeInput
from widgets.timeline_view import TimelineView

if TYPE_CHECKING:
    from screens.app import WarroomApp

TAIL_ROWS = 500  # painted first
SLICE_ROWS = 2_500  # then older entries, this many at a time
RESOLVE_CONFIRM_SECONDS = 10  # the second F4 must follow the first within this

# Unsaved lines survive leaving the war room: app -> incident id -> draft.
_DRAFTS: weakref.WeakKeyDictionary[App[Any], dict[int, str]] = weakref.WeakKeyDictionary()


def kept_drafts(app: App[Any]) -> list[str]:
    """Unsaved lines kept after leaving war rooms (lost if the console quits)."""
    return [f"an unsaved line for INC-{i}" for i, text in _DRAFTS.get(app, {}).items() if text]


class WarRoomScreen(Screen[None]):
    CSS_PATH = "war_room.tcss"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # classes for war_room.tcss
    COMMANDS = {WarRoomCommands}
    BINDINGS = [
        Binding("escape", "back", "Back", id="war_room.back"),
        Binding("f2", "ack", "Ack", id="war_room.ack"),
        Binding("f3", "mitigated", "Mitigated", id="war_room.mitigated"),
        Binding("f4", "resolve", "Resolve", id="war_room.resolve"),
        Binding("ctrl+g", "toggle_utc", "UTC/local", id="war_room.utc"),
        Binding("ctrl+r", "focus_roles", "Roles", id="war_room.roles"),
        Binding("ctrl+l", "focus_checklist", "Checklist", id="war_room.checklist"),
        Binding("ctrl+o", "focus_timeline", "Timeline", id="war_room.timeline"),
        Binding("ctrl+n", "newest", "Newest", id="war_room.newest", show=False),
        Binding("i", "focus_scribe", "Type", id="war_room.type"),
        Binding("pageup", "timeline_page(-1)", "Scroll up", id="war_room.page_up", show=False),
        Binding("pagedown", "timeline_page(1)", "Scroll down", id="war_room.page_down", show=False),
    ]

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.state: WarRoomState | None = None
        self._loading: dict[str, bool] = {}
        self._again: set[str] = set()
        self._armed: str | None = None  # "resolve" after a first F4
        self._armed_at: datetime | None = None
        self._leave_when_settled = False  # Escape pressed while a line was being saved

    @property
    def wapp(self) -> WarroomApp:
        return cast("WarroomApp", self.app)

    @property
    def ref(self) -> str:
        return self.state.ref if self.state else f"INC-{self.incident_id}"

    # --- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        app = self.wapp
        rules = app.policies.warroom
        people = [p.name for p in app.roster.people] if app.roster else []
        yield IncidentHeader(id="header")
        with Horizontal(id="body"):
            with Vertical(id="main"):
                yield TimelineView(app.tz, id="timeline")
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
        draft = _DRAFTS.get(self.app, {}).pop(self.incident_id, "")
        scribe = self.query_one(ScribeInput)
        if draft:
            scribe.value = draft
            scribe.say("Your unsaved draft is back in the input.")
        scribe.entry.focus()
        self.reload()
        self.set_interval(1.0, self.tick, name="war-room-clock")

    # --- loading ---------------------------------------------------------------------

    def reload(self) -> None:
        """Load what may have changed: new timeline rows and the incident's state."""
        self._load("timeline", self._load_timeline)
        self._load("state", self._load_state)

    def _load(self, kind: str, loader: Callable[[], Awaitable[None]]) -> None:
        if self._loading.get(kind):
            self._again.add(kind)  # one more pass when the running one ends
            return
        self._loading[kind] = True
        self._run_load(kind, loader)

    @work(group="war-room-load", exit_on_error=False)
    async def _run_load(self, kind: str, loader: Callable[[], Awaitable[None]]) -> None:
        try:
            while True:
                self._again.discard(kind)
                try:
                    await loader()
                except WarroomError as err:
                    self.notify(err.message, title="Cannot load", severity="error", markup=False)
                    return
                if kind not in self._again:
                    return
        finally:
            self._loading[kind] = False

    async def _load_timeline(self) -> None:
        """The newest entries first (painted at once), then what came after the last one."""
        timeline = self.query_one(TimelineView)
        store = self.wapp.store
        if not timeline.loaded:
            timeline.set_rows(await timeline_slice(store, self.incident_id, limit=TAIL_ROWS))
            if timeline.older_missing:
                timeline.after_first_paint = self._load_older
        timeline.append_rows(await timeline_rows(store, self.incident_id, timeline.last_seq))

    @work(group="war-room-older", exclusive=True, exit_on_error=False)
    async def _load_older(self) -> None:
        """Older entries of a long timeline, in slices, behind the first paint."""
        timeline = self.query_one(TimelineView)
        while timeline.older_missing:
            timeline.border_subtitle = f"loading {timeline.older_missing:,} older entries…"
            rows = await timeline_slice(
                self.wapp.store, self.incident_id, before_seq=timeline.first_seq, limit=SLICE_ROWS
            )
            if not timeline.prepend_rows(rows):
                break
            await asyncio.sleep(0.01)  # let keys and paints through between slices
        timeline.border_subtitle = ""

    async def _load_state(self) -> None:
        self.state = await load_war_room(self.wapp.store, self.incident_id)
        self._show_state()

    def on_data_changed(self, event: DataChanged) -> None:
        if event.touches(self.incident_id):
            self.reload()

    # --- showing ---------------------------------------------------------------------

    def _show_state(self) -> None:
        state, app = self.state, self.wapp
        if state is None:
            return
        inc = state.incident
        now = app.clock.now()
        policies = app.policies
        phase = policies.warroom.workflow.get(inc.phase)
        self.query_one(IncidentHeader).show(
            HeaderFacts(
                ref=state.ref,
                title=inc.title,
                severity=inc.severity,
                severity_name=policies.level(inc.severity).name,
                status=inc.status,
                phase_name=phase.name if phase else inc.phase,
                channel=inc.channel,
                declared_at=inc.declared_at,
                resolved_at=inc.resolved_at,
                actor=app.actor,
                drill=inc.drill,
            ),
            now,
        )
        holders = {r: Holder(a.person, a.at) for r, a in state.roles.items()}
        warnings = staffing_warnings(
            policies, inc.severity, {r: h.person for r, h in holders.items()}
        )
        shorts: dict[str, str] = {r: role.short for r, role in policies.warroom.roles.items()}
        self.query_one(RoleBoard).show(holders, warnings, short_names=shorts, tz=app.tz)
        items = [
            CheckItem(c.id or 0, c.text, c.done, c.done_by, c.done_at)
            for c in phase_checklist(state)
        ]
        actions = [ActionLine(item_ref(a.id), a.title, a.owner, a.status) for a in state.actions]
        checklist = self.query_one(Checklist)
        checklist.show(items, actions, tz=app.tz)
        done = sum(1 for i in items if i.done)
        checklist.border_title = (
            f"Checklist: {phase.name if phase else inc.phase} {done}/{len(items)}"
        )
        self.tick()

    def tick(self) -> None:
        """Once a second: the elapsed time and the countdowns (no I/O)."""
        app = self.wapp
        now = app.clock.now()
        self.query_one(IncidentHeader).tick(now)
        if self.state is not None:
            p = plan(app.policies, self.state.snapshot, now)
            self.query_one(EscalationPane).show(p, now, app.tz)

    def _title_timeline(self) -> None:
        timeline = self.query_one(TimelineView)
        zone = "UTC" if timeline.utc else str(getattr(self.wapp.tz, "key", self.wapp.tz))
        timeline.border_title = f"Timeline · times in {zone} (* backdated)"

    # --- recording -------------------------------------------------------------------

    @on(ScribeInput.EntrySettled)
    def _entry_settled(self, _event: ScribeInput.EntrySettled) -> None:
        leave, self._leave_when_settled = self._leave_when_settled, False
        if leave and self.is_active:  # not from under a dialog opened meanwhile
            self.action_back()

    @on(ScribeInput.EntrySubmitted)
    def _entry_submitted(self, event: ScribeInput.EntrySubmitted) -> None:
        self._armed = None
        parsed = event.parsed
        if isinstance(parsed, Command) and parsed.name == "status":
            try:
                audience, stage, text = split_console_argument(self.wapp.policies, parsed.argument)
            except BadInput as err:
                self.query_one(ScribeInput).failed(event.line, err.message)
                return
            if text is None and stage is not None:  # the template: read it before it goes
                self._preview_status(event.line, audience, stage, parsed)
                return
        self._record(event.line, parsed)

    @work(group="war-room-status", exit_on_error=False)
    async def _preview_status(self, line: str, audience: str, stage: str, parsed: Command) -> None:
        """``/status AUDIENCE STAGE``: the template filled in, in an editor; ctrl+s sends."""
        scribe = self.query_one(ScribeInput)
        try:
            draft = await draft_update(self.wapp.commands, self.ref, audience, stage, at=parsed.at)
        except WarroomError as err:
            scribe.failed(line, err.message)
            return

        def chosen(text: str | None) -> None:
            if text is None:
                scribe.failed(line, "status update cancelled; nothing was sent.")
            else:
                self._record(line, Command("status", f"{audience} {stage} {text}", at=parsed.at))

        self._leave_when_settled = False  # the preview answers the Escape pressed meanwhile
        self.app.push_screen(StatusUpdateScreen(draft), chosen)

    @work(group="war-room-write", exit_on_error=False)
    async def _record(self, line: str | None, parsed: Note | Command) -> None:
        scribe = self.query_one(ScribeInput)
        try:
            message = await self._perform(parsed)
        except WarroomError as err:
            if line is not None:
                scribe.failed(line, err.message)
            else:
                scribe.say(f"Not done: {err.message}", error=True)
                self.notify(err.message, title="Not done", severity="error", markup=False)
            return
        except Exception as err:
            text = f"unexpected error ({type(err).__name__}: {printable(str(err))})"
            self.log.error(f"war room command failed: {err!r}")
            if line is not None:
                scribe.failed(line, text)
            self.notify(text, title="Not saved", severity="error", markup=False)
            return
        if line is not None:
            scribe.saved(line, message)
        else:
            scribe.say(message, saved=True)
        self.reload()

    async def _perform(self, parsed: Note | Command) -> str:
        """Run one command through the command layer; return what to tell the user."""
        c, ref = self.wapp.commands, self.ref
        shown = self.wapp.clock.now().astimezone(self.wapp.tz)
        if isinstance(parsed, Note):
            entry = await c.log(ref, parsed.text, role=parsed.role, kind=parsed.kind, at=parsed.at)
            when = entry.at.astimezone(self.wapp.tz)
            return f"Saved #{entry.seq} at {when:%H:%M:%S}" + (" (backdated)" if parsed.at else "")
        name, arg, at = parsed.name, parsed.argument, parsed.at
        if name == "ack":
            await c.ack(ref, at=at)
            return f"{ref} acknowledged."
        if name == "sev":
            await c.set_severity(ref, arg, at=at)
            return f"{ref} is now SEV{arg}."
        if name == "assign":
            role = parsed.role or "ic"
            await c.assign(ref, role, arg, at=at)
            return f"{ROLE_NAMES[role]}: {printable(arg)} (recorded {shown:%H:%M:%S})."
        if name == "mitigated":
            await c.mitigate(ref, at=at)
            return f"{ref} marked mitigated."
        if name == "resolved":
            await c.resolve(ref, at=at)
            return f"{ref} resolved."
        if name == "status":
            audience, stage, text = split_console_argument(self.wapp.policies, arg)
            posted = await post_update(c, ref, audience=audience, stage=stage, text=text, at=at)
            return printable(summary(posted))
        if name == "phase":
            await c.set_phase(ref, arg, at=at)
            return f"Phase changed to {printable(arg)}."
        if name == "action":
            if at is not None:
                raise BadInput("an action item cannot be backdated; type /action TEXT.")
            item = await add_action(c, ref, arg)
            return f"Action item {item_ref(item.id)} added."
        raise BadInput(f"/{name} is not available in the war room.")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group.startswith("war-room"):
            err = event.worker.error
            self.notify(
                f"{type(err).__name__}: {printable(str(err))}",
                title="Something failed; the console keeps running",
                severity="error",
                markup=False,
            )

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

        app.push_screen(AssignRoleScreen(name, current.person if current else None, people), chosen)

    @on(Checklist.ToggleRequested)
    def _toggle(self, event: Checklist.ToggleRequested) -> None:
        self.toggle_item(event.item_id)

    @work(group="war-room-write", exit_on_error=False)
    async def toggle_item(self, item_id: int) -> None:
        try:
            item = await self.wapp.commands.toggle_checklist(self.ref, item_id)
        except WarroomError as err:
            self.notify(err.message, title="Not done", severity="error", markup=False)
            return
        mark = "Done" if item.done else "Not done any more"
        self.query_one(ScribeInput).say(f"{mark}: {item.text}", saved=True)
        self.reload()

    # --- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_scribe":
            focused = self.focused
            return not (focused is not None and focused.id == "scribe-entry")
        return True

    def unsaved_work(self) -> str | None:
        """What quitting now would lose (the App asks before it quits)."""
        scribe = self.query_one(ScribeInput)
        if scribe.saving is not None:
            return f"a line for {self.ref} still being saved"
        return f"an unsaved line for {self.ref}" if scribe.value.strip() else None

    def action_back(self) -> None:
        scribe = self.query_one(ScribeInput)
        if scribe.saving is not None:
            # Leaving now would keep the line as an unsaved draft while its write may still
            # commit: typed again on return, it would be recorded twice. Leave once it settles.
            self._leave_when_settled = True
            scribe.say("Saving your line; leaving the war room once it is saved…")
            return
        if scribe.value.strip():
            _DRAFTS.setdefault(self.app, {})[self.incident_id] = scribe.value
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
        now = self.wapp.clock.now()
        armed_at, self._armed_at = self._armed_at, now
        fresh = armed_at is not None and (now - armed_at).total_seconds() <= RESOLVE_CONFIRM_SECONDS
        if self._armed != "resolve" or not fresh:  # a second F4 much later asks again
            self._armed = "resolve"
            self.query_one(ScribeInput).say(
                f"Press F4 again within {RESOLVE_CONFIRM_SECONDS} s to resolve {self.ref}.",
                error=True,
            )
            return
        self._armed = None
        self._record(None, Command("resolved"))

    def action_toggle_utc(self) -> None:
        timeline = self.query_one(TimelineView)
        timeline.utc = not timeline.utc
        self._title_timeline()

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

    def palette_commands(self) -> list[PaletteCommand]:
        """Every war-room action by name, for the command palette."""
        cmds: list[PaletteCommand] = [
            ("Back to the incident list", "Leave the war room (Escape)", self.action_back),
            ("Acknowledge the incident", "F2 · /ack", self.action_ack),
            ("Mark mitigated", "F3 · /mitigated: customer impact stopped", self.action_mitigated),
            ("Resolve the incident", "F4 twice · /resolved", self._resolve_now),
            ("Toggle UTC / local times", "ctrl+g", self.action_toggle_utc),
            ("Jump to the newest entry", "ctrl+n / End", self.action_newest),
            ("Focus the scribe input", "i", self.action_focus_scribe),
            ("Focus the timeline", "ctrl+o", self.action_focus_timeline),
            ("Focus the role board", "ctrl+r", self.action_focus_roles),
            ("Focus the checklist", "ctrl+l", self.action_focus_checklist),
        ]
        for role, spec in self.wapp.policies.warroom.roles.items():
            cmds.append((f"Reassign {spec.name}", f"/assign {role} NAME", self._reassigner(role)))
        if self.state is not None:
            for item in phase_checklist(self.state):
                mark = "Undo" if item.done else "Check"
                cmds.append((f"{mark}: {item.text}", "checklist", self._toggler(item.id or 0)))
        return cmds

    def _resolve_now(self) -> None:
        self._armed, self._armed_at = "resolve", self.wapp.clock.now()
        self.action_resolve()

    def _reassigner(self, role: str) -> Callable[[], object]:
        return lambda: self.ask_reassign(role)

    def _toggler(self, item_id: int) -> Callable[[], object]:
        return lambda: self.toggle_item(item_id)
