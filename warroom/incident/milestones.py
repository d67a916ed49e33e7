"""Milestones of an incident and the rule that they stay in chronological order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from warroom.errors import BadInput
from warroom.models import Incident

MILESTONES = (
    "started_at",
    "detected_at",
    "declared_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "closed_at",
)

# (earlier, later): the first may not come after the second.
ORDER = (
    ("started_at", "detected_at"),
    ("detected_at", "declared_at"),
    ("detected_at", "acknowledged_at"),
    ("acknowledged_at", "mitigated_at"),  # mitigating counts as the acknowledgment
    ("detected_at", "mitigated_at"),
    ("mitigated_at", "resolved_at"),
    ("detected_at", "resolved_at"),
    ("declared_at", "resolved_at"),
    ("resolved_at", "closed_at"),
    ("declared_at", "closed_at"),
)


def _name(field: str) -> str:
    return field.removesuffix("_at")


def check_order(
    incident: Incident | None,
    changes: dict[str, datetime | None],
    show: Callable[[datetime], str],
) -> None:
    """Refuse (exit 2) a change that would put two milestones out of order."""
    values = {m: getattr(incident, m) if incident else None for m in MILESTONES}
    values.update(changes)
    for early, late in ORDER:
        a, b = values.get(early), values.get(late)
        if a is None or b is None or a <= b:
            continue
        if early in changes:
            moved, other, rel = early, late, "after"
        else:
            moved, other, rel = late, early, "before"
        raise BadInput(
            f"{_name(moved)} at {show(values[moved])} would be {rel} {_name(other)} at "  # type: ignore[arg-type]
            f"{show(values[other])}; milestones must stay in order "  # type: ignore[arg-type]
            "(started, detected, declared/acknowledged, mitigated, resolved, closed)."
        )
