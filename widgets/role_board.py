"""Who holds each war-room role, since when; vacant roles and staffing warnings stand out.

Enter (or ``r``) on a role asks the screen to reassign it (``RoleBoard.ReassignRequested``);
the screen records the handoff through the command layer. The "since" times are in the
zone the war room shows, named in the border title (``Roles · UTC``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from warroom.text import printable
from widgets.pane_zone import title_with_zone

ROLE_ORDER = ("ic", "comms", "tech", "scribe")


@dataclass(frozen=True)
class Holder:
    person: str
    since: datetime


class RoleList(OptionList):
    BINDINGS = [
        Binding("enter,r", "select", "Reassign", id="roles.reassign"),
    ]


class RoleBoard(Vertical):
    """The four roles: short name, who, since when."""

    DEFAULT_CSS = """
    RoleBoard {
        height: auto;
        & > RoleList { height: auto; border: none; padding: 0; background: transparent; }
        & > #role-warning { color: $text-warning; text-style: bold; display: none; }
        & > #role-warning.-shown { display: block; }
    }
    """

    class ReassignRequested(Message):
        """The user wants someone else in ``role`` (a role id)."""

        def __init__(self, role: str, current: str | None) -> None:
            super().__init__()
            self.role = role
            self.current = current

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.holders: dict[str, Holder] = {}
        self.short_names: dict[str, str] = {r: r.upper() for r in ROLE_ORDER}
        self.warnings: list[str] = []
        self.tz: tzinfo | None = None  # the zone of the times shown (None: nothing yet)

    def compose(self) -> ComposeResult:
        yield RoleList(id="role-list")
        yield Static("", id="role-warning", markup=False)

    @property
    def role_list(self) -> RoleList:
        return self.query_one(RoleList)

    def show(
        self,
        holders: dict[str, Holder],
        warnings: list[str],
        *,
        short_names: dict[str, str] | None = None,
        tz: tzinfo = UTC,
    ) -> None:
        self.holders = holders
        self.warnings = warnings
        self.tz = tz
        title_with_zone(self, tz, "Roles")
        if short_names:
            self.short_names = short_names
        options = [Option(self._line(r, tz), id=r) for r in ROLE_ORDER]
        roles = self.role_list
        keep = roles.highlighted
        roles.set_options(options)
        roles.highlighted = keep if keep is not None else 0
        warning = self.query_one("#role-warning", Static)
        warning.update(Text("⚠ " + " ".join(warnings)) if warnings else "")
        warning.set_class(bool(warnings), "-shown")

    def _line(self, role: str, tz: tzinfo) -> Text:
        short = f"{self.short_names.get(role, role.upper()):<6} "
        holder = self.holders.get(role)
        line = Text(short, style="bold", no_wrap=True, overflow="ellipsis", end="")
        if holder is None:
            line.append(" VACANT ", style="bold reverse")
            return line
        line.append(printable(holder.person))
        since = holder.since.astimezone(tz).strftime("%H:%M")
        line.append(f" since {since}", style="dim")
        return line

    def on_resize(self, event: events.Resize) -> None:
        if self.tz is not None:
            title_with_zone(self, self.tz, "Roles")

    @on(OptionList.OptionSelected, "#role-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        role = event.option.id or "ic"
        holder = self.holders.get(role)
        self.post_message(self.ReassignRequested(role, holder.person if holder else None))
