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

from textual import work

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
        """The newest entries first (painted at once), then what came after the last one."""
        timeline = self.query_one(TimelineView)
        store = self.wapp.store
        if not timeline.loaded:
            timeline.set_rows(await timeline_rows(store, self.incident_id, limit=TAIL_ROWS))
            if timeline.older_missing:
                timeline.after_first_paint = self._load_older
        timeline.append_rows(await timeline_rows(store, self.incident_id, timeline.last_seq))

    @work(group="war-room-older", exclusive=True, exit_on_error=False)
    async def _load_older(self) -> None:
        """Older entries of a long timeline, in slices, behind the first paint."""
        timeline = self.query_one(TimelineView)
        while timeline.older_missing:
            timeline.border_subtitle = f"loading {timeline.older_missing:,} older entries…"
            rows = await timeline_rows(
                self.wapp.store, self.incident_id, before_seq=timeline.first_seq, limit=SLICE_ROWS
            )
            if not timeline.prepend_rows(rows):
                break
            await asyncio.sleep(0.01)  # let keys and paints through between slices
        timeline.border_subtitle = ""

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
        if self.state is not None:
            p = plan(app.policies, self.state.snapshot, now)
            self.query_one(EscalationPane).show(p, now, self.shown_tz)

    def _title_timeline(self) -> None:
        timeline = self.query_one(TimelineView)
        zone = zone_name(self.shown_tz)
        timeline.border_title = f"Timeline · times in {zone} (* backdated)"
