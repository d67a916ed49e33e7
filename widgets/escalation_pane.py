"""What the escalation policy does next, with live mm:ss countdowns.

The screen hands over the engine's plan (``warroom.escalation.plan``) and the time;
this widget only draws it: the next status update (overdue in a way that cannot be
missed), steps due now, the upcoming ones with what each will do and whom it
pages, and what already fired. Clock times are in the zone the war room shows, named in
the border title (``Escalation · Europe/Berlin``).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from rich.console import RenderableType
from rich.text import Text
from textual import events
from textual.widget import Widget

from warroom.durations import countdown
from warroom.escalation import Plan, Step
from widgets.pane_zone import title_with_zone

ALARM = "bold #ffffff on #b3261e"  # reads on the dark and the light theme


def _targets(step: Step) -> str:
    return ", ".join(t.replace("_", " ") for t in step.targets)


class EscalationPane(Widget):
    """Next status update and escalation steps, counting down."""

    DEFAULT_CSS = """
    EscalationPane {
        height: auto;
        &.-overdue { background: $error 15%; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plan: Plan | None = None
        self.now: datetime | None = None
        self.tz: tzinfo = UTC
        self.max_upcoming = 3
        self._shape: tuple[int, ...] = ()

    def show(self, plan: Plan | None, now: datetime, tz: tzinfo = UTC) -> None:
        self.plan, self.now, self.tz = plan, now, tz
        title_with_zone(self, tz, "Escalation")
        overdue = plan is not None and (plan.update_overdue or bool(plan.due))
        self.set_class(overdue, "-overdue")
        # The countdowns tick every second; the pane's height only changes when its
        # lines do, so only then is the screen laid out again.
        text = self.render()
        shape = (
            tuple(len(line) for line in text.plain.split("\n")) if isinstance(text, Text) else ()
        )
        self.refresh(layout=shape != self._shape)
        self._shape = shape

    def on_resize(self, event: events.Resize) -> None:
        if self.now is not None:  # shown once: the zone is known
            title_with_zone(self, self.tz, "Escalation")

    def render(self) -> RenderableType:
        plan, now = self.plan, self.now
        if plan is None or now is None:
            return Text("Loading the escalation plan…", style="dim")
        out = Text(end="")
        roomy = self.size.width >= 40  # room for whom each step pages
        shown = self.max_upcoming if self.app.size.height >= 32 else self.max_upcoming - 1
        if plan.resolved:
            out.append("Resolved: no more escalation, no status updates due.", style="dim")
            return out
        due_update = plan.next_update_due
        if due_update is not None:
            left = due_update - now
            if plan.update_overdue:
                out.append(f" STATUS UPDATE OVERDUE {countdown(-left)} ", style=ALARM)
                out.append("\n  send one: /status TEXT")
            else:
                out.append("Status update due in " if roomy else "Update due in ")
                out.append(countdown(left), style="bold")
                out.append(f" ({due_update.astimezone(self.tz):%H:%M})", style="dim")
        for step in plan.due:
            out.append("\n")
            late = countdown(now - step.due_at)
            out.append(f" DUE {late} late ", style=ALARM)
            out.append(f" {step.action}", style="bold")
            if roomy:
                out.append(f" → {_targets(step)}", style="dim")
        for step in plan.upcoming[:shown]:
            out.append("\n")
            out.append(f"in {countdown(step.due_at - now)}", style="bold")
            out.append(f" {step.action}")
            if roomy:
                out.append(f" → {_targets(step)}", style="dim")
        if len(plan.upcoming) > shown:
            out.append(f"\n… {len(plan.upcoming) - shown} more later", style="dim")
        if plan.fired:
            last = plan.fired[-1]
            fired_at = last.fired_at or last.due_at
            out.append("\n")
            out.append(f"fired {fired_at.astimezone(self.tz):%H:%M}: {last.action}", style="dim")
        if not plan.due and not plan.upcoming:
            out.append("\nNo further escalation steps for this severity.", style="dim")
        return out
