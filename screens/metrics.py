"""Incident metrics of the last 30 days, in the console (the figures of ``warroom metrics``).

Top: the window. Then a table per severity (mean against the target, ✓ met or ✗
missed, incidents that beat it), and under it the spread (median, p90), the severity
mix, action items, post-mortems on time, repeat incidents with their pairs, and on-call
load. Read in a worker through :func:`warroom.metrics.load_metrics`; reloaded when the
change feed moves (or later, when the screen is shown again); ``r`` refreshes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from screens.messages import DataChanged, in_view
from warroom.errors import WarroomError
from warroom.metrics import MetricsReport, load_metrics, window
from warroom.metrics.readout import (
    HEADERS,
    LEGEND,
    MISSED,
    figure_lines,
    severity_rows,
    spread_lines,
)
from warroom.text import printable

if TYPE_CHECKING:
    from screens.app import WarroomApp

FMT = "%Y-%m-%d %H:%M %Z"


class MetricsScreen(Screen[None]):
    """MTTD/MTTA/MTTM/MTTR per severity against the targets, and the other figures."""

    CSS_PATH = "metrics.tcss"
    BINDINGS = [
        Binding("r", "reload", "Refresh", id="metrics-refresh"),
        Binding("escape", "leave", "Back", id="metrics-back"),
    ]

    class MetricsLoaded(Message):
        def __init__(self, report: MetricsReport) -> None:
            super().__init__()
            self.report = report

    def __init__(self) -> None:
        super().__init__()
        self.report: MetricsReport | None = None
        self._stale = False

    @property
    def wapp(self) -> WarroomApp:
        return cast("WarroomApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(Text("Metrics: loading"), id="metrics-head")
        with VerticalScroll(id="metrics-body"):
            yield DataTable(id="metrics-table", cursor_type="row", zebra_stripes=True)
            yield Static(Text(LEGEND), id="metrics-legend")
            yield Static(Text(""), id="metrics-figures")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for h in HEADERS:
            table.add_column(h, key=h.lower())
        table.focus()
        self.action_reload()

    def on_data_changed(self, _message: DataChanged) -> None:
        if in_view(self):
            self.action_reload()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.action_reload()

    def action_reload(self) -> None:
        self._load()

    def action_leave(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="metrics-load", exit_on_error=False)
    async def _load(self) -> None:
        app = self.wapp
        try:
            span = window(app.clock.now())
            report = await load_metrics(app.store, app.policies, span, tz=app.tz, roster=app.roster)
        except Exception as err:  # the console keeps running; say what went wrong
            why = err.message if isinstance(err, WarroomError) else f"{type(err).__name__}: {err}"
            self.notify(printable(why), title="Cannot load metrics", severity="error", markup=False)
            return
        self.post_message(self.MetricsLoaded(report))

    def on_metrics_screen_metrics_loaded(self, message: MetricsLoaded) -> None:
        self.report = message.report
        self._show(message.report)

    def _show(self, report: MetricsReport) -> None:
        tz = self.wapp.tz
        w = report.window
        n = report.count
        self.query_one("#metrics-head", Static).update(
            Text(
                f"Metrics, last 30 days: {w.since.astimezone(tz):{FMT}} to "
                f"{w.until.astimezone(tz):{FMT}} · {n} incident{'s' if n != 1 else ''} "
                "(drills excluded)"
            )
        )
        table = self.query_one(DataTable)
        table.clear()
        for row in severity_rows(report):
            table.add_row(
                *(Text(c, style="bold red" if MISSED in c else "") for c in row), key=row[0]
            )
        body = Text()
        for line in spread_lines(report.overall):
            body.append(line + "\n")
        body.append("\n")
        for label, text, met in figure_lines(report, tz):
            if label:
                body.append(f"{label}: ", style="bold")
                body.append(text + "\n", style="bold red" if met is False else "")
            else:
                body.append(f"    {text}\n")
        self.query_one("#metrics-figures", Static).update(body)
