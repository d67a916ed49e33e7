"""Pydantic models of the policy files. Unknown keys are errors (``extra="forbid"``)."""

from __future__ import annotations

import difflib
import re
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from warroom.policy.communications import CommunicationsPolicy
from warroom.policy.yaml_checks import no_bool_for_number, sexagesimal_hint

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
TARGETS = (
    "primary_oncall",
    "secondary_oncall",
    "incident_commander",
    "team_lead",
    "engineering_manager",
    "executive_oncall",
    "all_hands",
)
TARGET_LABELS = {
    "primary_oncall": "the primary on-call",
    "secondary_oncall": "the secondary on-call",
    "incident_commander": "the incident commander",
    "team_lead": "the team lead",
    "engineering_manager": "the engineering manager",
    "executive_oncall": "the executive on-call",
    "all_hands": "all hands",
}
Target = Literal[
    "primary_oncall",
    "secondary_oncall",
    "incident_commander",
    "team_lead",
    "engineering_manager",
    "executive_oncall",
    "all_hands",
]
Minutes = float
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_numbers(cls, v: object, info: ValidationInfo) -> object:
        field = cls.model_fields.get(info.field_name or "")
        return no_bool_for_number(v, field.annotation) if field else v


def _check_sev_keys(value: dict, what: str, *, complete: bool = True) -> dict:
    unknown = [k for k in value if k not in SEVERITIES]
    if unknown:
        raise ValueError(f"unknown severity {unknown[0]!r}; expected one of SEV1, SEV2, SEV3, SEV4")
    if complete:
        missing = [s for s in SEVERITIES if s not in value]
        if missing:
            raise ValueError(f"{what} has no entry for {missing[0]}; every severity needs one")
    return value


# --- severity.yaml -----------------------------------------------------------------


class SeverityLevel(Strict):
    name: str
    description: str
    impact: str
    examples: list[str] = Field(default_factory=list)
    response_time_minutes: Minutes = Field(ge=0)
    update_every_minutes: Minutes = Field(gt=0)
    pages: list[Target] = Field(default_factory=list)
    page_urgency: Literal["high", "low"] = "high"
    war_room: Literal["automatic", "offered", "none"] = "none"
    customer_communication: Literal["required", "optional", "none"] = "none"
    executive_notification: bool = False


class SeverityPolicy(Strict):
    levels: dict[str, SeverityLevel]

    @field_validator("levels")
    @classmethod
    def _all_levels(cls, v: dict) -> dict:
        return _check_sev_keys(v, "levels")


# --- escalation.yaml ---------------------------------------------------------------


class Tier(Strict):
    id: str
    name: str
    targets: list[Target]
    description: str = ""


class EscalationStep(Strict):
    id: str
    condition: Literal["no_ack", "unresolved"]
    after_minutes: Minutes = Field(ge=0)
    action: str
    targets: list[Target] = Field(min_length=1)
    urgency: Literal["high", "low"] = "high"


class EscalationPolicy(Strict):
    tiers: list[Tier]
    time_based: dict[str, list[EscalationStep]]

    @field_validator("time_based")
    @classmethod
    def _steps(cls, v: dict[str, list[EscalationStep]]) -> dict:
        _check_sev_keys(v, "time_based")
        ids: set[str] = set()
        for sev, steps in v.items():
            for i, step in enumerate(steps):
                if step.id in ids:
                    raise ValueError(f"{sev}.{i}.id: step id {step.id!r} is used twice")
                ids.add(step.id)
        return v

    def steps_for(self, severity: int) -> list[EscalationStep]:
        return list(self.time_based.get(f"SEV{severity}", []))


# --- warroom.yaml ------------------------------------------------------------------

RoleId = Literal["ic", "comms", "tech", "scribe"]


