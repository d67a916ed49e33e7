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


class NotifyStep(Strict):
    method: Literal["push", "phone", "sms", "email", "chat"]
    after_minutes: Minutes = Field(ge=0)


class OnCallPolicy(Strict):
    rotation: Rotation
    health: Health
    handoff: HandoffRules
    escalation_policy: LevelPolicy
    notification_rules: dict[Literal["high", "low"], list[NotifyStep]]
