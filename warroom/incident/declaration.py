"""What declaring at each severity means, in words, for whoever is about to declare.

The declare dialog shows each level's impact, examples, response time, update
cadence, who is paged (names from the roster when there is one) and whether a war
room opens; all of it comes from the policy files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from warroom.incident.board import describe_targets
from warroom.models import OncallOverride
from warroom.policy import Policies
from warroom.policy.roster import Roster
from warroom.text import slug


@dataclass(frozen=True)
class LevelBrief:
    severity: int
    name: str
    description: str
    impact: str
    examples: list[str]
    response: str  # "15 min"
    updates: str  # "30 min"
    pages: list[str]  # "primary on-call (alice)", ...
    war_room: str  # automatic, offered, none
    bridge_required: bool
    customer_communication: str
    executive_notification: bool


def minutes_text(minutes: float) -> str:
    """15 -> "15 min", 240 -> "4 h", 90 -> "1 h 30 min", 1440 -> "1 day"."""
    m = round(minutes)
    if m < 60:
        return f"{m} min"
    days, rest = divmod(m, 1440)
    if days and not rest:
        return f"{days} day" + ("s" if days > 1 else "")
    h, mm = divmod(m, 60)
    return f"{h} h" + (f" {mm:02d} min" if mm else "")


def level_briefs(
    policies: Policies,
    roster: Roster | None,
    at: datetime,
    overrides: Sequence[OncallOverride] = (),
    ic: str | None = None,
) -> list[LevelBrief]:
    out = []
    required = set(policies.warroom.activation.bridge_required_for)
    for sev in (1, 2, 3, 4):
        lvl = policies.level(sev)
        out.append(
            LevelBrief(
                severity=sev,
                name=lvl.name,
                description=lvl.description,
                impact=lvl.impact,
                examples=list(lvl.examples),
                response=minutes_text(lvl.response_time_minutes),
                updates=minutes_text(lvl.update_every_minutes),
                pages=describe_targets(roster, lvl.pages, at, overrides, ic),
                war_room=lvl.war_room,
                bridge_required=f"SEV{sev}" in required,
                customer_communication=lvl.customer_communication,
                executive_notification=lvl.executive_notification,
            )
        )
    return out


def channel_preview(policies: Policies, title: str, at: datetime) -> str:
    """The war-room channel a declaration now would open (the reference is not known yet)."""
    act = policies.warroom.activation
    return act.channel_format.format(
        date=at.strftime("%Y-%m-%d"),
        slug=slug(title or "incident", act.slug_max_length),
        ref="inc-new",
    )
