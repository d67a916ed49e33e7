"""The strip at the top of the war room: which incident, how bad, how long, who you are,
and the time now in the zone the war room shows (``now 09:10 UTC``), the zone an
``@14:02`` typed by the scribe is read in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from warroom.durations import countdown
from warroom.text import printable
from warroom.timeparse import zone_name
from widgets.severity_text import severity_text


@dataclass(frozen=True)
class HeaderFacts:
    """What the header shows; the screen fills it from the incident and the policy."""

    ref: str
    title: str
    severity: int
    severity_name: str
    status: str
    phase_name: str
    channel: str | None
    declared_at: datetime
    resolved_at: datetime | None
    actor: str
    drill: bool = False


class IncidentHeader(Widget):
    """Two lines: severity, reference, status, phase, elapsed, acting-as; title, channel."""

    DEFAULT_CSS = """
    IncidentHeader {
        height: 2;
        background: $panel;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.facts: HeaderFacts | None = None
        self.now: datetime | None = None
        self.tz: tzinfo = UTC

    def show(self, facts: HeaderFacts | None, now: datetime, tz: tzinfo = UTC) -> None:
        self.facts = facts
        self.now = now
        self.tz = tz
        self.refresh()

    def tick(self, now: datetime) -> None:
        self.now = now
        self.refresh()

    def elapsed(self) -> str:
        f = self.facts
        if f is None or self.now is None:
            return ""
        end = f.resolved_at or self.now
        return countdown(max(end - f.declared_at, timedelta(0)))

    def render(self) -> RenderableType:
        f = self.facts
        if f is None:
            return Text("Loading the incident…")
        line1 = Text(no_wrap=True, overflow="ellipsis")
        line1.append_text(severity_text(f.severity))
        line1.append(f" {f.ref} ", style="bold")
        if f.drill:
            line1.append(" DRILL ", style="bold reverse")
            line1.append(" ")
        status = f.status.upper()
        line1.append(f"{status}", style="bold" if f.status == "open" else "bold italic")
        line1.append(f" · {f.phase_name}")
        verb = "lasted" if f.resolved_at else "since declared"
        line1.append(f" · {self.elapsed()} {verb}", style="bold")
        line1.append(f" · as {printable(f.actor)}")
        line2 = Text(no_wrap=True, overflow="ellipsis", end="")
        line2.append(printable(f.title), style="bold")
        line2.append(f"  {printable(f.channel)}" if f.channel else "  (no war-room channel)")
        line2.append(f"  {f.severity_name}", style="italic")
        if self.now is None:
            return Group(line1, line2)
        # The zone is never the part cut off: the title gives way to it.
        clock = Text(f"now {self.now.astimezone(self.tz):%H:%M} {zone_name(self.tz)}", end="")
        row = Table.grid(expand=True, padding=(0, 0, 0, 2))
        row.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        row.add_column(no_wrap=True, justify="right")
        row.add_row(line2, clock)
        return Group(line1, row)
