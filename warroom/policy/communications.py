"""The pydantic model of ``policies/communications.yaml``: stakeholder status updates.

Who hears from us (audiences, with their apprise destinations), at which stage of an
incident (stages), and in what words (Jinja2 templates under ``templates``). Whether an
audience must hear from us at a severity is not repeated here: ``required`` names the
severity.yaml field that decides it (``customer_communication``, ``executive_notification``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from warroom.strict import Strict

_ID = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
TITLE_FIELDS = ("ref", "title", "severity", "stage", "audience")
STATUSES = ("open", "mitigated", "resolved")


class Audience(Strict):
    name: str = Field(min_length=1)
    description: str = ""
    # always | never | a severity.yaml field deciding per level:
    # customer_communication (required / optional / none), executive_notification (true).
    required: Literal["always", "never", "customer_communication", "executive_notification"] = (
        "never"
    )
    # The notification's title; {ref}, {title}, {severity}, {stage}, {audience}.
    title: str = "{ref} status update: {stage}"
    # apprise URLs; WARROOM_STATUS_<AUDIENCE> (space-separated URLs) replaces them.
    destinations: list[str] = Field(default_factory=list)

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        try:
            v.format(**dict.fromkeys(TITLE_FIELDS, "x"))
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"title may use only {', '.join('{' + f + '}' for f in TITLE_FIELDS)} ({exc})"
            ) from None
        return v

    @field_validator("destinations")
    @classmethod
    def _urls(cls, v: list[str]) -> list[str]:
        for url in v:
            if "://" not in url:
                raise ValueError(f"{url!r} is not an apprise URL (expected scheme://...)")
        return v


class Stage(Strict):
    name: str = Field(min_length=1)
    description: str = ""
    # Only once the incident is resolved (an "all clear" before the IC resolved it
    # would tell stakeholders something the record does not say).
    requires_resolved: bool = False


class CommunicationsPolicy(Strict):
    templates: str = "templates/status"
    audiences: dict[str, Audience] = Field(min_length=1)
    stages: dict[str, Stage] = Field(min_length=1)
    # The stage used when none is given, by the incident's state.
    default_stage: dict[Literal["open", "mitigated", "resolved"], str] = Field(default_factory=dict)

    @field_validator("audiences", "stages")
    @classmethod
    def _ids(cls, v: dict[str, object]) -> dict[str, object]:
        for key in v:
            if not _ID.match(key):
                raise ValueError(
                    f"{key!r} is not a usable id; use lower-case letters, digits, - or _ "
                    "(at most 32 characters, starting with a letter)"
                )
        return v

    @model_validator(mode="after")
    def _defaults_known(self) -> CommunicationsPolicy:
        for state, stage in self.default_stage.items():
            if stage not in self.stages:
                raise ValueError(
                    f"default_stage.{state}: {stage!r} is not a stage; the stages are "
                    + ", ".join(self.stages)
                )
        return self

    def stage_for(self, status: str) -> str | None:
        """The default stage for an incident whose status is ``status``."""
        key = "resolved" if status == "closed" else status
        return self.default_stage.get(key)  # type: ignore[call-overload, no-any-return]
