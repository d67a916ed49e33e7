"""The monthly review of action items (Markdown): what is still open, what is late,
who owns what, what got done in the month, and which post-mortems are overdue."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo

from sqlalchemy import select

from warroom.errors import BadInput
from warroom.incident.actions import (
    STATUS_LABELS,
    action_stats,
    days_overdue,
    done_on_time,
    is_open,
    is_overdue,
    item_ref,
    local_today,
    sort_key,
)
from warroom.incident.refs import ref_for
from warroom.models import ActionItem, Incident
from warroom.policy import Policies
from warroom.postmortem.markdown import cell, inline
from warroom.postmortem.overview import pending_postmortems
from warroom.store import Store

_MONTH = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")


def parse_month(text: str | None, today: date) -> date:
    """``YYYY-MM`` -> the first day of that month (default: this month)."""
    if text is None:
        return today.replace(day=1)
    m = _MONTH.match(text)
    if not m or not 1 <= int(m[2]) <= 12:
        raise BadInput(f"--month {text!r} is not a month; use YYYY-MM, like 2026-03.")
    return date(int(m[1]), int(m[2]), 1)


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


async def monthly_review(
    store: Store, policies: Policies, *, month: str | None = None, tz: tzinfo = UTC
) -> str:
    now = store.clock.now()
    today = local_today(now, tz)
    first = parse_month(month, today)
    after = _next_month(first)
    start = datetime.combine(first, time(), tzinfo=tz)
    end = datetime.combine(after, time(), tzinfo=tz)
    async with store.read() as s:
        items = list((await s.execute(select(ActionItem))).scalars())
        titles = {i.id: i.title for i in (await s.execute(select(Incident))).scalars()}
    existing = [i for i in items if i.created_at < end]
    stats = action_stats(existing, today, tz)
    open_items = sorted((i for i in items if is_open(i)), key=lambda i: sort_key(i, today))
    overdue = [i for i in open_items if is_overdue(i, today)]
    created = [i for i in items if start <= i.created_at < end]
    closed = [i for i in items if i.completed_at is not None and start <= i.completed_at < end]
    done = [i for i in closed if i.status == "done"]
    goal = policies.metrics.goals.action_item_completion_rate
    label = first.strftime("%B %Y")

    def inc(i: ActionItem) -> str:
        return ref_for(i.incident_id) if i.incident_id else "-"

    lines = [
        f"# Action item review: {label}",
        "",
        f"Generated {now.astimezone(tz).strftime('%Y-%m-%d %H:%M %Z')}. "
        f"Open and overdue items are as of today ({today.isoformat()}); "
        f"created and completed counts are for {label}.",
        "",
        "## Summary",
        "",
        *_table(
            ["Figure", "Value"],
            [
                ["Open action items", str(len(open_items))],
                ["Overdue", str(len(overdue))],
                [f"Created in {label}", str(len(created))],
                [
                    f"Completed in {label}",
                    f"{len(done)} ({sum(1 for i in done if done_on_time(i, tz))} on time)",
                ],
                [f"Dropped (won't do) in {label}", str(len(closed) - len(done))],
                [
                    "Completion rate (done / all but won't do)",
                    f"{_pct(stats.completion_rate)} (goal {goal * 100:.0f}%)",
                ],
            ],
        ),
        "",
        "## Open action items (overdue first)",
        "",
    ]
    if open_items:
        lines += _table(
            ["ID", "Incident", "Action", "Owner", "Priority", "Due", "Status", "Overdue"],
            [
                [
                    item_ref(i.id),
                    cell(f"{inc(i)} {titles.get(i.incident_id, '')}".strip()),
                    cell(i.title),
                    cell(i.owner or "unassigned"),
                    i.priority,
                    i.due.isoformat() if i.due else "none",
                    STATUS_LABELS.get(i.status, i.status),
                    f"{days_overdue(i, today)} d" if is_overdue(i, today) else "",
                ]
                for i in open_items
            ],
        )
    else:
        lines.append("_No open action items._")
    owners: dict[str, list[ActionItem]] = {}
    for i in open_items:
        owners.setdefault(i.owner or "unassigned", []).append(i)
    lines += ["", "## By owner", ""]
    if owners:
        lines += _table(
            ["Owner", "Open", "Overdue", "Oldest due"],
            [
                [
                    cell(name),
                    str(len(group)),
                    str(sum(1 for i in group if is_overdue(i, today))),
                    min((i.due for i in group if i.due), default=None).isoformat()  # type: ignore[union-attr]
                    if any(i.due for i in group)
                    else "none",
                ]
                for name, group in sorted(owners.items(), key=lambda kv: kv[0].casefold())
            ],
        )
    else:
        lines.append("_Nobody has open action items._")
    lines += ["", f"## Completed in {label}", ""]
    if closed:
        lines += _table(
            ["ID", "Incident", "Action", "Owner", "Status", "Completed", "Due"],
            [
                [
                    item_ref(i.id),
                    inc(i),
                    cell(i.title if i.status == "done" else f"{i.title} (reason: {i.reason})"),
                    cell(i.owner or "unassigned"),
                    STATUS_LABELS.get(i.status, i.status),
                    i.completed_at.astimezone(tz).date().isoformat() if i.completed_at else "",
                    i.due.isoformat() if i.due else "none",
                ]
                for i in sorted(closed, key=lambda i: (i.completed_at, i.id or 0))
            ],
        )
    else:
        lines.append(f"_Nothing was completed in {label}._")
    pending = await pending_postmortems(store, policies, now)
    lines += ["", "## Post-mortems due or overdue", ""]
    if pending:
        for p in pending:
            lines.append(
                f"- {inline(p.ref)} SEV{p.severity} {inline(p.title)}: "
                f"{inline(p.deadline.label(now, tz))}"
            )
    else:
        lines.append("_None._")
    return "\n".join(lines) + "\n"
