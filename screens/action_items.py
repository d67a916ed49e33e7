"""Action items of all incidents (or one), overdue first, in one DataTable.

The line above the table says how many are open and overdue, and which
post-mortems are due or overdue. D marks the highlighted item done, P in
progress; A shows done and won't-do items too; M only yours; Enter opens the
post-mortem of the item's incident.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Footer, Static

from screens.base import ConsoleScreen
from screens.messages import Changes
from warroom.errors import WarroomError
from warroom.incident.actions import (
    STATUS_LABELS,
    days_overdue,
    is_overdue,
    item_ref,
    list_actions,
    local_today,
)
from warroom.incident.refs import ref_for
from warroom.models import ActionItem
from warroom.postmortem.overview import PendingPostmortem, pending_postmortems
from warroom.text import printable

COLUMNS = (
    ("id", "ID"),
    ("ref", "Incident"),
    ("priority", "Pri"),
    ("kind", "Kind"),
    ("owner", "Owner"),
    ("due", "Due"),
    ("status", "Status"),
    ("title", "Action"),
)


class ActionItemsScreen(ConsoleScreen):
    CSS_PATH = "action_items.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back", id="action_items.back"),
        Binding("x", "done", "Done", id="action_items.done"),  # d declares, anywhere
        Binding("p", "in_progress", "In progress", id="action_items.in_progress"),
        Binding("a", "toggle_all", "Show all", id="action_items.all"),
        Binding("m", "toggle_mine", "Mine", id="action_items.mine"),
        Binding("enter", "open_postmortem", "Post-mortem", id="action_items.postmortem"),
    ]

    def __init__(self, incident_id: int | None = None) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.show_all = False
        self.mine = False
        self.items: list[ActionItem] = []
        self.pending: list[PendingPostmortem] = []

    def compose(self) -> ComposeResult:
        yield Static(Content("Action items: loading"), id="ai-summary")
        yield DataTable(id="ai-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        table.focus()
        self.reload()

    def concerns(self, changes: Changes) -> bool:
        return self.incident_id is None or changes.touches(self.incident_id)

    async def load(self) -> None:
        app = self.wapp
        today = local_today(app.clock.now(), app.tz)
        items = await list_actions(
            app.store,
            today=today,
            owner=app.actor if self.mine else None,
            include_closed=self.show_all,
            incident=ref_for(self.incident_id) if self.incident_id else None,
        )
        pending = await pending_postmortems(app.store, app.policies)
        self.items, self.pending = items, pending
        self._show()

    def _show(self) -> None:
        app = self.wapp
        now = app.clock.now()
        today = local_today(now, app.tz)
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for i in self.items:
            late = is_overdue(i, today)
            due = i.due.isoformat() if i.due else "-"
            if late:
                due += f" ({days_overdue(i, today)}d late)"
            table.add_row(
                Text(item_ref(i.id)),
                Text(ref_for(i.incident_id or 0)),
                Text(i.priority, style="bold" if i.priority == "P1" else ""),
                Text(i.kind),
                Text(printable(i.owner or "(none)")),
                Text(due, style="bold red" if late else ""),
                Text(STATUS_LABELS.get(i.status, i.status)),
                Text(printable(i.title)),
                key=str(i.id),
            )
        if self.items:
            table.move_cursor(row=min(keep, len(self.items) - 1))
        overdue = sum(1 for i in self.items if is_overdue(i, today))
        scope = ref_for(self.incident_id) if self.incident_id else "all incidents"
        parts = [
            f"Action items of {scope}" + (" (yours)" if self.mine else ""),
            f"{len(self.items)} shown",
            f"{overdue} overdue",
        ]
        late_pm = [p for p in self.pending if p.deadline.overdue]
        if late_pm:
            parts.append("post-mortems overdue: " + ", ".join(p.ref for p in late_pm))
        due_pm = [p for p in self.pending if not p.deadline.overdue]
        if due_pm:
            parts.append("post-mortems due: " + ", ".join(p.ref for p in due_pm))
        self.query_one("#ai-summary", Static).update(Content("  ·  ".join(parts)))

    def selected(self) -> ActionItem | None:
        table = self.query_one(DataTable)
        if not self.items or table.cursor_row < 0 or table.cursor_row >= len(self.items):
            return None
        return self.items[table.cursor_row]

    # --- actions ---------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self.reload()

    def action_toggle_mine(self) -> None:
        self.mine = not self.mine
        self.reload()

    def action_done(self) -> None:
        item = self.selected()
        if item is not None:
            self._change(item.id or 0, "done")

    def action_in_progress(self) -> None:
        item = self.selected()
        if item is not None:
            self._change(item.id or 0, "in_progress")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_postmortem()

    def action_open_postmortem(self) -> None:
        item = self.selected()
        if item is None or item.incident_id is None:
            return
        self.wapp.open_postmortem(item.incident_id)

    # Not exclusive: a second key press must not cancel the first write half-way.
    @work(group="action-items-change", exit_on_error=False)
    async def _change(self, item_id: int, status: str) -> None:
        app = self.wapp
        try:
            if status == "done":
                item = await app.commands.complete_action(item_id)
            else:
                item = await app.commands.update_action(item_id, status=status)
        except WarroomError as err:
            self.report(err, "Not changed")
            return
        self.notify(f"{item_ref(item.id)} is {STATUS_LABELS[item.status]}.")
        self.reload()
