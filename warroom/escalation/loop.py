"""The escalation loop: what a console calls about once a second and what
``warroom watch`` runs headless.

``tick()`` is cheap when nothing happens: one ``max(id)`` on the change feed, the pure
engine over the cached snapshots of the open incidents, and a comparison with the
next delivery time. It fires due steps (exactly once across processes, see
:mod:`warroom.escalation.firing`), stops notifications that an acknowledgment made
pointless and starts due deliveries as background tasks, so it never waits on the
network; ``drain()`` waits for the sends in flight (tests, shutdown). A failure in one
tick is recorded in ``last_error`` and the next tick runs as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from warroom.changefeed import Batch, ChangeReader
from warroom.clock import Clock
from warroom.escalation import delivery
from warroom.escalation.engine import IncidentSnapshot, Plan, plan, recorded
from warroom.escalation.faults import record_fault
from warroom.escalation.firing import Fired, fire_due
from warroom.escalation.snapshot import load_snapshots
from warroom.notify import AppriseSender, Sender
from warroom.policy import Policies
from warroom.policy.roster import Roster
from warroom.store import Store

log = logging.getLogger(__name__)
# Change-feed kinds the engine itself writes (a firing, a delivery result).
ENGINE_KINDS = frozenset({"page", "delivery"})


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class TickReport:
    fired: list[Fired] = field(default_factory=list)
    started: int = 0  # deliveries started in the background
    stopped: int = 0  # notifications cancelled by an acknowledgment or resolution
    error: str | None = None


class EscalationLoop:
    """One engine loop over one store. Safe to run in several processes at once."""

    def __init__(
        self,
        store: Store,
        policies: Policies,
        roster: Roster | None,
        clock: Clock | None = None,
        *,
        name: str | None = None,
        sender: Sender | None = None,
        late_threshold: timedelta = timedelta(seconds=60),
        max_in_flight: int = 64,
        lease: timedelta = delivery.LEASE,
    ) -> None:
        self.store = store
        self.policies = policies
        self.roster = roster
        self.clock = clock or store.clock
        self.name = name or default_name()
        self.sender: Sender = sender or AppriseSender()
        self.late_threshold = late_threshold
        self.max_in_flight = max_in_flight
        self.lease = lease  # how long a claim is ours to send (``watch --lease``)
        self.snapshots: dict[int, IncidentSnapshot] = {}
        self.last_error: str | None = None
        # The latest delivery results, for a console or ``watch`` to show (bounded).
        self.outcomes: deque[delivery.Outcome] = deque(maxlen=500)
        # Ids committed out of order (PostgreSQL) are looked for again for 30 ticks.
        self.feed = ChangeReader(store, hole_polls=30)
        self._next_delivery: datetime | None = None
        self._deliveries_dirty = True
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._sending: set[int] = set()  # delivery ids this loop is sending right now
        self._faults: dict[int, str] = {}  # incident id -> the error last recorded for it

    # --- what a console shows -------------------------------------------------------

    def plan_for(self, incident_id: int, now: datetime | None = None) -> Plan | None:
        snap = self.snapshots.get(incident_id)
        if snap is None:
            return None
        try:
            return plan(self.policies, snap, now or self.clock.now())
        except Exception:  # recorded by the tick (see _fault); the console shows no plan
            return None

    # --- the loop -------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """Fire what is due, stop what is moot, start due deliveries. Never raises."""
        report = TickReport()
        try:
            await self._tick(report)
            self.last_error = None
        except Exception as exc:  # keep going: the next tick tries again
            log.exception("escalation tick failed")
            report.error = self.last_error = f"{type(exc).__name__}: {exc}"
        return report

    async def _tick(self, report: TickReport) -> None:
        changed, people_acted = await self._refresh(await self.feed.poll())
        now = self.clock.now()
        due = [i for i, snap in self.snapshots.items() if await self._is_due(i, snap, now)]
        if due:
            fired = await self._fire(due)
            report.fired.extend(fired)
            # Reload them now: they fired (here or elsewhere) and must not be re-planned
            # from stale snapshots on the next tick.
            self.snapshots.update(await load_snapshots(self.store, due))
            self._deliveries_dirty = True
        if people_acted:  # an ack, a resolution or a person writing may stop pending pages
            report.stopped = await delivery.stop_acknowledged(self.store)
            self._deliveries_dirty = True
        elif changed:
            self._deliveries_dirty = True
        if self._deliveries_dirty:
            self._next_delivery = await delivery.next_due(self.store)
            self._deliveries_dirty = False
        if self._next_delivery is not None and self._next_delivery <= self.clock.now():
            report.started = await self._start_deliveries()

    async def _is_due(self, incident_id: int, snap: IncidentSnapshot, now: datetime) -> bool:
        try:
            return bool(plan(self.policies, recorded(snap, now), now).due)
        except Exception as exc:  # one incident's error never stops the others
            await self._fault(incident_id, "working out its escalation", exc)
            return False

    async def _fire(self, due: list[int]) -> list[Fired]:
        """Fire the due steps of ``due`` in one transaction; if that fails, one incident
        at a time, so an error in one of them never stops the others' pages."""

        async def fire(ids: list[int]) -> list[Fired]:
            return await fire_due(
                self.store,
                self.policies,
                self.roster,
                ids,
                fired_by=self.name,
                late_threshold=self.late_threshold,
            )

        if len(due) > 1:
            with contextlib.suppress(Exception):  # the rollback left nothing half-done
                return await fire(due)
        out: list[Fired] = []
        for incident_id in due:
            try:
                out.extend(await fire([incident_id]))
            except Exception as exc:
                await self._fault(incident_id, "firing its escalation", exc)
        return out

    async def _fault(self, incident_id: int, doing: str, exc: Exception) -> None:
        """Log an incident's escalation error and say it once in its timeline (again
        only when the error changes)."""
        what = f"{type(exc).__name__}: {exc}"
        if self._faults.get(incident_id) == what:
            return
        log.error("escalation of INC-%s failed while %s: %s", incident_id, doing, what)
        try:
            await record_fault(self.store, incident_id, doing, what)
        except Exception:  # the database may be what failed: the log has it; try again later
            log.exception("recording the escalation error of INC-%s failed", incident_id)
            return
        self._faults[incident_id] = what

    async def _refresh(self, batch: Batch) -> tuple[bool, bool]:
        """Reload the snapshots the change feed says changed: (anything new, a person
        (not the engine) changed something)."""
        if not batch:
            return False, False
        changes = batch.changes
        people_acted = batch.everything or any(c.kind not in ENGINE_KINDS for c in changes)
        ids = {c.incident_id for c in changes if c.kind not in ENGINE_KINDS or c.kind == "page"}
        if batch.everything or None in ids:
            self.snapshots = await load_snapshots(self.store)
        elif ids:
            fresh = await load_snapshots(self.store, [i for i in ids if i is not None])
            self.snapshots.update(fresh)
        now = self.clock.now()
        self.snapshots = {
            i: s for i, s in self.snapshots.items() if recorded(s, now).resolved_at is None
        }
        return True, people_acted

    async def _start_deliveries(self) -> int:
        room = self.max_in_flight - self._in_flight
        if room <= 0:
            return 0
        claimed = await delivery.claim_due(
            self.store,
            self.roster,
            limit=room,
            sending=self._sending,
            policies=self.policies,
            lease=self.lease,
            limits=self.policies.oncall.notification_limits,
        )
        self._deliveries_dirty = True
        if claimed:
            self._in_flight += len(claimed)
            self._sending.update(p.delivery_id for c in claimed for p in (c, *c.bundle))
            task = asyncio.create_task(self._deliver(claimed))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(claimed)

    async def _deliver(self, claimed: list[delivery.Claimed]) -> None:
        try:
            sent = await delivery.send_all(self.store, self.sender, claimed, self.lease)
            self.outcomes.extend(sent)
        except Exception as exc:  # recording failed (database gone?): the lease expires
            log.exception("recording a delivery failed")
            self.last_error = f"{type(exc).__name__}: {exc}"
        finally:
            self._in_flight -= len(claimed)
            self._sending.difference_update(p.delivery_id for c in claimed for p in (c, *c.bundle))
            self._deliveries_dirty = True

    async def drain(self) -> None:
        """Wait for every delivery in flight."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def run(
        self,
        interval: float = 1.0,
        stop: asyncio.Event | None = None,
        on_tick: object = None,
    ) -> None:
        """Tick every ``interval`` wall seconds until ``stop`` is set (``warroom watch``)."""
        stop = stop or asyncio.Event()
        try:
            while not stop.is_set():
                report = await self.tick()
                if callable(on_tick):
                    on_tick(report)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=interval)
        finally:
            await self.drain()
