"""What every console screen shares, written once.

- ``wapp``: the App, typed (``screens.app.WarroomApp``).
- ``report(err, ...)``: a failure as a notification, as plain text (never markup).
- Loading: ``reload()`` runs ``load()`` (the screen's own read-and-show) in a worker;
  a reload asked for while one runs makes exactly one more pass after it
  (``coalesced`` does the same for any other kind of work, e.g. a preview).
- The change feed: a screen subscribes to ``app.data_changed`` when it mounts; a
  change that ``concerns`` it reloads it when people see it, otherwise it is marked
  stale and reloads once when it is shown again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual import work
from textual.screen import ModalScreen, Screen

from screens.messages import Changes
from warroom.errors import WarroomError
from warroom.text import printable

if TYPE_CHECKING:
    from screens.app import WarroomApp

ResultT = TypeVar("ResultT")


def describe(err: BaseException) -> str:
    """A failure in words: the core's own message, or the exception's type and text."""
    if isinstance(err, WarroomError):
        return err.message
    return f"{type(err).__name__}: {err}"


def report(node: Screen[Any], err: BaseException | str, title: str = "", prefix: str = "") -> None:
    """Notify a failure as plain text (control characters stripped, never markup)."""
    why = err if isinstance(err, str) else describe(err)
    node.notify(printable(prefix + why), title=title, severity="error", markup=False)


def in_view(screen: Screen[Any]) -> bool:
    """Whether people see ``screen``: on top, or right under a dialog.

    (Textual's ``Screen.is_current`` is also true for the screen under any full
    screen, so a board under a war room would reload on every entry typed there.)"""
    stack = screen.app.screen_stack
    if stack and stack[-1] is screen:
        return True
    return len(stack) >= 2 and stack[-2] is screen and isinstance(stack[-1], ModalScreen)


class ConsoleScreen(Screen[None]):
    """A full screen of the console."""

    LOAD_FAILED: ClassVar[tuple[str, str]] = ("Cannot load", "")  # title, message prefix

    def __init__(self) -> None:
        super().__init__()
        self._stale = False
        self._busy: set[str] = set()
        self._again: set[str] = set()

    @property
    def wapp(self) -> WarroomApp:
        return cast("WarroomApp", self.app)

    def report(self, err: BaseException | str, title: str = "", prefix: str = "") -> None:
        report(self, err, title, prefix)

    def key_for(self, binding_id: str) -> str | None:
        """The key that runs a binding here now (the user's keymap applied), as shown."""
        for active in self.active_bindings.values():
            if active.binding.id == binding_id:
                shown = self.app.get_key_display(active.binding)
                return shown.upper() if shown[:1] == "f" and shown[1:].isdigit() else shown
        return None

    # --- loading ---------------------------------------------------------------------

    async def load(self) -> None:
        """Read what the screen shows and show it (each screen writes its own)."""

    def reload(self) -> None:
        """Load again, now or (if a load is running) once more right after it."""
        self.coalesced("load", self.load)

    def action_reload(self) -> None:
        self.reload()

    def coalesced(self, kind: str, job: Callable[[], Awaitable[None]]) -> None:
        """Run ``job`` in a worker; asked again while it runs: one more pass after it."""
        if kind in self._busy:
            self._again.add(kind)
            return
        self._busy.add(kind)
        self._run(kind, job)

    @work(group="screen-load", exit_on_error=False)
    async def _run(self, kind: str, job: Callable[[], Awaitable[None]]) -> None:
        try:
            while True:
                self._again.discard(kind)
                try:
                    await job()
                except Exception as err:  # shown; the console keeps running
                    title, prefix = self.LOAD_FAILED
                    self.report(err, title, prefix)
                    return
                if kind not in self._again:
                    return
        finally:
            self._busy.discard(kind)

    # --- the change feed -------------------------------------------------------------

    def concerns(self, changes: Changes) -> bool:
        """Whether a change shows on this screen (an incident's screens: its own)."""
        return True

    def on_mount(self) -> None:
        self.wapp.data_changed.subscribe(self, self._changed)

    def _changed(self, changes: Changes) -> None:
        if not self.concerns(changes):
            return
        if in_view(self):
            self.reload()
        else:  # under another screen: catch up once on return, not on every change
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()


class ConsoleModal(ModalScreen[ResultT]):
    """A dialog of the console."""

    @property
    def wapp(self) -> WarroomApp:
        return cast("WarroomApp", self.app)

    def report(self, err: BaseException | str, title: str = "", prefix: str = "") -> None:
        report(self, err, title, prefix)
