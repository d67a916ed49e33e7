"""The home screen: the board of open incidents, who is on call, and a welcome.

Open incidents are one DataTable (line-rendered): reference, severity (text and
colour), phase, title, IC, time since declared and the next escalation in mm:ss.
Enter opens the war room of the highlighted incident.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static

from screens.base import ConsoleScreen
from warroom.durations import countdown, human_duration
from warroom.incident.actions import local_today
from warroom.incident.board import (
    Board,
    BoardRow,
    FollowUps,
    load_board,
    next_escalation,
    on_call_now,
)
from warroom.models import OncallOverride
from warroom.policy.roster import Roster
from warroom.text import printable
from widgets.banner import Banner
from widgets.severity_text import severity_text

# Column ids and their widths; the title takes what is left.
FIXED = {"ref": 6, "sev": 6, "phase": 9, "ic": 8, "declared": 8, "next": 9}
WIDE_NEXT = 26  # room for the step's action when the terminal is wide
WIDE_FROM = 110
HEADINGS = {
    "ref": "Ref",
    "sev": "Sev",
    "phase": "Phase",
    "title": "Title",
    "ic": "IC",
    "declared": "Declared",
    "next": "Escalates",
}
ORDER = ("ref", "sev", "phase", "title", "ic", "declared", "next")


def welcome_text(empty_database: bool) -> Text:
    key = "bold reverse"
    if empty_database:
        return Text.assemble(
            ("Welcome to warroom.\n\n", "bold"),
            "No incidents yet. When something breaks:\n\n",
            ("  d  ", key),
            "  declare an incident (title, severity, incident commander)\n",
            ("  ?  ", key),
            "  every key, on every screen\n",
            (" ^p  ", key),
            "  the command palette: every action by name\n\n",
            "New here? Run ",
            ("warroom demo", "bold"),
            " for a console on a separate demo database\n"
            "with a SEV1 in the middle of its mitigation.",
        )
    return Text.assemble(
        ("No open incidents.\n\n", "bold"),
        ("  d  ", key),
        "  declare an incident\n",
        ("  l  ", key),
        "  the history: every incident, resolved and closed too\n",
        ("  ?  ", key),
        "  help",
    )


def oncall_text(
    roster: Roster | None, now: datetime, tz: tzinfo, overrides: Sequence[OncallOverride] = ()
) -> Text | None:
    if roster is None:
        return None
    shifts = on_call_now(roster, now, overrides)
    if not shifts:
        return Text("On call: no rotation has started yet.")
    text = Text("On call: ", style="bold")
    for i, s in enumerate(shifts):
        if i:
            text.append(" · ")
        text.append(printable(s.person), style="bold")
        text.append(f" ({s.kind})")
    ends = {s.ends_at for s in shifts}
    if len(ends) == 1:
        text.append(f" · handoff {min(ends).astimezone(tz):%a %d %b %H:%M}", style="dim")
    return text


def followups_text(followups: FollowUps | None, now: datetime, limit: int = 3) -> Text | None:
    """'Post-mortems: INC-3 overdue 1d 2h · INC-9 due in 20h 00m  Action items: 2 overdue'."""
    if followups is None or (not followups.postmortems and not followups.open_actions):
        return None
    line = Text()
    if followups.postmortems:
        line.append("Post-mortems: ", style="bold")
        for i, pm in enumerate(followups.postmortems[:limit]):
            if i:
                line.append(" · ")
            due = pm.deadline.due_at
            if pm.deadline.overdue and due is not None:
                line.append(f"{pm.ref} OVERDUE {human_duration(now - due)}", style="bold red")
            elif due is not None:
                line.append(f"{pm.ref} due in {human_duration(due - now)}")
        more = len(followups.postmortems) - limit
        if more > 0:
            line.append(f" (+{more} more)")
        line.append("   ")
    if followups.open_actions:
        line.append("Action items: ", style="bold")
        if followups.overdue_actions:
            line.append(f"{followups.overdue_actions} OVERDUE", style="bold red")
            line.append(f" of {followups.open_actions} open (a)")
        else:
            line.append(f"{followups.open_actions} open, none overdue (a)")
    return line


class HomeScreen(ConsoleScreen):
    """Open incidents, most severe first."""

    CSS_PATH = "home.tcss"
    LOAD_FAILED = ("", "Could not read incidents: ")
    BINDINGS = [
        Binding("enter", "open_selected", "Open", id="home.open", priority=True),
        Binding("r", "reload", "Refresh", id="home.refresh", show=False),
        # The App's history key (same id: one keymap line moves both), shown here.
        Binding("l", "app.history", "History", id="app.history"),
        Binding("q", "app.quit", "Quit", id="home.quit"),
        Binding(
            "ctrl+y",
            "dismiss_banner",
            "Seen",
            id="home.dismiss_banner",
            tooltip="Mark the newest notice of the banner seen",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.board: Board | None = None
        self._wide: bool | None = None
        self._title_width = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Banner(dismiss="home.dismiss_banner", id="banner")
        yield Static(id="oncall", markup=False)
        yield Static(id="followups", markup=False)
        with Vertical(id="board"):
            yield Static(id="welcome", markup=False)
            yield DataTable(id="incidents", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#incidents", DataTable).border_title = "Open incidents"
        self.query_one("#welcome").display = False
        self.query_one("#oncall").display = self.wapp.roster is not None
        self.query_one("#followups").display = False
        self.set_interval(1.0, self.tick, name="home-tick")
        self.reload()

    # --- data ------------------------------------------------------------------------

    async def load(self) -> None:
        self.board = await load_board(
            self.wapp.store,
            policies=self.wapp.policies,
            today=local_today(self.wapp.clock.now(), self.wapp.tz),
        )
        self.rebuild()
        self.refresh_bindings()  # "Open" only shows when there is something to open
        self.call_after_refresh(self.wapp.first_paint_done)  # then the start-up work

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_selected":
            return bool(self.board and self.board.rows)
        if action == "dismiss_banner":
            return any(b.showing for b in self.query(Banner))
        return True

    def action_dismiss_banner(self) -> None:
        self.wapp.attention.dismiss()

    def on_resize(self) -> None:
        if self.board is not None:
            self.rebuild()

    # --- drawing ---------------------------------------------------------------------

    def _widths(self) -> dict[str, int]:
        width = self.size.width
        wide = width >= WIDE_FROM
        widths = dict(FIXED)
        if self.board is not None:  # references grow: INC-7, INC-1234
            refs = [len(r.incident.ref or "") for r in self.board.rows]
            widths["ref"] = max([widths["ref"], *refs])
        if wide:
            widths["next"] = WIDE_NEXT
        used = sum(widths.values()) + 2 * len(ORDER) + 3  # cell padding, border, scrollbar
        widths["title"] = max(12, width - used)
        return widths

    def rebuild(self) -> None:
        table = self.query_one("#incidents", DataTable)
        welcome = self.query_one("#welcome", Static)
        board = self.board
        if board is None:
            return
        now = self.wapp.clock.now()
        self._draw_oncall(now)
        self._draw_followups(now)
        if not board.rows:
            table.display = False
            welcome.display = True
            welcome.update(welcome_text(board.empty_database))
            return
        welcome.display = False
        table.display = True
        selected = self._selected_id()
        widths = self._widths()
        self._wide = widths["next"] == WIDE_NEXT
        self._title_width = widths["title"]
        table.clear(columns=True)
        for col in ORDER:
            table.add_column(HEADINGS[col], width=widths[col], key=col)
        for row in board.rows:
            table.add_row(*self._cells(row, now), key=str(row.incident.id))
        n = len(board.rows)
        table.border_title = f"Open incidents ({n})"
        if selected is not None:
            index = next((i for i, r in enumerate(board.rows) if r.incident.id == selected), None)
            if index is not None:
                table.move_cursor(row=index)

    def _cells(self, row: BoardRow, now: datetime) -> list[object]:
        inc = row.incident
        phase = self.wapp.policies.warroom.workflow.get(inc.phase)
        title = Text(printable(inc.title), no_wrap=True, overflow="ellipsis", end="")
        title.truncate(self._title_width, overflow="ellipsis")
        return [
            Text(inc.ref or "", style="bold"),
            severity_text(inc.severity),
            Text(phase.name if phase else printable(inc.phase)),
            title,
            Text(printable(row.ic), overflow="ellipsis") if row.ic else Text("none", "dim italic"),
            Text(human_duration(now - inc.declared_at)),
            self._next_cell(row, now),
        ]

    def _next_cell(self, row: BoardRow, now: datetime) -> Text:
        step = next_escalation(self.wapp.policies, row, now)
        if step is None:
            return Text("—", style="dim")
        if step.overdue:
            text = Text(f"DUE {countdown(now - step.due_at)}", style="bold reverse red")
        else:
            text = Text(countdown(step.due_at - now), style="bold")
        if self._wide:
            text.append(f" {printable(step.action)}", style="")
            text.truncate(WIDE_NEXT, overflow="ellipsis")
        return text

    def _draw_followups(self, now: datetime) -> None:
        widget = self.query_one("#followups", Static)
        line = followups_text(self.board.followups if self.board else None, now)
        widget.display = line is not None
        if line is not None:
            widget.update(line)

    def _draw_oncall(self, now: datetime) -> None:
        overrides = self.board.overrides if self.board else []
        line = oncall_text(self.wapp.roster, now, self.wapp.tz, overrides)
        oncall = self.query_one("#oncall", Static)
        oncall.display = line is not None
        if line is not None:
            oncall.update(line)

    def tick(self) -> None:
        """Once a second: the ages and countdowns move, nothing is reloaded."""
        board = self.board
        table = self.query_one("#incidents", DataTable)
        if board is None or not board.rows or not table.columns:
            return
        now = self.wapp.clock.now()
        for row in board.rows:
            key = str(row.incident.id)
            table.update_cell(key, "declared", Text(human_duration(now - row.incident.declared_at)))
            table.update_cell(key, "next", self._next_cell(row, now))

    # --- opening an incident -----------------------------------------------------------

    def _selected_id(self) -> int | None:
        table = self.query_one("#incidents", DataTable)
        if not table.row_count or not table.display:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(key.value) if key.value is not None else None

    @on(DataTable.RowSelected, "#incidents")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.wapp.open_incident(int(event.row_key.value))

    def action_open_selected(self) -> None:
        incident_id = self._selected_id()
        if incident_id is None:
            self.notify("No open incident to open; press d to declare one.", markup=False)
            return
        self.wapp.open_incident(incident_id)
