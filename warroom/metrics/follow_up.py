"""What the window's incidents led to: action items and post-mortems, against the goals.

Action items: those of the window's incidents (whenever created). Completion rate =
done / (all - won't do), as ``warroom actions`` and the monthly review count it
(:func:`warroom.incident.actions.action_stats`); "overdue" is open items past their due date
as of now (the clock's today in the display zone), not as of the window's end.

Post-mortems: for each incident in the window whose severity requires one with a
deadline (``postmortem.yaml``), the deadline comes from
:mod:`warroom.postmortem.deadline`. On time = Final by the deadline; late = Final
after it, or not Final and past it; pending = not resolved yet or still within the
deadline (left out of the rate). Rate = on time / (on time + late).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from warroom.incident.actions import ActionStats, action_stats, local_today
from warroom.models import ActionItem, Incident, Postmortem
from warroom.policy import Policies
from warroom.postmortem.deadline import deadline_for


def _at_least(value: float | None, goal: float) -> bool | None:
    return None if value is None else value >= goal


@dataclass(frozen=True)
class ActionFigures:
    stats: ActionStats
    goal: float  # goals.action_item_completion_rate

    @property
    def met(self) -> bool | None:
        return _at_least(self.stats.completion_rate, self.goal)

    def to_json(self) -> dict[str, Any]:
        s = self.stats
        return {
            "created": s.total,
            "done": s.done,
            "wont_do": s.wont_do,
            "open": s.open + s.in_progress,
            "overdue_open": s.overdue,
            "completion_rate": s.completion_rate,
            "goal": self.goal,
            "met": self.met,
        }


def action_figures(
    items: Sequence[ActionItem], policies: Policies, now: datetime, tz: tzinfo
) -> ActionFigures:
    stats = action_stats(list(items), local_today(now, tz), tz)
    return ActionFigures(stats, policies.metrics.goals.action_item_completion_rate)


@dataclass(frozen=True)
class PostmortemFigures:
    on_time: int
    late: int
    pending: int
    late_refs: tuple[str, ...]
    goal: float  # goals.postmortem_on_time_rate

    @property
    def rate(self) -> float | None:
        decided = self.on_time + self.late
        return round(self.on_time / decided, 4) if decided else None

    @property
    def met(self) -> bool | None:
        return _at_least(self.rate, self.goal)

    def to_json(self) -> dict[str, Any]:
        return {
            "required": self.on_time + self.late + self.pending,
            "on_time": self.on_time,
            "late": self.late,
            "pending": self.pending,
            "late_refs": list(self.late_refs),
            "on_time_rate": self.rate,
            "goal": self.goal,
            "met": self.met,
        }


def postmortem_figures(
    incidents: Sequence[Incident],
    documents: dict[int, Postmortem],
    policies: Policies,
    now: datetime,
) -> PostmortemFigures:
    """``documents``: incident id -> its post-mortem (absent: nobody started one)."""
    on_time = late = pending = 0
    late_refs: list[str] = []
    for inc in incidents:
        pm = documents.get(inc.id or 0)
        status = pm.status if pm else "draft"
        d = deadline_for(policies, inc, now, status=status, final_at=pm.final_at if pm else None)
        if not d.required or d.hours is None:
            continue
        if d.state == "done" and d.on_time is not False:
            on_time += 1
        elif d.state in ("done", "overdue"):
            late += 1
            late_refs.append(inc.ref or f"INC-{inc.id}")
        else:
            pending += 1
    return PostmortemFigures(
        on_time, late, pending, tuple(late_refs), policies.metrics.goals.postmortem_on_time_rate
    )
