"""The words the policy files share: severities, escalation targets, minutes."""

from __future__ import annotations

from typing import Literal, get_args

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
Minutes = float
