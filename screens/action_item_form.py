"""Add or edit one action item: title, owner (completed from the roster), due date
(``+7d``, ``YYYY-MM-DD``, or empty: the policy's default for the priority), priority,
kind, and (editing) status with the reason of a won't do.

The form writes through the command layer itself (``add_action`` / ``update_action``),
so a refusal (an unknown owner, a date in the past) is said in the form and what was
typed stays. Enter or ctrl+s saves, Escape cancels. It opens with the cursor in its
first field to write (the owner when it was opened to reassign). Dismissed with the
saved item, or None.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.suggester import SuggestFromList
from textual.widgets import Footer, Input, Label, Select, Static

from screens.base import ConsoleModal
from warroom.errors import WarroomError
from warroom.incident.actions import KINDS, PRIORITIES, STATUS_LABELS, STATUSES, item_ref
from warroom.incident.refs import ref_for
from warroom.models import ActionItem
from warroom.text import printable
from widgets.safe_text import SafeInput


def _choice(
    options: list[tuple[str, str]], value: str, id: str, *, disabled: bool = False
) -> Select[str]:
    """One of the form's fixed-choice fields (never blank)."""
    return Select(options, value=value, allow_blank=False, id=id, compact=True, disabled=disabled)


class ActionItemForm(ConsoleModal[ActionItem | None]):
    CSS_PATH = "action_item_form.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="action_item_form.cancel"),
        Binding("ctrl+s", "save", "Save", id="action_item_form.save", priority=True),
    ]

    def __init__(
        self,
        *,
        item: ActionItem | None = None,
        incident_id: int | None = None,
        people: list[str] | None = None,
        focus: str = "title",
    ) -> None:
        super().__init__()
        self.item = item
        self.incident_id = item.incident_id if item is not None else incident_id
        self.people = people or []
        self.first = focus

    # --- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        item = self.item
        days = self.wapp.policies.postmortem.action_item_due_days
        with Vertical(id="ai-form") as box:
            box.border_title = (
                f"Edit {item_ref(item.id)}" if item is not None else "New action item"
            )
            with Grid(id="ai-form-grid"):
                yield Label("Incident")
                yield SafeInput(
                    ref_for(self.incident_id) if self.incident_id else "",
                    placeholder="INC-3",
                    id="ai-incident",
                    compact=True,
                    disabled=item is not None,
                )
                yield Label("Action")
                yield SafeInput(
                    item.title if item else "",
                    placeholder="what to change so this does not happen again",
                    id="ai-title",
                    compact=True,
                )
                yield Label("Owner")
                yield SafeInput(
                    item.owner or "" if item else "",
                    placeholder="a name from the roster (Right takes the suggestion)",
                    suggester=SuggestFromList(self.people, case_sensitive=False),
                    id="ai-owner",
                    compact=True,
                )
                yield Label("Due")
                hint = ", ".join(f"{p} +{d}d" for p, d in days.items())
                yield SafeInput(
                    item.due.isoformat() if item and item.due else "",
                    placeholder=f"+7d or YYYY-MM-DD; empty: {hint}",
                    id="ai-due",
                    compact=True,
                )
                yield Label("Priority")
                yield _choice(
                    [(p, p) for p in PRIORITIES], item.priority if item else "P2", "ai-priority"
                )
                yield Label("Kind")
                yield _choice(
                    [(k, k) for k in KINDS], item.kind if item else "preventive", "ai-kind"
                )
                yield Label("Status")
                yield _choice(
                    [(STATUS_LABELS[s], s) for s in STATUSES],
                    item.status if item else "open",
                    "ai-status",
                    disabled=item is None,
                )
                yield Label("Reason")
                yield SafeInput(
                    item.reason or "" if item else "",
                    placeholder="why it will not be done (won't do only)",
                    id="ai-reason",
                    compact=True,
                )
            yield Static(
                Content("Enter or ctrl+s saves · Tab moves · Escape cancels"), id="ai-form-hint"
            )
            yield Static(Content(""), id="ai-form-error")
        yield Footer()

    def on_mount(self) -> None:
        first = {"owner": "#ai-owner", "title": "#ai-title"}.get(self.first, "#ai-title")
        if self.item is None and not self.incident_id:
            first = "#ai-incident"
        self.query_one(first).focus()

    # --- values ----------------------------------------------------------------------

    def _text(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def _choice(self, widget_id: str) -> str:
        return str(self.query_one(f"#{widget_id}", Select).value)

    def _say(self, message: str) -> None:
        self.query_one("#ai-form-error", Static).update(Text(printable(message), style="bold"))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        self._save()

    @work(exclusive=True, group="action-item-form", exit_on_error=False)
    async def _save(self) -> None:
        commands = self.wapp.commands
        title, owner, due = self._text("ai-title"), self._text("ai-owner"), self._text("ai-due")
        priority, kind = self._choice("ai-priority"), self._choice("ai-kind")
        try:
            if self.item is None:
                ref = self._text("ai-incident")
                if not ref:
                    self._say("Say which incident the action item belongs to (INC-3).")
                    return
                saved = await commands.add_action(
                    ref, title, kind=kind, owner=owner or None, priority=priority, due=due or None
                )
            else:
                changes = self._changes()
                if not changes:
                    self._say("Nothing changed: edit a field first, or Escape.")
                    return
                saved = await commands.update_action(self.item.id or 0, **changes)
        except WarroomError as err:
            self._say(err.message)
            return
        self.dismiss(saved)

    def _changes(self) -> dict[str, Any]:
        """The fields that differ from the item as it was loaded (only those are sent)."""
        item = self.item
        assert item is not None
        new: dict[str, Any] = {}
        title, owner, due = self._text("ai-title"), self._text("ai-owner"), self._text("ai-due")
        if title != item.title:
            new["title"] = title
        if owner and owner != (item.owner or ""):
            new["owner"] = owner
        if due and due != (item.due.isoformat() if item.due else ""):
            new["due"] = due
        for field in ("priority", "kind", "status"):
            value = self._choice(f"ai-{field}")
            if value != getattr(item, field):
                new[field] = value
        reason = self._text("ai-reason")
        if reason and reason != (item.reason or ""):
            new["reason"] = reason
        return new
