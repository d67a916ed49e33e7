"""The Textual App that wires the console's screens.

Contract other screens rely on:
- ``app.store`` (warroom.store.Store, opened before the first screen is shown),
  ``app.policies``, ``app.clock``, ``app.actor``, ``app.tz``, ``app.commands``
  (warroom.incident.commands.Commands acting as ``app.actor``), ``app.roster`` (or None).
- The App polls the change feed about four times a second and sends
  ``screens.messages.DataChanged`` to every screen on the stack.
- With ``escalations=True`` the App runs the escalation engine
  (``warroom.escalation.EscalationLoop``) about once a second, like ``warroom watch``:
  every open console fires due steps, each exactly once across processes.
- ``app.open_incident(incident_id)`` opens the war room of an incident;
  ``app.action_declare()`` opens the declare modal (``d`` anywhere).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, tzinfo

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import ModalScreen, Screen

from screens.declare import Declared, DeclareScreen
from screens.help import HelpScreen
from screens.home import HomeScreen
from screens.messages import DataChanged
from screens.palette import WarroomCommands
from warroom.changefeed import ChangeReader
from warroom.clock import Clock
from warroom.errors import WarroomError
from warroom.escalation.loop import EscalationLoop
from warroom.incident.commands import Commands
from warroom.notify import Sender
from warroom.policy import Policies
from warroom.policy.roster import Roster, load_roster
from warroom.store import Store

POLL_SECONDS = 0.25
ESCALATION_SECONDS = 1.0
CLOSE_WAIT_SECONDS = 2.0
FULL_RELOAD_AFTER = 500  # more changes than this at once: tell screens "everything changed"
LATE_COMMIT_POLLS = 120  # ids committed out of order (PostgreSQL) are looked for ~30 s
# App actions that push a screen: switched off while a dialog (modal) is open.
SCREEN_ACTIONS = frozenset({"declare", "help", "handoff", "action_items", "metrics"})


class WarroomApp(App[None]):
    TITLE = "warroom"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {WarroomCommands}
    MODES = {"home": HomeScreen}
    DEFAULT_MODE = "home"
    BINDINGS = [
        Binding("d", "declare", "Declare", id="declare", tooltip="Declare a new incident"),
        Binding("question_mark", "help", "Help", id="help", key_display="?"),
        Binding("h", "handoff", "Handoff", id="handoff", tooltip="The on-call handoff review"),
        Binding("a", "action_items", "Action items", id="action_items", tooltip="Overdue first"),
        Binding(
            "m", "metrics", "Metrics", id="metrics", tooltip="The last 30 days against targets"
        ),
        Binding("escape", "leave", "Back", id="back", show=False),
        Binding("ctrl+t", "toggle_theme", "Light/dark", id="theme", show=False),
        Binding("ctrl+q", "quit", "Quit warroom", id="quit-anywhere", show=False, priority=True),
    ]

    def __init__(
        self,
        db_url: str,
        policies: Policies,
        clock: Clock,
        actor: str,
        tz: tzinfo,
        *,
        roster: Roster | None = None,
        escalations: bool = False,
        sender: Sender | None = None,
    ) -> None:
        super().__init__()
        self.db_url = db_url
        self.policies = policies
        self.clock = clock
        self.actor = actor
        self.tz = tz
        self.roster: Roster | None = roster or load_roster(policies.directory)
        self.store: Store
        self.commands: Commands
        self.startup_error: WarroomError | None = None
        self.sub_title = f"acting as {actor}"
        self._feed: ChangeReader | None = None
        self._feed_lock = asyncio.Lock()  # the poll and the engine pass read the feed in turn
        self._polling = False
        self._poll_failed = False
        self._closing = False
        self._run_escalations = escalations
        self._sender = sender
        self.escalation: EscalationLoop | None = None
        self._escalating = False
        self._escalation_error: str | None = None
        self._quit_armed: list[str] | None = None  # unsaved text a first quit warned about

    # --- life cycle ------------------------------------------------------------------

    async def on_load(self) -> None:
        try:
            self.store = await Store.open(self.db_url, self.clock)
        except WarroomError as err:
            self.startup_error = err  # the CLI prints it after the app returns
            self.exit(return_code=err.exit_code)
            return
        self.commands = Commands(self.store, self.policies, self.actor, self.tz)
        self._feed = ChangeReader(
            self.store, hole_polls=LATE_COMMIT_POLLS, max_batch=FULL_RELOAD_AFTER
        )
        await self._feed.poll()  # the screens load everything when they mount

    def on_mount(self) -> None:
        self.set_interval(POLL_SECONDS, self._poll_tick, name="change-feed")
        if self._run_escalations and self.startup_error is None:
            self.escalation = EscalationLoop(
                self.store, self.policies, self.roster, self.clock, sender=self._sender
            )
            self.set_interval(ESCALATION_SECONDS, self._escalation_tick, name="escalation")

    async def on_unmount(self) -> None:
        if self.startup_error is not None:
            return
        self._closing = True
        # Let reads in flight finish before the engine goes (a query cancelled half-way
        # leaves the connection pool complaining on the way out).
        if self.escalation is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.escalation.drain(), CLOSE_WAIT_SECONDS)
        running = [w for w in self.workers if w.is_running]
        if running:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*(w.wait() for w in running), return_exceptions=True),
                    CLOSE_WAIT_SECONDS,
                )
        await self.store.close()

    # --- the change feed -------------------------------------------------------------

    def _poll_tick(self) -> None:
        if not self._polling and not self._closing:
            self._polling = True
            self._poll()

    @work(group="change-feed", exit_on_error=False)
    async def _poll(self) -> None:
        try:
            await self.check_changes()
            if self._poll_failed:
                self._poll_failed = False
                self.notify("Back in contact with the database.", markup=False)
        except Exception as exc:  # the console keeps running and keeps trying
            if not self._poll_failed:
                self._poll_failed = True
                why = (
                    exc.message if isinstance(exc, WarroomError) else f"{type(exc).__name__}: {exc}"
                )
                self.notify(
                    f"Cannot read the database: {why} Retrying.", severity="error", markup=False
                )
        finally:
            self._polling = False

    async def check_changes(self) -> bool:
        """Read the change feed once; tell every screen on the stack what moved."""
        async with self._feed_lock:  # two readers at once would announce one change twice
            assert self._feed is not None
            batch = await self._feed.poll()
            if not batch:
                return False
        for screen in self.screen_stack:
            screen.post_message(DataChanged(batch.incident_ids, self._feed.mark or 0))
        return True

    # --- the escalation engine --------------------------------------------------------

    def _escalation_tick(self) -> None:
        if self.escalation is not None and not self._escalating and not self._closing:
            self._escalating = True
            self._escalate()

    @work(group="escalation", exit_on_error=False)
    async def _escalate(self) -> None:
        """One cheap engine pass; sends run in the background inside the loop."""
        assert self.escalation is not None
        try:
            report = await self.escalation.tick()
        finally:
            self._escalating = False
        for fired in report.fired:
            self.notify(fired.text, title=f"Escalation {fired.ref}", markup=False)
        if report.error and report.error != self._escalation_error:
            self.notify(
                f"Escalation engine: {report.error} (it keeps running).",
                severity="error",
                markup=False,
            )
        self._escalation_error = report.error
        if report.fired:  # show the pages now; otherwise the poll sees what moved
            await self.check_changes()

    # --- actions ---------------------------------------------------------------------

    def _working_screen(self) -> Screen[object]:
        """The screen the user works on: the top one, not counting the command palette."""
        stack = [s for s in self.screen_stack if not isinstance(s, CommandPalette)]
        return stack[-1] if stack else self.screen

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        screen = self._working_screen()
        if action in SCREEN_ACTIONS and isinstance(screen, ModalScreen):
            return False  # no screen opens on top of a dialog
        return not (action == "leave" and screen is self.screen_stack[0])

    def action_declare(self) -> None:
        if isinstance(self.screen, ModalScreen):
            return
        self.push_screen(DeclareScreen(), self._declared)

    def _declared(self, result: Declared | None) -> None:
        if result is None:
            return
        self.notify(
            f"Declared {result.ref} SEV{result.severity}: {result.title}",
            title="Incident declared",
            markup=False,
        )
        if result.war_room:
            self.open_incident(result.incident_id)

    def open_incident(self, incident_id: int) -> None:
        """Push the war-room screen of one incident (not a second one on top of itself:
        its scribe input would hide the first one's unsaved line)."""
        from screens.war_room import WarRoomScreen

        screen = self._working_screen()
        if isinstance(screen, WarRoomScreen) and screen.incident_id == incident_id:
            return
        self.push_screen(WarRoomScreen(incident_id))

    def action_handoff(self) -> None:
        """Open the on-call handoff review (screens/handoff.py)."""
        from screens.handoff import HandoffScreen

        if not isinstance(self.screen, ModalScreen | HandoffScreen):
            self.push_screen(HandoffScreen())

    def action_action_items(self) -> None:
        """All incidents' action items, overdue first; Enter opens a post-mortem."""
        from screens.action_items import ActionItemsScreen

        if not isinstance(self.screen, ModalScreen | ActionItemsScreen):
            self.push_screen(ActionItemsScreen())

    def action_metrics(self) -> None:
        """Response-time metrics of the last 30 days against the policy's targets."""
        from screens.metrics import MetricsScreen

        if not isinstance(self.screen, ModalScreen | MetricsScreen):
            self.push_screen(MetricsScreen())

    def open_postmortem(self, incident_id: int) -> None:
        """Push the post-mortem screen of one incident (screens/postmortem.py)."""
        from screens.postmortem import PostmortemScreen

        self.push_screen(PostmortemScreen(incident_id))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_leave(self) -> None:
        """Escape: leave the current modal or screen, never the home screen."""
        if len(self.screen_stack) > 1:
            self.screen.dismiss(None)

    def unsaved_work(self) -> list[str]:
        """Text typed and not saved anywhere in the console (quitting would lose it)."""
        from screens import postmortem, war_room

        found: list[str] = []
        for screen in self.screen_stack:
            check = getattr(screen, "unsaved_work", None)
            what = check() if check is not None else None
            if what:
                found.append(what)
        found += [d for d in war_room.kept_drafts(self) if d not in found]
        found += [d for d in postmortem.kept_drafts(self) if d not in found]
        return found

    async def action_quit(self) -> None:
        """ctrl+q (and q at home): quit, but ask once when typed text would be lost."""
        pending = self.unsaved_work()
        if pending and pending != self._quit_armed:  # asked again if more was typed since
            self._quit_armed = pending
            self.notify(
                f"Not saved: {'; '.join(pending)}. Press ctrl+q again to quit anyway.",
                title="Quit?",
                severity="warning",
                markup=False,
            )
            return
        self.exit()

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"


def make_app(
    db_url: str,
    policies: Policies,
    clock: Clock,
    *,
    actor: str = "tester",
    tz: tzinfo | None = None,
    roster: Roster | None = None,
    escalations: bool = False,
    sender: Sender | None = None,
) -> WarroomApp:
    """The console. Tests leave ``escalations`` off unless they test paging; the
    ``warroom`` command turns it on (``sender`` None: real apprise delivery)."""
    return WarroomApp(
        db_url,
        policies,
        clock,
        actor,
        tz or UTC,
        roster=roster,
        escalations=escalations,
        sender=sender,
    )
