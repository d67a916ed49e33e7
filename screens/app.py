"""The Textual App that wires the console's screens.

Contract other screens rely on:
- ``app.store`` (warroom.store.Store, opened before the first screen is shown),
  ``app.policies``, ``app.clock``, ``app.actor``, ``app.tz``, ``app.commands``
  (warroom.incident.commands.Commands acting as ``app.actor``), ``app.roster`` (or None).
- The App polls the change feed about four times a second and publishes what moved
  on ``app.data_changed`` (a ``Signal[screens.messages.Changes]``); screens subscribe
  when they mount (``screens.base.ConsoleScreen``).
- ``app.drafts`` keeps unsaved text of closed war rooms and post-mortems.
- ``app.attention`` (``screens.attention_feed``) watches what the IC must not miss and
  shows it in the banners (``widgets.banner``) until seen.
- With ``escalations=True`` the App runs the escalation engine
  (``warroom.escalation.EscalationLoop``) about once a second, like ``warroom watch``:
  every open console fires due steps, each exactly once across processes.
- Every move between screens is an App method (``screens.navigation``):
  ``open_incident``, ``open_past_incident`` (read-only), ``open_postmortem``,
  ``open_action_items``, ``action_history``, ``action_declare``...
- Keys: binding ids are ``screen.action``; the user's keymap file
  (``screens.keymap``) is applied at startup; the command palette is
  ``get_system_commands`` (``screens.palette``) plus the incidents.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from datetime import UTC, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.signal import Signal

from screens.attention_feed import AttentionFeed
from screens.drafts import Drafts
from screens.keymap import load_keymap, types_text
from screens.messages import Changes
from screens.navigation import Navigation, home_screen
from screens.palette import IncidentCommands, SystemCommands, system_commands
from screens.themes import install_themes, toggled
from warroom.changefeed import ChangeReader
from warroom.clock import Clock
from warroom.errors import WarroomError
from warroom.incident.commands import Commands
from warroom.notify import Sender
from warroom.policy import Policies
from warroom.policy.roster import Roster, load_roster
from warroom.store import Store

if TYPE_CHECKING:
    from warroom.escalation.loop import EscalationLoop

POLL_SECONDS = 0.25
ESCALATION_SECONDS = 1.0
STARTUP_WORK_SECONDS = 2.0  # the start-up work waits at most this long for a first paint
CLOSE_WAIT_SECONDS = 2.0
FULL_RELOAD_AFTER = 500  # more changes than this at once: tell screens "everything changed"
LATE_COMMIT_POLLS = 120  # ids committed out of order (PostgreSQL) are looked for ~30 s


class WarroomApp(Navigation):
    TITLE = "warroom"
    CSS_PATH = "app.tcss"
    COMMANDS = {SystemCommands, IncidentCommands}
    MODES = {"home": home_screen}
    DEFAULT_MODE = "home"
    BINDINGS = [
        Binding("d", "declare", "Declare", id="app.declare", tooltip="Declare a new incident"),
        Binding("question_mark", "help", "Help", id="app.help", key_display="?"),
        Binding("h", "handoff", "Handoff", id="app.handoff", tooltip="The on-call handoff review"),
        Binding(
            "a", "action_items", "Action items", id="app.action_items", tooltip="Overdue first"
        ),
        Binding(
            "m", "metrics", "Metrics", id="app.metrics", tooltip="The last 30 days against targets"
        ),
        Binding(
            "l",
            "history",
            "History",
            id="app.history",
            tooltip="Every incident (open, resolved, closed), filtered; Enter opens it",
            show=False,  # shown on the home screen's footer (screens.home), works everywhere
        ),
        Binding("escape", "leave", "Back", id="app.back", show=False),
        Binding("ctrl+t", "toggle_theme", "Light/dark", id="app.theme", show=False),
        Binding("ctrl+q", "quit", "Quit warroom", id="app.quit", show=False, priority=True),
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
        keymap: Path | None = None,
    ) -> None:
        super().__init__()
        install_themes(self)  # readable without colour: screens/themes.py
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
        self._started_work = False
        self._quit_armed: list[str] | None = None  # unsaved text a first quit warned about
        self.data_changed: Signal[Changes] = Signal(self, "data-changed")
        self.drafts = Drafts()
        self.attention = AttentionFeed(self)  # what the IC must not miss: the banners
        self.keymap_file = keymap  # None: $WARROOM_KEYMAP or the config folder's
        self.user_keymap: dict[str, str] = {}  # binding id -> keys, as applied
        self._clashes: set[frozenset[str]] = set()

    # --- life cycle ------------------------------------------------------------------

    async def on_load(self) -> None:
        try:
            self.store = await Store.open(self.db_url, self.clock)
        except WarroomError as err:
            self.startup_error = err  # the CLI prints it after the app returns
            self.exit(return_code=err.exit_code)
            return
        self.commands = Commands(self.store, self.policies, self.actor, self.tz, self.roster)
        self._feed = ChangeReader(
            self.store, hole_polls=LATE_COMMIT_POLLS, max_batch=FULL_RELOAD_AFTER
        )
        await self._feed.poll()  # the screens load everything when they mount

    def on_mount(self) -> None:
        self._apply_keymap()
        self.set_interval(POLL_SECONDS, self._poll_tick, name="change-feed")
        # Paint first, then work: the first screen calls first_paint_done once it has
        # drawn what it read (the home board); the timer starts the work if it never does.
        self.set_timer(STARTUP_WORK_SECONDS, self.first_paint_done, name="start-up work")

    def first_paint_done(self) -> None:
        """Start what waits for the first paint (once): the banners' reads and the
        escalation engine (with its delivery and apprise, imported here)."""
        if self._started_work or self._closing or self.startup_error is not None:
            return
        if not self.is_running:  # quit before the first paint: nothing to start
            return
        self._started_work = True
        self.attention.start()
        if self._run_escalations:
            from warroom.escalation.loop import EscalationLoop

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
        """Read the change feed once; tell the screens (``data_changed``) what moved."""
        async with self._feed_lock:  # two readers at once would announce one change twice
            assert self._feed is not None
            batch = await self._feed.poll()
            if not batch:
                return False
        self.data_changed.publish(Changes(batch.incident_ids, self._feed.mark or 0))
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

    # --- keys and the palette ---------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """No bare printable key is a shortcut while a text field has focus: such a key
        that bubbles up here (from a read-only field) is not looked up in the bindings
        (``prevent_default`` skips ``App._on_key``, which runs them)."""
        if types_text(self.focused, event):
            event.prevent_default()

    def _apply_keymap(self) -> None:
        loaded = load_keymap(self.keymap_file)
        self.user_keymap = loaded.keymap
        if loaded.keymap:
            self.set_keymap(loaded.keymap)
        for problem in loaded.problems:
            self.notify(problem, title="Keymap", severity="warning", markup=False, timeout=15)

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: Any) -> None:
        """Two bindings on one key (from the keymap): said once, the first one wins."""
        ids = frozenset(b.id or b.action for b in clashed_bindings)
        if ids not in self._clashes:
            self._clashes.add(ids)
            self.notify(
                f"Keymap: one key for {', '.join(sorted(ids))}; change one of them.",
                title="Keymap",
                severity="warning",
                markup=False,
            )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette: the screen's keys, its commands without a key, Textual's own."""
        return system_commands(self, screen, super().get_system_commands(screen))

    # --- quitting --------------------------------------------------------------------

    def unsaved_work(self) -> list[str]:
        """Text typed and not saved anywhere in the console (quitting would lose it)."""
        found: list[str] = []
        for screen in self.screen_stack:
            check = getattr(screen, "unsaved_work", None)
            what = check() if check is not None else None
            if what:
                found.append(what)
        found += [d for d in self.drafts.described() if d not in found]
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
        self.theme = toggled(self.theme)


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
    keymap: Path | None = None,
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
        keymap=keymap,
    )
