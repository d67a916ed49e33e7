"""The handoff review at rotation change, in the console.

Top: who hands the pager to whom (primary and secondary), the acknowledgment and any
flags. Left: the open incidents (severity, phase, IC, next escalation, last status
update), what happened during the shift and the action items due or overdue. Right:
the outgoing engineer's notes in an editor (ctrl+s saves) and the acknowledgment
(``a`` records it as the console's actor). Everything is read and written in
workers through the core (:mod:`warroom.oncall.review`, :mod:`warroom.oncall.handoff`);
the screen reloads when the change feed moves.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static, TextArea

from screens.base import ConsoleScreen
from warroom.errors import WarroomError
from warroom.oncall.handoff import HandoffCommands
from warroom.oncall.review import HandoffReview, load_review
from warroom.policy.roster import roster_path
from warroom.text import printable
from widgets.safe_text import SafeTextArea
from widgets.severity_text import severity_text

FMT = "%a %d %b %H:%M"
RELOAD_SECONDS = 30.0  # the acknowledgment deadline passes even when nothing changes


def _t(text: object, style: str = "") -> Text:
    return Text(printable(str(text)), style=style)


class HandoffScreen(ConsoleScreen):
    """The Monday 10:00 handoff: read the review, write notes, acknowledge."""

    CSS_PATH = "handoff.tcss"
    LOAD_FAILED = ("", "Could not load the handoff: ")
    BINDINGS = [
        Binding("a", "acknowledge", "Acknowledge", id="handoff.acknowledge"),
        Binding("e", "edit_notes", "Edit notes", id="handoff.edit_notes"),
        Binding("ctrl+s", "save_notes", "Save notes", id="handoff.save_notes", priority=True),
        Binding("r", "reload", "Refresh", id="handoff.refresh"),
        Binding("escape", "leave", "Back", id="handoff.back"),
    ]

    class NotesSaved(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class HandoffAcknowledged(Message):
        def __init__(self, by: str, at: datetime) -> None:
            super().__init__()
            self.by = by
            self.at = at

    def __init__(self) -> None:
        super().__init__()
        self.review: HandoffReview | None = None
        self._saved_notes = ""  # what the store holds, to tell unsaved edits apart
        self._notes_base = ""  # the notes the editor was loaded with
        self._leave_armed = False

    # --- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="handoff-head", markup=False)
        with Horizontal(id="handoff-body"):
            with VerticalScroll(id="handoff-left"):
                yield DataTable(id="handoff-incidents", cursor_type="row", zebra_stripes=True)
                yield Static(id="handoff-shift", markup=False)
                yield DataTable(id="handoff-actions", cursor_type="row")
            with Vertical(id="handoff-right"):
                yield SafeTextArea(id="handoff-notes", soft_wrap=True, tab_behavior="focus")
                yield Static(id="handoff-ack", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Handoff review"
        incidents = self.query_one("#handoff-incidents", DataTable)
        incidents.border_title = "Open incidents"
        for key, label in (
            ("ref", "Ref"),
            ("sev", "Sev"),
            ("phase", "Phase"),
            ("ic", "IC"),
            ("next", "Next escalation"),
            ("update", "Last update"),
            ("title", "Title"),
        ):
            incidents.add_column(label, key=key)
        actions = self.query_one("#handoff-actions", DataTable)
        actions.border_title = "Action items: overdue and due this week"
        for key, label in (("state", ""), ("due", "Due"), ("owner", "Owner"), ("title", "Title")):
            actions.add_column(label, key=key)
        notes = self.query_one("#handoff-notes", TextArea)
        notes.border_title = "Notes on ongoing issues (outgoing)"
        self.query_one("#handoff-shift").border_title = "During the shift"
        self.set_interval(RELOAD_SECONDS, self.reload, name="handoff-reload")
        incidents.focus()
        self.reload()

    # --- reading -----------------------------------------------------------------------

    async def load(self) -> None:
        app = self.wapp
        if app.roster is None:
            self.query_one("#handoff-head", Static).update(
                _t(
                    f"No roster yet: create {roster_path(app.policies.directory)} with your "
                    "people and rotations (data/roster.yaml is a complete example)."
                )
            )
            return
        review = await load_review(app.store, app.policies, app.roster, app.clock.now(), app.tz)
        self._show(review)

    def _show(self, review: HandoffReview) -> None:
        self.review = r = review
        tz = self.wapp.tz
        self._draw_head(r)
        incidents = self.query_one("#handoff-incidents", DataTable)
        incidents.clear()
        for o in r.open_incidents:
            inc = o.incident
            nxt = o.next_escalation
            if nxt is None:
                nxt_cell = Text("—", style="dim")
            else:
                style = "bold reverse red" if nxt.overdue else "bold"
                nxt_cell = _t(f"{nxt.due_at.astimezone(tz):%a %H:%M} {nxt.action}", style)
            u = o.last_update
            incidents.add_row(
                _t(inc.ref or "", "bold"),
                severity_text(inc.severity),
                _t(inc.phase),
                _t(o.ic) if o.ic else Text("none", style="dim italic"),
                nxt_cell,
                _t(f"{u.at.astimezone(tz):%a %H:%M} {u.text}"[:60]) if u else Text("none", "dim"),
                _t(inc.title),
                key=str(inc.id),
            )
        incidents.border_title = f"Open incidents ({len(r.open_incidents)})"
        self._draw_shift(r)
        actions = self.query_one("#handoff-actions", DataTable)
        actions.clear()
        for label, style, items in (
            ("OVERDUE", "bold reverse red", r.overdue),
            ("this week", "", r.due_soon),
        ):
            for a in items:
                actions.add_row(
                    Text(label, style=style),
                    _t(a.due),
                    _t(a.owner or "(none)"),
                    _t(a.title),
                    key=str(a.id),
                )
        notes = self.query_one("#handoff-notes", TextArea)
        if notes.text == self._saved_notes:  # never overwrite what someone is typing
            notes.load_text(r.notes)
            self._notes_base = r.notes  # what a save adds to (notes are appended)
        self._saved_notes = r.notes
        self._draw_ack(r)

    def _draw_head(self, r: HandoffReview) -> None:
        tz = self.wapp.tz
        head = Text()
        head.append(f"Handoff {r.at.astimezone(tz):{FMT}}", style="bold")
        head.append(f"  ({r.rotation.name}, {r.rotation.handoff_time} {r.rotation.zone})\n")
        head.append("primary   ")
        head.append(printable(r.primary.outgoing or "-"))
        head.append(" -> ")
        head.append(printable(r.primary.incoming or "-"), style="bold")
        if r.secondary is not None:
            head.append("    secondary  ")
            head.append(printable(r.secondary.outgoing or "-"))
            head.append(" -> ")
            head.append(printable(r.secondary.incoming or "-"), style="bold")
        for f in r.flags:
            style = "bold reverse red" if f.kind == "unacknowledged" else "bold yellow"
            head.append("\n")
            head.append(f" {f.kind.replace('_', ' ').upper()} ", style=style)
            head.append(f" {printable(f.message)}")
        for w in r.warnings:
            head.append(f"\nwarning: {printable(w.message)}", style="yellow")
        self.query_one("#handoff-head", Static).update(head)

    def _draw_shift(self, r: HandoffReview) -> None:
        tz = self.wapp.tz
        text = Text()
        text.append(
            f"{r.shift_from.astimezone(tz):{FMT}} to {r.shift_until.astimezone(tz):{FMT}}\n"
        )
        text.append("declared  ")
        text.append(", ".join(i.ref or "?" for i in r.declared) or "none")
        text.append("\nresolved  ")
        text.append(", ".join(i.ref or "?" for i in r.resolved) or "none")
        text.append("\npages     ")
        if not r.pages:
            text.append("none")
        for i, (who, n) in enumerate(r.pages.items()):
            text.append(", " if i else "")
            text.append(printable(who), style="bold")
            text.append(f" {n['total']} ({n['night']} night, {n['day']} day)")
        for f in r.rest:
            text.append("\nrest      ")
            text.append(printable(f.message(tz)))
        self.query_one("#handoff-shift", Static).update(text)

    def _draw_ack(self, r: HandoffReview) -> None:
        rec = r.record
        tz = self.wapp.tz
        if rec is not None and rec.acknowledged_at is not None:
            text = Text("Acknowledged by ", style="bold green")
            text.append(printable(rec.acknowledged_by or "?"), style="bold")
            text.append(f" at {rec.acknowledged_at.astimezone(tz):{FMT}}")
        else:
            text = Text("Not acknowledged", style="bold")
            text.append(f" (due by {r.ack_due_by.astimezone(tz):{FMT}}): press a as ")
            text.append(printable(r.primary.incoming or "the incoming engineer"), style="bold")
        if rec is not None and rec.notes_by:
            text.append(f"\nnotes by {printable(rec.notes_by)}")
        self.query_one("#handoff-ack", Static).update(text)

    # --- writing -----------------------------------------------------------------------

    def _handoffs(self) -> HandoffCommands | None:
        app = self.wapp
        if app.roster is None:
            self.notify("There is no roster; nothing to hand over.", severity="warning")
            return None
        return HandoffCommands(app.store, app.policies, app.roster, app.actor, app.tz)

    def action_save_notes(self) -> None:
        self.save_notes(self.query_one("#handoff-notes", TextArea).text)

    @work(exclusive=True, group="handoff-save", exit_on_error=False)
    async def save_notes(self, text: str) -> None:
        cmds = self._handoffs()
        if cmds is None or self.review is None:
            return
        try:
            await cmds.save_notes(text, at=self.review.as_of, shown=self._notes_base)
        except WarroomError as err:
            self.report(err, prefix="Notes not saved: ")
            return
        self.post_message(self.NotesSaved(text))

    def on_handoff_screen_notes_saved(self, message: NotesSaved) -> None:
        self._saved_notes = message.text
        self.notify("Handoff notes saved.", markup=False)
        self.reload()

    def action_acknowledge(self) -> None:
        notes = self.query_one("#handoff-notes", TextArea)
        if notes.text != self._saved_notes:
            self.notify("Save or discard the notes first (ctrl+s saves).", severity="warning")
            return
        self.acknowledge()

    @work(exclusive=True, group="handoff-save", exit_on_error=False)
    async def acknowledge(self) -> None:
        cmds = self._handoffs()
        if cmds is None or self.review is None:
            return
        try:
            row = await cmds.acknowledge(at=self.review.as_of)
        except WarroomError as err:
            self.report(err, "Not acknowledged")
            return
        assert row.acknowledged_at is not None
        self.post_message(self.HandoffAcknowledged(row.acknowledged_by or "", row.acknowledged_at))

    def on_handoff_screen_handoff_acknowledged(self, message: HandoffAcknowledged) -> None:
        self.notify(f"Handoff acknowledged by {message.by}.", markup=False)
        self.reload()

    # --- moving around -----------------------------------------------------------------

    def unsaved_work(self) -> str | None:
        notes = self.query_one("#handoff-notes", TextArea)
        return "unsaved handoff notes" if notes.text != self._saved_notes else None

    def action_edit_notes(self) -> None:
        self.query_one("#handoff-notes", TextArea).focus()

    def action_leave(self) -> None:
        """Escape: out of the editor first; then back, after a warning about unsaved notes."""
        notes = self.query_one("#handoff-notes", TextArea)
        if notes.has_focus:
            self.query_one("#handoff-incidents").focus()
            return
        if notes.text != self._saved_notes and not self._leave_armed:
            self._leave_armed = True
            self.notify(
                "The notes have unsaved changes: ctrl+s saves, escape again leaves without.",
                severity="warning",
            )
            return
        self.dismiss(None)
