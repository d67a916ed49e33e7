"""Every way from one screen to another, as App methods: screens never import each
other, they ask the App (``self.wapp.open_postmortem(incident_id)``). Each screen
module is imported here, lazily, when it is first opened."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.command import CommandPalette
from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from screens.declare import Declared
    from warroom.comms.draft import Draft

# App actions that push a screen: switched off while a dialog (modal) is open.
SCREEN_ACTIONS = frozenset({"declare", "help", "handoff", "action_items", "metrics", "history"})


def home_screen() -> Screen[Any]:
    from screens.home import HomeScreen

    return HomeScreen()


class Navigation(App[None]):
    """The console's moves between screens and its dialogs."""

    _asked_for: Screen[Any] | None = None

    @contextmanager
    def working_on(self, screen: Screen[Any]) -> Iterator[None]:
        """Answer ``check_action`` as if ``screen`` were the one worked on (the help
        screen lists the keys of the screen under it as they are there)."""
        before, self._asked_for = self._asked_for, screen
        try:
            yield
        finally:
            self._asked_for = before

    def _working_screen(self) -> Screen[object]:
        """The screen the user works on: the top one, not counting the command palette."""
        if self._asked_for is not None:
            return self._asked_for
        stack = [s for s in self.screen_stack if not isinstance(s, CommandPalette)]
        return stack[-1] if stack else self.screen

    def _open(self, screen: Screen[Any], unless: type[Screen[Any]] | None = None) -> None:
        """Push ``screen``, not on top of a dialog (nor on a screen of type ``unless``)."""
        current = self._working_screen()
        if isinstance(current, ModalScreen) or (unless and isinstance(current, unless)):
            return
        self.push_screen(screen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        screen = self._working_screen()
        if action in SCREEN_ACTIONS and isinstance(screen, ModalScreen):
            return False  # no screen opens on top of a dialog
        return not (action == "leave" and screen is self.screen_stack[0])

    # --- screens ---------------------------------------------------------------------

    def open_incident(self, incident_id: int) -> None:
        """Push the war-room screen of one incident (not a second one on top of itself:
        its scribe input would hide the first one's unsaved line)."""
        from screens.war_room import WarRoomScreen

        screen = self._working_screen()
        if isinstance(screen, WarRoomScreen) and screen.incident_id == incident_id:
            return
        self.push_screen(WarRoomScreen(incident_id))

    def open_past_incident(self, incident_id: int) -> None:
        """The war room of a resolved or closed incident, read-only (screens/past_war_room.py)."""
        from screens.past_war_room import PastWarRoomScreen

        screen = self._working_screen()
        if isinstance(screen, PastWarRoomScreen) and screen.incident_id == incident_id:
            return
        self.push_screen(PastWarRoomScreen(incident_id))

    def action_history(self) -> None:
        """Every incident, newest first, filtered (screens/history.py)."""
        from screens.history import HistoryScreen

        self._open(HistoryScreen(), unless=HistoryScreen)

    def open_postmortem(self, incident_id: int) -> None:
        """Push the post-mortem screen of one incident (screens/postmortem.py)."""
        from screens.postmortem import PostmortemScreen

        self.push_screen(PostmortemScreen(incident_id))

    def open_action_items(self, incident_id: int | None = None) -> None:
        """Action items of all incidents (or one), overdue first."""
        from screens.action_items import ActionItemsScreen

        if incident_id is not None:
            self.push_screen(ActionItemsScreen(incident_id=incident_id))
        else:
            self._open(ActionItemsScreen(), unless=ActionItemsScreen)

    def action_action_items(self) -> None:
        """All incidents' action items, overdue first; Enter opens a post-mortem."""
        self.open_action_items()

    def action_handoff(self) -> None:
        """Open the on-call handoff review (screens/handoff.py)."""
        from screens.handoff import HandoffScreen

        self._open(HandoffScreen(), unless=HandoffScreen)

    def action_metrics(self) -> None:
        """Response-time metrics of the last 30 days against the policy's targets."""
        from screens.metrics import MetricsScreen

        self._open(MetricsScreen(), unless=MetricsScreen)

    def action_help(self) -> None:
        from screens.help import HelpScreen
        from screens.palette import collect_actions

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(collect_actions(self, self.screen)))

    def action_leave(self) -> None:
        """Escape: leave the current modal or screen, never the home screen."""
        if len(self.screen_stack) > 1:
            self.screen.dismiss(None)

    # --- dialogs ---------------------------------------------------------------------

    def action_declare(self) -> None:
        from screens.declare import DeclareScreen

        if not isinstance(self.screen, ModalScreen):
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

    def ask_role_holder(
        self,
        role_name: str,
        current: str | None,
        people: Iterable[str],
        then: Callable[[str | None], None],
    ) -> None:
        """Ask who takes a war-room role; ``then`` gets the name, or None."""
        from screens.assign_role import AssignRoleScreen

        self.push_screen(AssignRoleScreen(role_name, current, people), then)

    def edit_status_update(self, draft: Draft, then: Callable[[str | None], None]) -> None:
        """Show a status update's draft to edit; ``then`` gets the text to send, or None."""
        from screens.status_update import StatusUpdateScreen

        self.push_screen(StatusUpdateScreen(draft), then)
