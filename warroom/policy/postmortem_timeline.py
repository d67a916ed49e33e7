"""postmortem.yaml's ``timeline``: which entry kinds the document's timeline carries."""

from __future__ import annotations

import difflib

from pydantic import Field, field_validator, model_validator

from warroom.strict import Strict

# Entry kinds that are milestones of the document (always rows), and those that never
# are rows of their own (a pin marks an entry, a correction replaces its text).
MILESTONE_KINDS = ("declared", "ack", "mitigated", "resolved", "closed", "milestone")
MARKER_KINDS = ("pin", "unpin", "correction")


def _entry_kinds(v: list[str], key: str) -> list[str]:
    from warroom.incident.timeline import KINDS  # the one list of entry kinds

    for kind in v:
        if kind not in KINDS:
            close = difflib.get_close_matches(kind, KINDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"{key}: {kind!r} is not an entry kind{hint}")
        if kind in MILESTONE_KINDS or kind in MARKER_KINDS:
            raise ValueError(
                f"{key}: {kind!r} is not listed here (milestones are always in the timeline; "
                "pins and corrections mark other entries)"
            )
    return v


class PostmortemTimeline(Strict):
    """What the document's timeline carries from the war room, in event-time order:
    the milestones and the pinned entries always; one row per entry of ``kinds``; one
    summary row per kind of ``summarised`` (automated entries)."""

    kinds: list[str] = Field(
        default_factory=lambda: [
            "note",
            "decision",
            "severity",
            "status",
            "page",
            "assign",
            "phase",
            "action",
            "handoff",
            "reopened",
        ]
    )
    summarised: list[str] = Field(default_factory=lambda: ["checklist", "delivery"])

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, v: list[str]) -> list[str]:
        return _entry_kinds(v, "kinds")

    @field_validator("summarised")
    @classmethod
    def _summarised(cls, v: list[str]) -> list[str]:
        return _entry_kinds(v, "summarised")

    @model_validator(mode="after")
    def _apart(self) -> PostmortemTimeline:
        both = sorted(set(self.kinds) & set(self.summarised))
        if both:
            raise ValueError(f"{both[0]!r} is in both kinds and summarised; keep it in one")
        return self
