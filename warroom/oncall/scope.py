"""What the on-call commands share: the command scope plus the team's roster."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from warroom.incident.mutation import CommandScope
from warroom.policy import Policies
from warroom.policy.roster import Roster
from warroom.store import Store


class RosterScope(CommandScope):
    """Commands about the team's schedule by ``actor`` (times shown with the weekday)."""

    def __init__(
        self, store: Store, policies: Policies, roster: Roster, actor: str, tz: tzinfo = UTC
    ) -> None:
        super().__init__(store, policies, actor, tz)
        self.roster = roster

    def show(self, dt: datetime) -> str:
        return dt.astimezone(self.tz).strftime("%a %Y-%m-%d %H:%M %Z")