class Activation(Strict):
    channel_format: str = "#incident-{date}-{slug}"
    slug_max_length: int = Field(default=40, ge=8, le=80)
    bridge_required_for: list[str] = Field(default_factory=list)

    @field_validator("channel_format")
    @classmethod
    def _format(cls, v: str) -> str:
        if "{slug}" not in v:
            raise ValueError("channel_format must contain {slug}")
        try:
            v.format(date="2026-01-01", slug="x", ref="INC-1")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"channel_format may use only {{date}}, {{slug}} and {{ref}} ({exc})"
            ) from None
        return v


class Role(Strict):
    name: str
    short: str
    responsibilities: list[str] = Field(default_factory=list)


class Rules(Strict):
    message_prefixes: dict[str, RoleId]
    ic_only: list[Literal["severity", "resolve", "close", "mitigate", "assign"]] = Field(
        default_factory=list
    )
    separate_ic_and_tech_for: list[str] = Field(default_factory=list)
    pin_kinds: list[str] = Field(default_factory=list)


class Phase(Strict):
    id: str
    name: str
    checklist: list[str] = Field(default_factory=list)


class Workflow(Strict):
    phases: list[Phase] = Field(min_length=1)

    @field_validator("phases")
    @classmethod
    def _unique(cls, v: list[Phase]) -> list[Phase]:
        seen = set()
        for p in v:
            if p.id in seen:
                raise ValueError(f"phase id {p.id!r} is used twice")
            seen.add(p.id)
        return v

    def ids(self) -> list[str]:
        return [p.id for p in self.phases]

    def get(self, phase_id: str) -> Phase | None:
        return next((p for p in self.phases if p.id == phase_id), None)


class WarRoomPolicy(Strict):
    activation: Activation
    roles: dict[RoleId, Role]
    rules: Rules
    workflow: Workflow

    @model_validator(mode="after")
    def _all_roles(self) -> WarRoomPolicy:
        for r in ("ic", "comms", "tech", "scribe"):
            if r not in self.roles:
                raise ValueError(
                    f"roles has no entry for {r!r}; the four war-room roles are needed"
                )
        return self


# --- oncall.yaml -------------------------------------------------------------------

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _hhmm(v: object) -> object:
    hint = sexagesimal_hint(v)
    if hint:
        raise ValueError(hint)
    if not isinstance(v, str) or not _HHMM.match(v):
        raise ValueError(f"expected a local time as HH:MM, got {v!r}")
    return v


class Rotation(Strict):
    period: Literal["daily", "weekly", "biweekly"] = "weekly"
    handoff_weekday: Weekday = "monday"
    handoff_time: str = "10:00"
    secondary_offset_weeks: int = Field(default=1, ge=0)
    min_team_size: int = Field(default=5, ge=1)

    _t = field_validator("handoff_time", mode="before")(classmethod(lambda cls, v: _hhmm(v)))


class RestRule(Strict):
    engaged_hours: float = Field(gt=0)
    night_start: str
    night_end: str
    late_start_hours: float = Field(ge=0)
    # Entries by one person further apart than this are separate engagements.
    idle_minutes: Minutes = Field(default=60, gt=0)

    _t = field_validator("night_start", "night_end", mode="before")(
        classmethod(lambda cls, v: _hhmm(v))
    )


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
    repeat: int = Field(default=0, ge=0)

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


# --- postmortem.yaml ---------------------------------------------------------------

Section = Literal[
    "executive_summary",
    "impact",
    "root_cause",
    "detection",
    "response",
    "contributing_factors",
    "action_items",
    "lessons_learned",
    "appendix",
]


class Meeting(Strict):
    duration_minutes: int = Field(gt=0)
    attendees: list[str]
    agenda: list[str]


class PostmortemPolicy(Strict):
    template: str = "templates/postmortem.md.j2"
    deadline_hours: dict[str, float | None]
    required: dict[str, bool]
    required_sections: list[Section]
    meeting: Meeting
    principles: list[str]

    @field_validator("deadline_hours")
    @classmethod
    def _deadlines(cls, v: dict) -> dict:
        _check_sev_keys(v, "deadline_hours")
        for sev, hours in v.items():
            if hours is not None and hours <= 0:
                raise ValueError(f"{sev}: a deadline must be a positive number of hours or null")
        return v

    @field_validator("required")
    @classmethod
    def _required(cls, v: dict) -> dict:
        return _check_sev_keys(v, "required")


