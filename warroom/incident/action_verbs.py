"""Action-item verbs: add, update and complete an incident's action items, each in one
transaction with an ``action`` timeline entry (now, by the actor) and its change-feed
row. Parsing and the rules are in :mod:`warroom.incident.actions`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from warroom.errors import BadInput, NotFound
from warroom.incident.actions import (
    MAX_ACTION_TITLE,
    MAX_REASON,
    STATUS_LABELS,
    describe,
    future_due,
    item_ref,
    kind_id,
    local_today,
    owner_name,
    parse_item_ref,
    priority_id,
    status_id,
)
from warroom.incident.mutation import CommandScope, Mutation
from warroom.models import ActionItem
from warroom.text import check_line


class ActionVerbs(CommandScope):
    def _today(self) -> date:
        return local_today(self.now(), self.tz)

    async def add_action(
        self,
        ref: str,
        title: str,
        *,
        kind: str = "preventive",
        owner: str | None = None,
        priority: str = "P2",
        due: str | date | None = None,
    ) -> ActionItem:
        """Add an action item to incident ``ref``. The owner may follow later (the
        console's ``/action TEXT`` captures just the title during the incident); without
        a due date it is due the policy's days for its priority from today
        (``postmortem.yaml`` ``action_item_due_days``)."""
        title = check_line(title, "action item title", MAX_ACTION_TITLE)
        kind = kind_id(kind)
        priority = priority_id(priority)
        who = owner_name(self.policies, owner) if owner else None
        today = self._today()
        if due is None:
            due = today + timedelta(days=self.policies.postmortem.action_item_due_days[priority])
        when = future_due(due, today)

        async def work(m: Mutation) -> ActionItem:
            item = ActionItem(
                incident_id=m.incident_id,
                title=title,
                kind=kind,
                owner=who,
                priority=priority,
                due=when,
                status="open",
                created_by=self.actor,
                created_at=m.now,
            )
            m.session.add(item)
            await m.session.flush()
            text = f"Action item {item_ref(item.id)} added: {title} ({describe(item)})"
            await m.entry("action", text)
            return item

        return await self.mutate(ref, work)

    async def update_action(
        self,
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
            new["owner"] = owner_name(self.policies, owner)
        if priority is not None:
            new["priority"] = priority_id(priority)
        if due is not None:
            new["due"] = future_due(due, self._today())
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

        async def work(m: Mutation) -> ActionItem:
            found = await _item(m, n)
            await m.lock(found.incident_id)  # type: ignore[arg-type]
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
                found.completed_at = m.now if found.status in ("done", "wont_do") else None
                if found.status != "wont_do":
                    found.reason = None
            text = f"Action item {item_ref(n)} updated ({found.title}): {'; '.join(changes)}"
            await m.entry("action", text)
            return found

        return await self.write(work)

    async def complete_action(self, item: str | int) -> ActionItem:
        """Mark an action item done (``actions done``)."""
        n = parse_item_ref(item)

        async def work(m: Mutation) -> ActionItem:
            found = await _item(m, n)
            if found.status == "done":
                raise BadInput(f"{item_ref(n)} is already done; nothing changed.")
            await m.lock(found.incident_id)  # type: ignore[arg-type]
            found.status = "done"
            found.reason = None
            found.completed_at = m.now
            await m.entry("action", f"Action item {item_ref(n)} done: {found.title}")
            return found

        return await self.write(work)


async def _item(m: Mutation, n: int) -> ActionItem:
    found = await m.session.get(ActionItem, n)
    if found is None:
        raise NotFound(f"no action item {item_ref(n)} (see warroom actions list --all).")
    return found
