"""What declaring at each severity means, in words, for whoever is about to declare.

The declare dialog shows each level's impact, examples, response time, update
cadence, who is paged (names from the roster when there is one) and whether a war
room opens; all of it comes from the policy files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from warroom.durations import span
from warroom.escalation.targets import LABELS, resolve_target
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


def describe_targets(
    roster: Roster | None,
    targets: Sequence[str],
    at: datetime,
    overrides: Sequence[OncallOverride] = (),
    ic: str | None = None,
) -> list[str]:
    """``["primary on-call (alice)", "team lead (carol)"]`` for a list of policy targets."""
    out = []
    for t in targets:
        name = LABELS.get(t, t.replace("_", " "))
        people = resolve_target(roster, t, at, ic, overrides)
        if t == "all_hands" and people:
            name += f" ({len(people)} people)"
        elif people:
            name += f" ({', '.join(people)})"
        out.append(name)
    return out


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
                response=span(lvl.response_time_minutes),
                updates=span(lvl.update_every_minutes),
                pages=describe_targets(roster, lvl.pages, at, overrides, ic),
                war_room=lvl.war_room,
                bridge_required=f"SEV{sev}" in required,
                customer_communication=lvl.customer_communication,
                executive_notification=lvl.executive_notification,
            )
        )
    return out


class _WarRoomRule(Protocol):
    @property
    def war_room(self) -> str: ...  # automatic, offered, none (a SeverityLevel, a LevelBrief)


def opens_war_room(level: _WarRoomRule, requested: bool | None) -> bool:
    """Whether declaring at ``level`` opens a war room: always where the policy says
    ``automatic`` (asking for none does not stop it), otherwise when asked for."""
    return level.war_room == "automatic" or bool(requested)


def channel_name(policies: Policies, declared_at: datetime, title: str, ref: str) -> str:
    """The war-room channel of an incident: the policy's ``channel_format`` with the
    declaration's date, the title's slug and the reference in lower case."""
    act = policies.warroom.activation
    return act.channel_format.format(
        date=declared_at.strftime("%Y-%m-%d"),
        slug=slug(title or "incident", act.slug_max_length),
        ref=ref.lower(),
    )


def channel_preview(policies: Policies, title: str, at: datetime) -> str:
    """The war-room channel a declaration now would open (the reference is not known yet)."""
    return channel_name(policies, at, title, "inc-new")
