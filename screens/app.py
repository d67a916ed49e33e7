"""The Textual App that wires the console's screens (skeleton; the console owner fills it in).

Contract other screens rely on:
- ``app.store`` (warroom.store.Store, opened before the first screen is shown),
  ``app.policies``, ``app.clock``, ``app.actor``, ``app.tz``, ``app.commands``
  (warroom.commands.Commands acting as ``app.actor``), ``app.roster`` (or None).
- The App polls the change feed about four times a second and sends
  ``screens.messages.DataChanged`` to every screen on the stack.
"""

from __future__ import annotations

from datetime import UTC, tzinfo

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from warroom.clock import Clock
from warroom.commands import Commands
from warroom.policy import Policies
from warroom.roster import Roster, load_roster
from warroom.store import Store


class WarroomApp(App[None]):
    TITLE = "warroom"

    def __init__(
        self, db_url: str, policies: Policies, clock: Clock, actor: str, tz: tzinfo
    ) -> None:
        super().__init__()
        self.db_url = db_url
        self.policies = policies
        self.clock = clock
        self.actor = actor
        self.tz = tz
        self.roster: Roster | None = load_roster(policies.directory)
        self.store: Store
        self.commands: Commands

    async def on_load(self) -> None:
        self.store = await Store.open(self.db_url, self.clock)
        self.commands = Commands(self.store, self.policies, self.actor, self.tz)

    async def on_unmount(self) -> None:
        await self.store.close()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("warroom", id="welcome")
        yield Footer()


def make_app(
    db_url: str,
    policies: Policies,
    clock: Clock,
    *,
    actor: str = "tester",
    tz: tzinfo | None = None,
) -> WarroomApp:
    return WarroomApp(db_url, policies, clock, actor, tz or UTC)
