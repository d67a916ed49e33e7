"""Action items: what an incident taught us to change, tracked until it is done.

Each item belongs to an incident and has a kind (preventive, detection, process,
runbook), an owner (a roster person when a roster exists), a priority P1-P3, a due
date (not in the past when created) and a status (open, in progress, done, won't do
with a reason). This module parses and reads them; the verbs (``Commands.add_action``,
``update_action``, ``complete_action`` in :mod:`warroom.incident.action_verbs`) write
each change in one transaction with an ``action`` timeline entry and its change-feed row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select

from warroom.errors import BadInput, NotFound
from warroom.incident.queries import action_json
from warroom.incident.refs import parse_ref
from warroom.models import ActionItem
from warroom.policy import Policies
from warroom.policy.roster import load_roster
from warroom.store import Store
from warroom.text import MAX_NAME_CHARS, check_line

KINDS = ("preventive", "detection", "process", "runbook")
STATUSES = ("open", "in_progress", "done", "wont_do")
OPEN_STATUSES = frozenset({"open", "in_progress"})
PRIORITIES = ("P1", "P2", "P3")
STATUS_LABELS = {
    "open": "open",
    "in_progress": "in progress",
    "done": "done",
    "wont_do": "won't do",
}
MAX_ACTION_TITLE = 300
MAX_REASON = 500
_ITEM_REF = re.compile(r"^\s*(?:#|ai-?|a-?)?(\d{1,9})\s*$", re.IGNORECASE)
_RELATIVE = re.compile(r"^\+?(\d{1,4})\s*([dw])$", re.IGNORECASE)


# --- parsing what people type ---------------------------------------------------------


def item_ref(item_id: int | None) -> str:
    return f"AI-{item_id}"


def parse_item_ref(text: str | int) -> int:
    m = _ITEM_REF.match(str(text))
    if not m:
        raise NotFound(f"{text!r} is not an action item; use its number, like AI-3 or 3.")
    return int(m[1])


def kind_id(text: str) -> str:
    value = text.strip().lower()
    if value not in KINDS:
        raise BadInput(f"unknown action item kind {text!r}; expected one of {', '.join(KINDS)}.")
    return value


def status_id(text: str) -> str:
    value = re.sub(r"[\s\-']+", "_", text.strip().lower()).replace("won_t", "wont")
    value = {"wontdo": "wont_do", "inprogress": "in_progress", "closed": "done"}.get(value, value)
    if value not in STATUSES:
        raise BadInput(
            f"unknown action item status {text!r}; expected open, in_progress, done or wont_do."
        )
    return value


def priority_id(text: str) -> str:
    value = text.strip().upper()
    value = f"P{value}" if value.isdigit() else value
    if value not in PRIORITIES:
        raise BadInput(f"unknown priority {text!r}; expected P1, P2 or P3 (P1 is the most urgent).")
    return value


def local_today(now: datetime, tz: tzinfo = UTC) -> date:
    """The calendar date ``now`` falls on in ``tz`` (due dates are calendar dates)."""
    return now.astimezone(tz).date()


def parse_due(text: str | date, today: date) -> date:
    """``YYYY-MM-DD``, ``today``, ``tomorrow``, or ``+N d``/``+N w`` counted from today."""
    if isinstance(text, date):
        return text
    raw = text.strip().lower()
    if raw == "today":
        return today
    if raw == "tomorrow":
        return today + timedelta(days=1)
    m = _RELATIVE.match(raw)
    if m:
        n = int(m[1])
        return today + timedelta(days=n * 7 if m[2] == "w" else n)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadInput(
            f"due date {text!r} is not a date; use YYYY-MM-DD, or +7d / +2w from today."
        ) from None


def owner_name(policies: Policies, name: str) -> str:
    """The owner as the roster spells it; any name when there is no roster."""
    value = check_line(name, "owner", MAX_NAME_CHARS)
    roster = load_roster(policies.directory)
    if roster is None:
        return value
    person = roster.person(value.removeprefix("@"))
    if person is None:
        person = next(
            (p for p in roster.people if p.handle and p.handle.casefold() == value.casefold()),
            None,
        )
    if person is None:
        known = ", ".join(p.name for p in roster.people) or "(nobody)"
        raise NotFound(
            f"unknown owner {value!r}: the roster names {known}. "
            "Give one of them, or add the person to roster.yaml first."
        )
    return person.name


# --- overdue --------------------------------------------------------------------------


def is_open(item: ActionItem) -> bool:
    return item.status in OPEN_STATUSES


def is_overdue(item: ActionItem, today: date) -> bool:
    """Still open after its due date (an item due today is not overdue yet)."""
    return is_open(item) and item.due is not None and item.due < today


def days_overdue(item: ActionItem, today: date) -> int:
    return (today - item.due).days if is_overdue(item, today) and item.due else 0


def sort_key(item: ActionItem, today: date) -> tuple[Any, ...]:
    """Overdue first (most overdue first), then open before closed, then by due date."""
    return (
        0 if is_overdue(item, today) else 1,
        0 if is_open(item) else 1,
        item.due or date.max,
        item.priority,
        item.id or 0,
    )


def item_json(item: ActionItem, today: date) -> dict[str, Any]:
    return {
        **action_json(item),
        "overdue": is_overdue(item, today),
        "days_overdue": days_overdue(item, today),
    }


@dataclass(frozen=True)
class ActionStats:
    """The inputs of the action-item completion rate."""

    total: int
    open: int
    in_progress: int
    done: int
    wont_do: int
    overdue: int
    done_on_time: int

    @property
    def completion_rate(self) -> float | None:
        """Done over everything that was not dropped (won't do); None when there is none."""
        base = self.total - self.wont_do
        return round(self.done / base, 4) if base else None

    @property
    def on_time_rate(self) -> float | None:
        return round(self.done_on_time / self.done, 4) if self.done else None

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "open": self.open,
            "in_progress": self.in_progress,
            "done": self.done,
            "wont_do": self.wont_do,
            "overdue": self.overdue,
            "done_on_time": self.done_on_time,
            "completion_rate": self.completion_rate,
            "on_time_rate": self.on_time_rate,
        }


