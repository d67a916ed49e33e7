"""The checklist lines of warroom.yaml's workflow: manual, or ticked by an event."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from warroom.strict import Strict

# The events that tick a checklist item by themselves (``auto:`` in warroom.yaml), each
# proven by the record (warroom/incident/checklist.py says how); the rest are manual.
AutoEvent = Literal[
    "declared",  # the incident was declared with a severity
    "ic_assigned",  # someone holds the incident commander role
    "roles_filled",  # technical lead, communications lead and scribe are all held
    "war_room_opened",  # the war-room channel exists
    "paged",  # the escalation engine paged someone
    "acknowledged",
    "first_status_update",  # a status update was posted
    "mitigated",
    "resolved",
    "all_clear_sent",  # a status update of a stage that needs the incident resolved
    "action_items_recorded",  # the incident has an action item
    "action_items_owned",  # it has action items and every one has an owner
    "postmortem_started",  # its post-mortem document exists (sections, author, status)
    "closed",
]
AUTO_EVENTS: tuple[str, ...] = get_args(AutoEvent)


class ChecklistEntry(Strict):
    """One checklist line: ``- Text`` (manual) or ``- {text: Text, auto: EVENT}``."""

    text: str = Field(min_length=1)
    auto: AutoEvent | None = None
