"""The reading side of the war room: what it loads and how it shows it.

The timeline loads its newest rows first (painted at once), then the older ones in
slices behind the first paint, then only what came after its last row; the state
(header, roles, escalation, checklist) is re-read whole. Each is one coalesced load
(``ConsoleScreen.coalesced``). The screen itself (keys, recording) is
``screens.war_room.WarRoomScreen``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, tzinfo

from textual import on, work

from screens.base import ConsoleScreen
from screens.messages import Changes
from warroom.escalation import plan
from warroom.incident.actions import item_ref
from warroom.incident.queries import timeline_rows
from warroom.incident.war_room import (
    WarRoomState,
    load_war_room,
    phase_checklist,
    staffing_warnings,
)
from warroom.timeparse import zone_name
from widgets.checklist import ActionLine, CheckItem, Checklist
from widgets.escalation_pane import EscalationPane
from widgets.incident_header import HeaderFacts, IncidentHeader
from widgets.role_board import Holder, RoleBoard
from widgets.scribe_input import ScribeInput
from widgets.timeline_filter import TimelineFilter
from widgets.timeline_view import TimelineView

TAIL_ROWS = 500  # painted first
SLICE_ROWS = 2_500  # then older entries, this many at a time


class WarRoomView(ConsoleScreen):
    """Loads and shows one incident's war room (``incident_id``, ``state``)."""

    incident_id: int
    state: WarRoomState | None

    @property
    def ref(self) -> str:
        return self.state.ref if self.state else f"INC-{self.incident_id}"

    @property
    def shown_tz(self) -> tzinfo:
        """The zone every pane shows and the scribe's ``@14:02`` is read in: UTC after
        ctrl+g (``WarRoomScreen.action_toggle_utc``), else the console's ``--tz``."""
        return UTC if self.query_one(TimelineView).utc else self.wapp.tz

    # --- loading ---------------------------------------------------------------------

    def reload(self) -> None:
        """Load what may have changed: new timeline rows and the incident's state."""
        self.coalesced("timeline", self._load_timeline)
        self.coalesced("state", self._load_state)

    async def _load_timeline(self) -> None:
        """The newest entries by event time first (painted at once), then every entry
        recorded after the newest one seen, each where it happened."""
        timeline = self.query_one(TimelineView)
        store = self.wapp.store
        if not timeline.loaded:
            tail = await timeline_rows(store, self.incident_id, limit=TAIL_ROWS, by_event=True)
            timeline.set_rows(tail)
            if len(tail) == TAIL_ROWS:
                timeline.after_first_paint = self._load_older
        timeline.add_rows(await timeline_rows(store, self.incident_id, timeline.last_seq))

    @work(group="war-room-older", exclusive=True, exit_on_error=False)
    async def _load_older(self) -> None:
        """Older entries of a long timeline (by event time), in slices, behind the first
        paint; an entry already here (recorded late, backdated) is not added twice."""
        timeline = self.query_one(TimelineView)
        while timeline.older_missing and timeline.floor is not None:
            timeline.show_loading(f"loading {timeline.older_missing:,} older entries…")
            rows = await timeline_rows(
                self.wapp.store, self.incident_id, before=timeline.floor, limit=SLICE_ROWS
            )
            if not rows:
                break
            timeline.add_rows(rows, older=True)
            await asyncio.sleep(0.01)  # let keys and paints through between slices
        timeline.show_loading("")

    async def _load_state(self) -> None:
        self.state = await load_war_room(self.wapp.store, self.incident_id)
        self._show_state()

    def concerns(self, changes: Changes) -> bool:
        return changes.touches(self.incident_id)

    # --- showing ---------------------------------------------------------------------

    def _show_state(self) -> None:
        state, app = self.state, self.wapp
        if state is None:
            return
        inc = state.incident
        now = app.clock.now()
        policies = app.policies
        phase = policies.warroom.workflow.get(inc.phase)
        self.query_one(IncidentHeader).show(
            HeaderFacts(
                ref=state.ref,
                title=inc.title,
                severity=inc.severity,
                severity_name=policies.level(inc.severity).name,
                status=inc.status,
                phase_name=phase.name if phase else inc.phase,
                channel=inc.channel,
                declared_at=inc.declared_at,
                resolved_at=inc.resolved_at,
                actor=app.actor,
                drill=inc.drill,
            ),
            now,
            self.shown_tz,
        )
        holders = {r: Holder(a.person, a.at) for r, a in state.roles.items()}
        warnings = staffing_warnings(
            policies, inc.severity, {r: h.person for r, h in holders.items()}
        )
        shorts: dict[str, str] = {r: role.short for r, role in policies.warroom.roles.items()}
        self.query_one(RoleBoard).show(holders, warnings, short_names=shorts, tz=self.shown_tz)
        items = [
            CheckItem(c.id or 0, c.text, c.done, c.done_by, c.done_at)
            for c in phase_checklist(state)
        ]
        actions = [ActionLine(item_ref(a.id), a.title, a.owner, a.status) for a in state.actions]
        phase_name = phase.name if phase else inc.phase
        self.query_one(Checklist).show(items, actions, tz=self.shown_tz, phase_name=phase_name)
        self.tick()

    def tick(self) -> None:
        """Once a second: the elapsed time and the countdowns (no I/O)."""
        app = self.wapp
        now = app.clock.now()
        self.query_one(IncidentHeader).tick(now)
        self.query_one(TimelineView).check_day()
        if self.state is not None:
            p = plan(app.policies, self.state.snapshot, now)
            self.query_one(EscalationPane).show(p, now, self.shown_tz)

    def _title_timeline(self) -> None:
        self.query_one(TimelineView).show_zone(zone_name(self.shown_tz))

    # --- the timeline's order and filter ----------------------------------------------

    @on(TimelineView.OrderChanged)
    def _order_changed(self) -> None:
        timeline = self.query_one(TimelineView)
        key = self.key_for("timeline.order") or "o"
        now, other = ("event time", "recorded") if timeline.by_event else ("recorded", "event time")
        self.query_one(ScribeInput).say(f"Timeline in {now} order; {key} on it: {other} order.")

    @on(TimelineView.FilterRequested)
    def _filter_asked(self) -> None:
        self.action_filter_timeline()

    def action_filter_timeline(self) -> None:
        """The filter line under the timeline (``/`` on it, ctrl+f anywhere)."""
        self.query_one(TimelineFilter).open()

    @on(TimelineFilter.QueryChanged)
    def _filter_changed(self, event: TimelineFilter.QueryChanged) -> None:
        self.query_one(TimelineView).set_filter(event.text)

    @on(TimelineView.Filtered)
    def _filtered(self, event: TimelineView.Filtered) -> None:
        timeline = self.query_one(TimelineView)
        more = bool(timeline.older_missing)
        self.query_one(TimelineFilter).show_count(event.shown, event.total, loading=more)

    @on(TimelineFilter.Submitted)
    def _filter_kept(self) -> None:
        self.query_one(TimelineView).focus()

    @on(TimelineView.FilterCleared)
    def _clear_filter(self) -> None:
        self.query_one(TimelineFilter).action_clear()

    @on(TimelineFilter.Closed)
    def _filter_closed(self) -> None:
        timeline = self.query_one(TimelineView)
        timeline.set_filter("")
        timeline.focus()