# --- metrics.yaml ------------------------------------------------------------------


class MetricTargets(Strict):
    mttd_minutes: dict[str, float]
    mtta_minutes: dict[str, float]
    mttm_minutes: dict[str, float]
    mttr_minutes: dict[str, float]

    @field_validator("mttd_minutes", "mtta_minutes", "mttm_minutes", "mttr_minutes")
    @classmethod
    def _sevs(cls, v: dict) -> dict:
        _check_sev_keys(v, "the target")
        for sev, minutes in v.items():
            if minutes < 0:
                raise ValueError(f"{sev}: a target must not be negative")
        return v


class Goals(Strict):
    action_item_completion_rate: float = Field(ge=0, le=1)
    postmortem_on_time_rate: float = Field(ge=0, le=1)
    repeat_incident_rate_max: float = Field(ge=0, le=1)
    max_pages_per_oncall_week: int = Field(ge=1)


class MetricsPolicy(Strict):
    targets: MetricTargets
    goals: Goals


# --- compliance.yaml ---------------------------------------------------------------


# The checks warroom knows how to evaluate (warroom/compliance/checks.py); others are refused.
COMPLIANCE_CHECKS = (
    "severity-set",
    "ic-assigned",
    "timeline-intact",
    "postmortem-on-time",
    "action-items-owned",
    "updates-on-cadence",
)


class Check(Strict):
    id: str
    text: str
    severities: list[str] = Field(default_factory=lambda: list(SEVERITIES), min_length=1)

    @field_validator("id")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in COMPLIANCE_CHECKS:
            close = difflib.get_close_matches(v, COMPLIANCE_CHECKS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"not a compliance check warroom knows{hint}; the known checks are "
                + ", ".join(COMPLIANCE_CHECKS)
            )
        return v

    @field_validator("severities")
    @classmethod
    def _sevs(cls, v: list[str]) -> list[str]:
        _check_sev_keys(dict.fromkeys(v), "severities", complete=False)
        return v


class CompliancePolicy(Strict):
    checks: list[Check]

    @field_validator("checks")
    @classmethod
    def _unique(cls, v: list[Check]) -> list[Check]:
        seen: set[str] = set()
        for c in v:
            if c.id in seen:
                raise ValueError(f"check {c.id!r} is listed twice")
            seen.add(c.id)
        return v


# --- all of it ---------------------------------------------------------------------


class Policies(Strict):
    """Every policy file, validated, plus the folder it came from."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    directory: str
    severity: SeverityPolicy
    escalation: EscalationPolicy
    warroom: WarRoomPolicy
    oncall: OnCallPolicy
    postmortem: PostmortemPolicy
    metrics: MetricsPolicy
    compliance: CompliancePolicy
    communications: CommunicationsPolicy
    communications_dir: str = ""  # the folder communications.yaml's templates are in

    def level(self, severity: int) -> SeverityLevel:
        return self.severity.levels[f"SEV{severity}"]

    def escalation_steps(self, severity: int) -> list[EscalationStep]:
        """The steps of a severity: the page at declaration (severity.yaml ``pages``,
        a ``no_ack`` step at minute 0 with id ``sevN-page``), then escalation.yaml's."""
        level = self.level(severity)
        steps = self.escalation.steps_for(severity)
        if level.pages:
            who = ", ".join(TARGET_LABELS[t] for t in level.pages)
            first = EscalationStep(
                id=f"sev{severity}-page",
                condition="no_ack",
                after_minutes=0,
                action=f"Page {who}",
                targets=list(level.pages),
                urgency=level.page_urgency,
            )
            steps.insert(0, first)
        return steps
