"""Action items of all incidents (or one), overdue first, in one DataTable.

The line above the table says how many are shown and overdue, and which post-mortems
are due or overdue; the filter line under it narrows the list as people type
(``owner:bob incident:INC-3 status:open,done words``, read by the core:
``warroom.incident.action_parse``). N adds an item, E edits the highlighted one, O
reassigns it (the form opens on its owner), X marks it done, P in progress; A shows
done and won't-do items too; M only yours; Enter opens the post-mortem of the item's
incident; ctrl+f or / the filter line. While the filter line has focus every
printable key types.

The columns fit the width (at 80 the kind is left out and late items say ``12d
LATE``); the Action column takes what is left and ends with an ellipsis when cut.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Footer, Input, Static

from screens.base import ConsoleScreen
from screens.messages import Changes
from warroom.errors import WarroomError
from warroom.incident.action_parse import ActionFilter, parse_action_filter
from warroom.incident.actions import (
    STATUS_LABELS,
    days_overdue,
    is_open,
    is_overdue,
    item_ref,
    list_actions,
    local_today,
)
from warroom.incident.refs import ref_for
from warroom.models import ActionItem
from warroom.postmortem.overview import PendingPostmortem, pending_postmortems
from warroom.text import printable
from widgets.safe_text import SafeInput

WIDE_FROM = 110
NARROW_STATUS = {"in_progress": "in prog."}
PLACEHOLDER = "filter: owner:NAME incident:INC-3 status:open,done words"


def columns(width: int) -> list[tuple[str, str, int]]:
    """(key, heading, width) of each column at ``width``; the Action column last."""
    wide = width >= WIDE_FROM
    cols = [("id", "ID", 5), ("ref", "Inc", 6), ("priority", "Pri", 3)]
    if wide:
        cols.append(("kind", "Kind", 10))
    cols += [
        ("owner", "Owner", 12 if wide else 8),
        ("due", "Due", 21 if wide else 10),
        ("status", "Status", 11 if wide else 8),
    ]
    used = sum(w for _k, _h, w in cols) + 2 * (len(cols) + 1) + 2  # padding, scrollbar
    cols.append(("title", "Action", max(10, width - used)))
    return cols


def cut(text: str, width: int) -> Text:
    """Plain text in ``width`` cells, ending with an ellipsis when cut."""
    shown = Text(printable(text), no_wrap=True, end="")
    shown.truncate(width, overflow="ellipsis")
    return shown


class ActionItemsScreen(ConsoleScreen):
    CSS_PATH = "action_items.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back", id="action_items.back"),
        Binding("n", "new", "New", id="action_items.new", tooltip="Add an action item"),
        Binding("e", "edit", "Edit", id="action_items.edit"),
        Binding("o", "reassign", "Owner", id="action_items.reassign", tooltip="Reassign"),
        Binding("x", "done", "Done", id="action_items.done"),  # d declares, anywhere
        Binding("p", "in_progress", "In progress", id="action_items.in_progress"),
        Binding("a", "toggle_all", "Show all", id="action_items.all"),
        Binding("m", "toggle_mine", "Mine", id="action_items.mine"),
        Binding("enter", "open_postmortem", "Post-mortem", id="action_items.postmortem"),
        Binding(
            "ctrl+f,slash", "focus_filter", "Filter", id="action_items.filter", key_display="/"
        ),
    ]

    def __init__(self, incident_id: int | None = None) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.show_all = False
        self.mine = False
        self.everything: list[ActionItem] = []
        self.items: list[ActionItem] = []
        self.pending: list[PendingPostmortem] = []
        self.filter = ActionFilter()
        self.problem: str | None = None
        self._width = 0

    def compose(self) -> ComposeResult:
        yield Static(Content("Action items: loading"), id="ai-summary")
        yield SafeInput(placeholder=PLACEHOLDER, id="ai-filter", compact=True)
        yield DataTable(id="ai-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.reload()

    def concerns(self, changes: Changes) -> bool:
        return self.incident_id is None or changes.touches(self.incident_id)

    async def load(self) -> None:
        app = self.wapp
        today = local_today(app.clock.now(), app.tz)
        self.everything = await list_actions(
            app.store,
            today=today,
            include_closed=True,
            incident=ref_for(self.incident_id) if self.incident_id else None,
        )
        self.pending = await pending_postmortems(app.store, app.policies)
        self._show()

    # --- filtering -------------------------------------------------------------------

    @on(Input.Changed, "#ai-filter")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._show()

    @on(Input.Submitted, "#ai-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(DataTable).focus()

    def _kept(self, item: ActionItem) -> bool:
        f = self.filter
        if self.mine and (item.owner or "").casefold() != self.wapp.actor.casefold():
            return False
        if not (self.show_all or f.statuses or is_open(item)):
            return False
        return f.keeps(item)

    def on_resize(self) -> None:
        if self.everything or self._width:
            self._show()

    # --- showing ---------------------------------------------------------------------

    def _show(self) -> None:
        app = self.wapp
        today = local_today(app.clock.now(), app.tz)
        try:
            self.filter = parse_action_filter(self.query_one("#ai-filter", Input).value)
            self.problem = None
        except WarroomError as err:
            self.problem = err.message
        self.items = [i for i in self.everything if self._kept(i)]
        table = self.query_one(DataTable)
        width = table.size.width or self.size.width
        cols = columns(width)
        selected = self.selected()
        if width != self._width or not table.columns:
            self._width = width
            table.clear(columns=True)
            for key, heading, w in cols:
                table.add_column(heading, width=w, key=key)
        else:
            table.clear()
        wide = any(k == "kind" for k, _h, _w in cols)
        title_width = cols[-1][2]
        for i in self.items:
            table.add_row(*self._cells(i, today, wide, title_width), key=str(i.id))
        if self.items:
            ids = [i.id for i in self.items]
            keep = ids.index(selected.id) if selected is not None and selected.id in ids else 0
            table.move_cursor(row=keep)
        self._summary(today)
        self.refresh_bindings()

    def _cells(self, i: ActionItem, today: date, wide: bool, title_width: int) -> list[Text]:
        late = is_overdue(i, today)
        due = i.due.isoformat() if i.due else "-"
        if late:
            due = (
                f"{due} ({days_overdue(i, today)}d late)"
                if wide
                else f"{days_overdue(i, today)}d LATE"
            )
        status = STATUS_LABELS.get(i.status, i.status)
        cells = [
            Text(item_ref(i.id)),
            Text(ref_for(i.incident_id or 0)),
            Text(i.priority, style="bold" if i.priority == "P1" else ""),
        ]
        if wide:
            cells.append(Text(i.kind))
        cells += [
            cut(i.owner or "(none)", 12 if wide else 8),
            Text(due, style="bold red" if late else ""),
            Text(status if wide else NARROW_STATUS.get(i.status, status)),
            cut(i.title, title_width),
        ]
        return cells

    def _summary(self, today: date) -> None:
        overdue = sum(1 for i in self.items if is_overdue(i, today))
        scope = ref_for(self.incident_id) if self.incident_id else "all incidents"
        parts = [
            f"Action items of {scope}" + (" (yours)" if self.mine else ""),
            f"{len(self.items)} shown",
            f"{overdue} overdue",
        ]
        if not self.filter.empty:
            parts.append(f"filter: {self.filter.describe()}")
        if self.problem:
            parts.append(f"filter not read: {self.problem}")
        late_pm = [p for p in self.pending if p.deadline.overdue]
        if late_pm:
            parts.append("post-mortems overdue: " + ", ".join(p.ref for p in late_pm))
        due_pm = [p for p in self.pending if not p.deadline.overdue]
        if due_pm:
            parts.append("post-mortems due: " + ", ".join(p.ref for p in due_pm))
        self.query_one("#ai-summary", Static).update(Content("  ·  ".join(parts)))

    def selected(self) -> ActionItem | None:
        table = self.query_one(DataTable)
        if not self.items or not table.row_count:
            return None
        row = table.cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    # --- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit", "reassign", "done", "in_progress", "open_postmortem"):
            return bool(self.items)
        return True

    def action_back(self) -> None:
        self.dismiss(None)

    def action_focus_filter(self) -> None:
        self.query_one("#ai-filter", Input).focus()

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self._show()

    def action_toggle_mine(self) -> None:
        self.mine = not self.mine
        self._show()

    def _people(self) -> list[str]:
        roster = self.wapp.roster
        return [p.name for p in roster.people] if roster else []

    def _form(self, **kw: object) -> None:
        from screens.action_item_form import ActionItemForm

        def saved(item: ActionItem | None) -> None:
            if item is not None:
                self.notify(f"{item_ref(item.id)} saved.", title="Action items", markup=False)
                self.reload()

        self.app.push_screen(ActionItemForm(people=self._people(), **kw), saved)  # type: ignore[arg-type]

    def action_new(self) -> None:
        current = self.selected()
        incident = self.incident_id or (current.incident_id if current else None)
        self._form(incident_id=incident)

    def action_edit(self) -> None:
        item = self.selected()
        if item is not None:
            self._form(item=item)

    def action_reassign(self) -> None:
        item = self.selected()
        if item is not None:
            self._form(item=item, focus="owner")

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