def done_on_time(item: ActionItem, tz: tzinfo = UTC) -> bool:
    if item.status != "done" or item.completed_at is None:
        return False
    return item.due is None or local_today(item.completed_at, tz) <= item.due


def action_stats(items: list[ActionItem], today: date, tz: tzinfo = UTC) -> ActionStats:
    by = {s: sum(1 for i in items if i.status == s) for s in STATUSES}
    return ActionStats(
        total=len(items),
        open=by["open"],
        in_progress=by["in_progress"],
        done=by["done"],
        wont_do=by["wont_do"],
        overdue=sum(1 for i in items if is_overdue(i, today)),
        done_on_time=sum(1 for i in items if done_on_time(i, tz)),
    )


# --- reading --------------------------------------------------------------------------


async def list_actions(
    store: Store,
    *,
    today: date,
    owner: str | None = None,
    overdue_only: bool = False,
    include_closed: bool = False,
    incident: str | None = None,
) -> list[ActionItem]:
    """Action items of all incidents (or one), overdue first."""
    q = select(ActionItem)
    if incident is not None:
        q = q.where(ActionItem.incident_id == parse_ref(incident))  # type: ignore[arg-type]
    if not include_closed and not overdue_only:
        q = q.where(ActionItem.status.in_(sorted(OPEN_STATUSES)))  # type: ignore[attr-defined]
    async with store.read() as s:
        items = list((await s.execute(q)).scalars())
    if owner is not None:
        key = owner.strip().removeprefix("@").casefold()
        items = [i for i in items if (i.owner or "").casefold() == key]
    if overdue_only:
        items = [i for i in items if is_overdue(i, today)]
    return sorted(items, key=lambda i: sort_key(i, today))


# --- rules of writing (the verbs are Commands.add_action ... in .action_verbs) ---------


def future_due(due: str | date, today: date) -> date:
    """A due date for an item: not in the past (an action item cannot be backdated)."""
    value = parse_due(due, today)
    if value < today:
        raise BadInput(
            f"due date {value.isoformat()} is in the past (today is {today.isoformat()}); "
            "give today or a later date."
        )
    return value


def describe(item: ActionItem) -> str:
    """Priority, kind, owner and due date, as the timeline says them."""
    bits = [item.priority, item.kind]
    bits.append(f"owner {item.owner}" if item.owner else "no owner yet")
    bits.append(f"due {item.due.isoformat()}" if item.due else "no due date yet")
    return ", ".join(bits)
