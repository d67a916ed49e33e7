"""The words the policy files share: severities, escalation targets, minutes."""

from __future__ import annotations

import math
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
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
TARGETS: tuple[str, ...] = get_args(Target)
MAX_MINUTES = 30 * 24 * 60  # no delay, timeout or target of the process is longer
MAX_HOURS = MAX_MINUTES / 60


def _bounded(most: float, unit: str) -> AfterValidator:
    def check(v: float) -> float:
        if not math.isfinite(v) or abs(v) > most:
            raise ValueError(
                f"{v!r} {unit} is not a usable duration; give a finite number of {unit} of "
                f"at most {most:g} (30 days)"
            )
        return v

    return AfterValidator(check)


# A duration in the policy files: a finite number up to 30 days, never .inf or 1e300
# (one absurd step would otherwise overflow the escalation engine for every incident).
Minutes = Annotated[float, _bounded(MAX_MINUTES, "minutes")]
Hours = Annotated[float, _bounded(MAX_HOURS, "hours")]
