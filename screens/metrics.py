"""Incident metrics of the last 30 days, in the console (the figures of ``warroom metrics``).

Top: the window. Then a table per severity (mean against the target, ✓ met or ✗
missed, incidents that beat it), and under it the spread (median, p90), the severity
mix, action items, post-mortems on time, repeat incidents with their pairs, and on-call
load. Read in a worker through :func:`warroom.metrics.load_metrics`; reloaded when the
change feed moves (or later, when the screen is shown again); ``r`` refreshes.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from screens.base import ConsoleScreen
from warroom.metrics import MetricsReport, load_metrics, window
from warroom.metrics.readout import (
    HEADERS,
    LEGEND,
    MISSED,
    figure_lines,
    severity_rows,
    spread_lines,
)

FMT = "%Y-%m-%d %H:%M %Z"


class MetricsScreen(ConsoleScreen):
    """MTTD/MTTA/MTTM/MTTR per severity against the targets, and the other figures."""

    CSS_PATH = "metrics.tcss"
    LOAD_FAILED = ("Cannot load metrics", "")
    BINDINGS = [
        Binding("r", "reload", "Refresh", id="metrics.refresh"),
        Binding("escape", "leave", "Back", id="metrics.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.metrics: MetricsReport | None = None

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
        self.reload()

    def action_leave(self) -> None:
        self.dismiss(None)

    async def load(self) -> None:
        app = self.wapp
        span = window(app.clock.now())
        self.metrics = await load_metrics(
            app.store, app.policies, span, tz=app.tz, roster=app.roster
        )
        self._show(self.metrics)

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
