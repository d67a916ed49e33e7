"""Pydantic models of ``policies/oncall.yaml``: the rotation defaults, on-call health
(with the rest rule), the handoff and its escalation levels, notification rules."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from warroom.policy.vocabulary import Hours, Minutes, Target
from warroom.strict import HHMM, Strict

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class Rotation(Strict):
    period: Literal["daily", "weekly", "biweekly"] = "weekly"
    handoff_weekday: Weekday = "monday"
    handoff_time: HHMM = "10:00"
    secondary_offset_weeks: int = Field(default=1, ge=0)
    min_team_size: int = Field(default=5, ge=1)


class RestRule(Strict):
    engaged_hours: Hours = Field(gt=0)
    night_start: HHMM
    night_end: HHMM
    late_start_hours: Hours = Field(ge=0)
    # Entries by one person further apart than this are separate engagements.
    idle_minutes: Minutes = Field(default=60, gt=0)


class Health(Strict):
    max_consecutive_weeks: int = Field(ge=1)
    min_weeks_between_rotations: int = Field(ge=0)
    max_pages_per_week: int = Field(ge=1)
    rest_rule: RestRule


class HandoffRules(Strict):
    acknowledge_within_minutes: Minutes = Field(gt=0)
    notes_required: bool = True
    # The review shows the coming handoff from this long before it (else the last one).
    opens_minutes_before: Minutes = Field(default=720, ge=0)


class Level(Strict):
    target: Target
    name: str
    timeout_minutes: Minutes | None = Field(default=None, gt=0)


class LevelPolicy(Strict):
    levels: list[Level] = Field(min_length=1)
    repeat: int = Field(default=0, ge=0, le=100)

    @field_validator("levels")
    @classmethod
    def _reachable(cls, v: list[Level]) -> list[Level]:
        for i, lvl in enumerate(v[:-1]):
            if lvl.timeout_minutes is None:
                nxt = v[i + 1]
                raise ValueError(
                    f"level {i} ({lvl.name}) has no timeout, so level {i + 1} ({nxt.name}) "
                    "can never be reached; give it timeout_minutes"
                )
        return v


Method = Literal["push", "phone", "sms", "email", "chat"]


class NotifyStep(Strict):
    method: Method
    after_minutes: Minutes = Field(ge=0)


# The rate-limit windows of notification_limits: key -> (minutes, how it reads).
LIMIT_WINDOWS = {
    "per_minute": (1, "a minute"),
    "per_15_minutes": (15, "in 15 minutes"),
    "per_hour": (60, "an hour"),
    "per_3_hours": (180, "in 3 hours"),
}


class MethodLimit(Strict):
    """At most this many messages to one person by one contact method in each window
    (at most one a second: a bigger number is a typo, not a limit)."""

    per_minute: int | None = Field(default=None, ge=1, le=60)
    per_15_minutes: int | None = Field(default=None, ge=1, le=900)
    per_hour: int | None = Field(default=None, ge=1, le=3600)
    per_3_hours: int | None = Field(default=None, ge=1, le=10800)

    def rules(self) -> list[tuple[int, float, str]]:
        """(count, window in minutes, how the window reads), shortest window first."""
        return [
            (count, minutes, words)
            for key, (minutes, words) in LIMIT_WINDOWS.items()
            if (count := getattr(self, key)) is not None
        ]


# GoAlert's limits per contact method (engine/message/ratelimit.go): SMS, voice and
# email at most one a minute; alert voice calls 3 in 15 minutes, 7 an hour, 15 in 3
# hours; alert SMS 5 in 15 minutes, 11 an hour, 21 in 3 hours. Push and chat: none.
DEFAULT_LIMITS: dict[Method, MethodLimit] = {
    "phone": MethodLimit(per_minute=1, per_15_minutes=3, per_hour=7, per_3_hours=15),
    "sms": MethodLimit(per_minute=1, per_15_minutes=5, per_hour=11, per_3_hours=21),
    "email": MethodLimit(per_minute=1),
}


class OnCallPolicy(Strict):
    rotation: Rotation
    health: Health
    handoff: HandoffRules
    escalation_policy: LevelPolicy
    notification_rules: dict[Literal["high", "low"], list[NotifyStep]]
    # Rate limits per person and contact method; pages over a limit are bundled into
    # the next message the limit allows (warroom.escalation.throttle), never dropped.
    notification_limits: dict[Method, MethodLimit] = Field(
        default_factory=lambda: dict(DEFAULT_LIMITS)
    )
