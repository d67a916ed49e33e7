"""The Textual App that wires the console's screens."""

from __future__ import annotations

from datetime import tzinfo

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from warroom.clock import Clock
from warroom.policy import Policies


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
    from datetime import UTC

    return WarroomApp(db_url, policies, clock, actor, tz or UTC)
