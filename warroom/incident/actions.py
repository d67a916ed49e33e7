"""Action items: what an incident taught us to change, tracked until it is done.

Each item belongs to an incident and has a kind (preventive, detection, process,
runbook), an owner (a roster person when a roster exists), a priority P1-P3, a due
date (not in the past when created) and a status (open, in progress, done, won't do
with a reason). Every change is one transaction that also appends an ``action``
entry to the incident's timeline and writes the change-feed row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from warroom.errors import BadInput, NotFound
from warroom.incident import timeline
from warroom.incident.commands import Commands
from warroom.incident.queries import action_json
from warroom.incident.refs import parse_ref, ref_for
from warroom.models import ActionItem, Incident
from warroom.policy import Policies
from warroom.policy.roster import load_roster
from warroom.store import Store, record_change
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


async def get_action(store: Store, item: str | int) -> ActionItem:
    n = parse_item_ref(item)
    async with store.read() as s:
        found = await s.get(ActionItem, n)
    if found is None:
        raise NotFound(f"no action item {item_ref(n)} (see warroom actions list --all).")
    return found


# --- writing --------------------------------------------------------------------------


async def _locked_incident(s: AsyncSession, incident_id: int) -> Incident:
    q = select(Incident).where(Incident.id == incident_id).with_for_update()  # type: ignore[arg-type]
    inc = (await s.execute(q)).scalar_one_or_none()
    if inc is None:
        raise NotFound(f"no incident {ref_for(incident_id)} in this database (see warroom list).")
    return inc


async def _record(commands: Commands, s: AsyncSession, inc: Incident, text: str) -> None:
    now = commands.now()
    await timeline.append(
        s, inc, at=now, recorded_at=now, author=commands.actor, kind="action", text=text
    )
    record_change(s, inc.id, "action", now)


def _today(commands: Commands) -> date:
    return local_today(commands.now(), commands.tz)


def _future_due(due: str | date, today: date) -> date:
    value = parse_due(due, today)
    if value < today:
        raise BadInput(
            f"due date {value.isoformat()} is in the past (today is {today.isoformat()}); "
            "give today or a later date."
        )
    return value


def _describe(item: ActionItem) -> str:
    bits = [item.priority, item.kind]
    bits.append(f"owner {item.owner}" if item.owner else "no owner yet")
    bits.append(f"due {item.due.isoformat()}" if item.due else "no due date yet")
    return ", ".join(bits)


async def add_action(
    commands: Commands,
    ref: str,
    title: str,
    *,
    kind: str = "preventive",
    owner: str | None = None,
    priority: str = "P2",
    due: str | date | None = None,
) -> ActionItem:
    """Add an action item to incident ``ref``. Owner and due date may follow later
    (the console's ``/action TEXT`` captures just the title during the incident)."""
    title = check_line(title, "action item title", MAX_ACTION_TITLE)
    kind = kind_id(kind)
    priority = priority_id(priority)
    who = owner_name(commands.policies, owner) if owner else None
    when = _future_due(due, _today(commands)) if due is not None else None
    n = parse_ref(ref)

    async def work(s: AsyncSession) -> ActionItem:
        inc = await _locked_incident(s, n)
        item = ActionItem(
            incident_id=inc.id,
            title=title,
            kind=kind,
            owner=who,
            priority=priority,
            due=when,
            status="open",
            created_by=commands.actor,
            created_at=commands.now(),
        )
        s.add(item)
        await s.flush()
        await _record(
            commands, s, inc, f"Action item {item_ref(item.id)} added: {title} ({_describe(item)})"
        )
        return item

    return await commands.store.transaction(work)


async def update_action(
    commands: Commands,
    item: str | int,
    *,
    title: str | None = None,
    kind: str | None = None,
    owner: str | None = None,
    priority: str | None = None,
    due: str | date | None = None,
    status: str | None = None,
    reason: str | None = None,
) -> ActionItem:
    """Change some fields of an action item; the timeline says what changed."""
    n = parse_item_ref(item)
    new: dict[str, Any] = {}
    if title is not None:
        new["title"] = check_line(title, "action item title", MAX_ACTION_TITLE)
    if kind is not None:
        new["kind"] = kind_id(kind)
    if owner is not None:
        new["owner"] = owner_name(commands.policies, owner)
    if priority is not None:
        new["priority"] = priority_id(priority)
    if due is not None:
        new["due"] = _future_due(due, _today(commands))
    if status is not None:
        new["status"] = status_id(status)
    if reason is not None:
        new["reason"] = check_line(reason, "reason", MAX_REASON)
    if not new:
        raise BadInput(
            "nothing to change: give --title, --kind, --owner, --priority, --due, "
            "--status or --reason."
        )
    if new.get("status") == "wont_do" and "reason" not in new:
        raise BadInput(
            "won't do needs a reason (--reason), so the review knows why it was dropped."
        )
    if "reason" in new and new.setdefault("status", "wont_do") != "wont_do":
        raise BadInput("a reason goes with won't do (--status wont_do) only.")

    async def work(s: AsyncSession) -> ActionItem:
        found = await s.get(ActionItem, n)
        if found is None:
            raise NotFound(f"no action item {item_ref(n)} (see warroom actions list --all).")
        inc = await _locked_incident(s, found.incident_id)  # type: ignore[arg-type]
        if new.get("status") == found.status and found.status != "wont_do":
            raise BadInput(
                f"{item_ref(n)} is already {STATUS_LABELS[found.status]}; nothing changed."
            )
        status_changed = new.get("status", found.status) != found.status
        changes = []
        for field, value in new.items():
            old = getattr(found, field)
            if old == value:
                continue
            shown = STATUS_LABELS.get(value, value) if field == "status" else value
            was = STATUS_LABELS.get(old, old) if field == "status" else old
            if isinstance(value, date):
                shown, was = value.isoformat(), old.isoformat() if old else "none"
            changes.append(f"{field} {was or 'none'} -> {shown}")
            setattr(found, field, value)
        if not changes:
            raise BadInput(f"{item_ref(n)} already has those values; nothing changed.")
        if status_changed:
            if found.status in ("done", "wont_do"):
                found.completed_at = commands.now()
            else:
                found.completed_at = None
            if found.status != "wont_do":
                found.reason = None
        await _record(
            commands,
            s,
            inc,
            f"Action item {item_ref(n)} updated ({found.title}): {'; '.join(changes)}",
        )
        return found

    return await commands.store.transaction(work)


async def complete_action(commands: Commands, item: str | int) -> ActionItem:
    """Mark an action item done (``actions done``)."""
    n = parse_item_ref(item)

    async def work(s: AsyncSession) -> ActionItem:
        found = await s.get(ActionItem, n)
        if found is None:
            raise NotFound(f"no action item {item_ref(n)} (see warroom actions list --all).")
        if found.status == "done":
            raise BadInput(f"{item_ref(n)} is already done; nothing changed.")
        inc = await _locked_incident(s, found.incident_id)  # type: ignore[arg-type]
        found.status = "done"
        found.reason = None
        found.completed_at = commands.now()
        await _record(commands, s, inc, f"Action item {item_ref(n)} done: {found.title}")
        return found

    return await commands.store.transaction(work)
