"""The history: every incident (open, resolved, closed), newest first, filtered.

One summary line, the filter line (``sev:1,2 status:resolved ic:alice since:30d
until:2026-03-01 words``: read by the core, ``warroom.incident.history``) and the
list (``widgets.incident_history``, line-rendered) with each incident's post-mortem
status and deadline. The list is filtered as people type, without a new read; a
filter the core cannot read is named in the summary line and the list stays as it was.

Keys: Enter opens the war room (read-only for a resolved or closed incident), P its
post-mortem, ctrl+f or / the filter line (Enter there goes back to the list), Escape
back. While the filter line has focus, every printable key types.
"""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Footer, Input, Static

from screens.base import ConsoleScreen
from warroom.durations import short
from warroom.errors import WarroomError
from warroom.incident.actions import local_today
from warroom.incident.history import HistoryFilter, HistoryRow, load_history, parse_filter
from widgets.incident_history import HistoryLine, IncidentHistory
from widgets.safe_text import SafeInput

PLACEHOLDER = "filter: sev:1,2 status:resolved ic:NAME since:30d until:YYYY-MM-DD words"
NARROW_PM = {"Final": "Final", "In Review": "Review", "Draft": "Draft", "not started": "Unstarted"}


def days_or_short(minutes: float) -> str:
    """``22d`` from a day on (the narrow column), else ``5h30m``."""
    return f"{int(minutes // 1440)}d" if minutes >= 1440 else short(minutes)


def postmortem_cells(row: HistoryRow, now: datetime) -> tuple[str, str, bool]:
    """The post-mortem column, narrow and wide, and whether it is past its deadline."""
    d = row.deadline
    narrow = NARROW_PM.get(row.postmortem, row.postmortem)
    wide = row.postmortem[:1].upper() + row.postmortem[1:]
    if d.state == "overdue" and d.due_at is not None:
        late = (now - d.due_at).total_seconds() / 60
        return f"{narrow} LATE {days_or_short(late)}", f"{wide} · OVERDUE {short(late)}", True
    if d.state == "due" and d.due_at is not None:
        left = (d.due_at - now).total_seconds() / 60
        return f"{narrow} due {days_or_short(left)}", f"{wide} · due in {short(left)}", False
    if d.state == "done":
        return (
            ("Final" if d.on_time is not False else "Final late"),
            ("Final" if d.on_time is not False else "Final (after its deadline)"),
            False,
        )
    if d.state == "pending":
        return "-", "after resolution", False
    return (narrow if row.postmortem != "not started" else "-"), wide + " · no deadline", False


class HistoryScreen(ConsoleScreen):
    CSS_PATH = "history.tcss"
    LOAD_FAILED = ("Cannot read the history", "")
    BINDINGS = [
        Binding("escape", "back", "Back", id="history.back"),
        Binding("ctrl+f,slash", "focus_filter", "Filter", id="history.filter", key_display="/"),
        Binding("p", "postmortem", "Post-mortem", id="history.postmortem"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[HistoryRow] = []
        self.filter = HistoryFilter()
        self.problem: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content("History: loading"), id="history-summary")
        yield SafeInput(placeholder=PLACEHOLDER, id="history-filter")
        yield IncidentHistory(self.wapp.tz, id="history-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(IncidentHistory).focus()
        self.reload()

    async def load(self) -> None:
        app = self.wapp
        self.rows = await load_history(app.store, app.policies, app.clock.now())
        self._refilter()

    # --- filtering -------------------------------------------------------------------

    @on(Input.Changed, "#history-filter")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._refilter()

    @on(Input.Submitted, "#history-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(IncidentHistory).focus()

    def _refilter(self) -> None:
        app = self.wapp
        now = app.clock.now()
        text = self.query_one("#history-filter", Input).value
        try:
            self.filter = parse_filter(text, today=local_today(now, app.tz), tz=app.tz)
            self.problem = None
        except WarroomError as err:
            self.problem = err.message  # the list keeps the last filter that could be read
        shown = [r for r in self.rows if self.filter.keeps(r)]
        lines = []
        for r in shown:
            narrow, wide, late = postmortem_cells(r, now)
            inc = r.incident
            lines.append(
                HistoryLine(
                    r.incident_id,
                    r.ref,
                    inc.severity,
                    inc.status,
                    inc.declared_at,
                    inc.title,
                    r.ic,
                    narrow,
                    wide,
                    late,
                )
            )
        empty = "No incident yet." if not self.rows else "No incident matches the filter."
        self.query_one(IncidentHistory).show(lines, empty)
        parts = [f"History: {len(shown)} of {len(self.rows)} incidents, newest first"]
        if not self.filter.empty:
            parts.append(f"showing {self.filter.describe()}")
        if self.problem:
            parts.append(f"filter not read: {self.problem}")
        summary = self.query_one("#history-summary", Static)
        summary.update(Content("  ·  ".join(parts)))
        summary.set_class(self.problem is not None, "-problem")
        self.refresh_bindings()

    # --- actions ---------------------------------------------------------------------

    def _selected(self) -> HistoryRow | None:
        line = self.query_one(IncidentHistory).current
        if line is None:
            return None
        return next((r for r in self.rows if r.incident_id == line.incident_id), None)

    @on(IncidentHistory.Chosen)
    def _chosen(self, event: IncidentHistory.Chosen) -> None:
        event.stop()
        row = next((r for r in self.rows if r.incident_id == event.incident_id), None)
        if row is not None and row.past:
            self.wapp.open_past_incident(row.incident_id)
        elif row is not None:
            self.wapp.open_incident(row.incident_id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "postmortem":
            return self.query_one(IncidentHistory).current is not None
        return True

    def action_back(self) -> None:
        self.dismiss(None)

    def action_focus_filter(self) -> None:
        self.query_one("#history-filter", Input).focus()

    def action_postmortem(self) -> None:
        row = self._selected()
        if row is not None:
            self.wapp.open_postmortem(row.incident_id)
