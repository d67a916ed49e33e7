"""Pydantic models of the policy files. Unknown keys are errors (``extra="forbid"``)."""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import (
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from warroom.policy.checklists import AUTO_EVENTS, AutoEvent, ChecklistEntry
from warroom.policy.communications import CommunicationsPolicy
from warroom.policy.oncall import OnCallPolicy
from warroom.policy.postmortem_timeline import PostmortemTimeline
from warroom.policy.vocabulary import MAX_MINUTES, SEVERITIES, TARGET_LABELS, Hours, Minutes, Target
from warroom.strict import Strict

__all__ = ["AUTO_EVENTS", "AutoEvent", "ChecklistEntry", "PostmortemTimeline"]


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
    # Who may give the IC role once there is an IC. current_ic: the IC hands over;
    # anyone else takes command only explicitly (a takeover). anyone: no such rule.
    ic_handover: Literal["current_ic", "anyone"] = "current_ic"


class Phase(Strict):
    id: str
    name: str
    checklist: list[ChecklistEntry] = Field(default_factory=list)

    @field_validator("checklist", mode="before")
    @classmethod
    def _plain_lines(cls, v: object) -> object:
        if isinstance(v, list):
            return [{"text": item} if isinstance(item, str) else item for item in v]
        return v

    @field_validator("checklist")
    @classmethod
    def _unique_lines(cls, v: list[ChecklistEntry]) -> list[ChecklistEntry]:
        seen: set[str] = set()
        for item in v:
            if item.text in seen:
                raise ValueError(f"checklist line {item.text!r} is written twice")
            seen.add(item.text)
        return v

    def auto_event(self, text: str) -> str | None:
        """The event that ticks the line ``text`` of this phase, if any."""
        return next((c.auto for c in self.checklist if c.text == text), None)


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
    duration_minutes: int = Field(gt=0, le=MAX_MINUTES)
    attendees: list[str]
    agenda: list[str]


class PostmortemPolicy(Strict):
    template: str = "templates/postmortem.md.j2"
    deadline_hours: dict[str, Hours | None]
    required: dict[str, bool]
    required_sections: list[Section]
    meeting: Meeting
    principles: list[str]
    timeline: PostmortemTimeline = Field(default_factory=PostmortemTimeline)
    # Days from today an action item is due when none is given, per priority.
    action_item_due_days: dict[str, int] = Field(
        default_factory=lambda: {"P1": 7, "P2": 30, "P3": 90}
    )

    @field_validator("action_item_due_days")
    @classmethod
    def _due_days(cls, v: dict[str, int]) -> dict[str, int]:
        for priority, days in v.items():
            if priority not in ("P1", "P2", "P3"):
                raise ValueError(f"unknown priority {priority!r}; expected P1, P2 or P3")
            if not 0 <= days <= 3650:
                raise ValueError(f"{priority}: a due date is 0 to 3650 days away, not {days}")
        missing = [p for p in ("P1", "P2", "P3") if p not in v]
        if missing:
            raise ValueError(f"action_item_due_days has no entry for {missing[0]}")
        return v

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
    mttd_minutes: dict[str, Minutes]
    mtta_minutes: dict[str, Minutes]
    mttm_minutes: dict[str, Minutes]
    mttr_minutes: dict[str, Minutes]

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

    model_config = ConfigDict(arbitrary_types_allowed=True)

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
