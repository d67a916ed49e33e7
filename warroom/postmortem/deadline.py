"""When a post-mortem is due: ``deadline_hours`` per severity after resolution."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from warroom.durations import human_duration
from warroom.models import Incident
from warroom.policy import Policies
from warroom.timeparse import iso_z

# none: the severity has no deadline; pending: the incident is not resolved yet;
# due: the clock is running; overdue: past the deadline and not Final; done: Final.
STATES = ("none", "pending", "due", "overdue", "done")


@dataclass(frozen=True)
class Deadline:
    severity: int
    required: bool
    hours: float | None
    due_at: datetime | None
    state: str
    final_at: datetime | None = None

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"

    @property
    def on_time(self) -> bool | None:
        """Whether the post-mortem went Final by its deadline (None until it is Final)."""
        if self.final_at is None:
            return None
        return self.due_at is None or self.final_at <= self.due_at

    def label(self, now: datetime, tz: tzinfo) -> str:
        """One line for people: ``overdue by 5h 00m (due 2026-03-04 09:00 UTC)``."""
        optional = "" if self.required else " (optional)"
        if self.state == "none":
            return "no post-mortem deadline for this severity" + optional
        if self.state == "pending":
            return f"due {self.hours:g} h after resolution{optional}"
        if self.state == "done":
            return "final" if self.on_time is not False else "final (late)"
        assert self.due_at is not None
        when = self.due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
        if self.state == "overdue":
            return f"overdue by {human_duration(now - self.due_at)} (was due {when}){optional}"
        return f"due in {human_duration(self.due_at - now)} ({when}){optional}"

    def to_json(self) -> dict[str, Any]:
        return {
            "required": self.required,
            "deadline_hours": self.hours,
            "due_at": iso_z(self.due_at),
            "state": self.state,
            "overdue": self.overdue,
            "on_time": self.on_time,
        }


def deadline_for(
    policies: Policies,
    incident: Incident,
    now: datetime,
    *,
    status: str = "draft",
    final_at: datetime | None = None,
) -> Deadline:
    """The deadline of ``incident``'s post-mortem (``status`` of its document) at ``now``."""
    key = f"SEV{incident.severity}"
    pm = policies.postmortem
    hours = pm.deadline_hours.get(key)
    required = bool(pm.required.get(key, False))
    if hours is None:
        state, due = ("done" if status == "final" else "none"), None
    elif incident.resolved_at is None:
        state, due = "pending", None
    else:
        due = incident.resolved_at + timedelta(hours=hours)
        state = "done" if status == "final" else "overdue" if now > due else "due"
    return Deadline(incident.severity, required, hours, due, state, final_at)
