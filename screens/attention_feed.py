"""The App's watch for what the incident commander must not miss (``app.attention``).

After every change the App's change feed publishes (``app.data_changed``), the feed
reads the snapshots of the incidents that changed (all open ones at start and when the
feed says "everything") and hands them to ``warroom.incident.attention.Attention``,
which keeps the notices; once a second it looks again at what it read, for the clock
(an update becomes overdue without any change). The notices show in every
``widgets.banner.Banner`` of the screen stack (the war room, home) until seen.
Reads run in one worker at a time (group ``attention``); nothing blocks the event loop.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from screens.messages import Changes
from warroom.escalation import IncidentSnapshot
from warroom.incident.attention import Attention, load_looks
from widgets.banner import Banner

if TYPE_CHECKING:
    from screens.app import WarroomApp

TICK_SECONDS = 1.0


class AttentionFeed:
    """Reads for :class:`Attention` and shows its notices in the banners."""

    def __init__(self, app: WarroomApp) -> None:
        self.app = app
        self.attention = Attention(app.actor, app.tz)
        self._snapshots: dict[int, IncidentSnapshot] = {}  # open incidents, as last read
        self._ic_by: dict[int, str] = {}
        self._pending: set[int] = set()
        self._everything = True  # the first read is of every open incident
        self._reading = False

    def start(self) -> None:
        """Subscribe to the change feed, read every open incident, tick once a second."""
        self.app.data_changed.subscribe(self.app, self._changed)
        self.app.set_interval(TICK_SECONDS, self.tick, name="attention")
        self._read_soon()

    def _changed(self, changes: Changes) -> None:
        if None in changes.incident_ids:
            self._everything = True
        self._pending |= {i for i in changes.incident_ids if i is not None}
        self._read_soon()

    def _read_soon(self) -> None:
        if not self._reading:
            self._reading = True
            self.app.run_worker(self._read(), group="attention", exit_on_error=False)

    async def _read(self) -> None:
        """Read what changed, in turn, until nothing more is waiting."""
        try:
            while self._everything or self._pending:
                complete, self._everything = self._everything, False
                ids = None if complete else sorted(self._pending)
                self._pending = set()
                snapshots, ic_by = await load_looks(self.app.store, ids)
                if complete:
                    self._snapshots, self._ic_by = {}, {}
                for iid in ids or ():
                    self._ic_by.pop(iid, None)
                self._ic_by.update(ic_by)
                self._snapshots.update(snapshots)
                self._look(snapshots.values(), complete=complete)
                for iid, snap in snapshots.items():
                    if snap.resolved_at is not None:  # nothing more to watch there
                        self._snapshots.pop(iid, None)
        except Exception as err:  # the App's poll reports a database that fails
            self.app.log.error(f"attention read failed: {err!r}")
        finally:
            self._reading = False

    def tick(self) -> None:
        """Once a second: the clock moved (a status update may be overdue now)."""
        self._look(self._snapshots.values())

    def focus(self) -> set[int]:
        """The incidents on screen: their war rooms are in the screen stack."""
        return {
            b.incident_id
            for screen in self.app.screen_stack
            for b in screen.query(Banner)
            if b.incident_id is not None
        }

    def _look(self, snapshots: Iterable[IncidentSnapshot], *, complete: bool = False) -> None:
        before = [n.key for n in self.attention.notices]
        self.attention.look(
            self.app.policies,
            list(snapshots),
            self.app.clock.now(),
            complete=complete,
            focus=self.focus(),
            ic_by=self._ic_by,
        )
        if [n.key for n in self.attention.notices] != before:
            self._show()

    def dismiss(self) -> None:
        """The newest notice was seen."""
        if self.attention.dismiss() is not None:
            self._show()

    def _show(self) -> None:
        for screen in self.app.screen_stack:
            for banner in screen.query(Banner):
                banner.show(self.attention.notices)

    def show_on(self, banner: Banner) -> None:
        """A banner just mounted: the notices so far (and its incident is watched now)."""
        banner.show(self.attention.notices)
        if banner.incident_id is not None:
            self._pending.add(banner.incident_id)
            self._read_soon()
