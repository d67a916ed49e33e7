"""The demo's SEV1 plays on while the console is open (``data/demo/live.yaml``).

Other responders post findings, the comms lead sends updates, the fix goes in and the
incident is mitigated a few minutes after the console opens; the console's own
escalation engine pages whoever the policy names meanwhile. The events are in the one
format of the demo and the drills (:mod:`warroom.drills.events`), each played through
the command layer when the console's clock reaches it; the console sees them through
the change feed like any other console's writes.

:class:`LivePlay` is the pure part (``tick(now)`` plays what is due, tests drive it
with a manual clock); :func:`play_in_background` runs it beside the console, in a
thread with its own event loop and store, so the console's loop is never blocked.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import Field

from warroom.clock import Clock
from warroom.drills.demo_data import load_data
from warroom.drills.events import Event, run_event
from warroom.errors import WarroomError
from warroom.incident.commands import Commands
from warroom.incident.refs import parse_ref
from warroom.models import Incident
from warroom.policy import Policies
from warroom.store import Store
from warroom.strict import Strict

LIVE_FILE = "live.yaml"
POLL_SECONDS = 1.0


class LiveFile(Strict):
    key: str  # the incident of open.yaml
    events: list[Event] = Field(default_factory=list)


def load_live(data_dir: Path) -> LiveFile:
    live = load_data(data_dir / "demo" / LIVE_FILE, LiveFile)
    assert isinstance(live, LiveFile)
    return live


class LivePlay:
    """Plays the events of ``live`` on incident ``ref`` as their time comes."""

    def __init__(
        self, store: Store, policies: Policies, ref: str, live: LiveFile, default_actor: str
    ) -> None:
        self.store = store
        self.policies = policies
        self.ref = ref
        self.default_actor = default_actor
        self.pending = sorted(live.events, key=lambda e: e.at_min)
        self.played = 0
        self._declared: datetime | None = None
        self._commands: dict[str, Commands] = {}

    @property
    def finished(self) -> bool:
        return not self.pending

    async def declared_at(self) -> datetime:
        if self._declared is None:
            async with self.store.read() as s:
                inc = await s.get(Incident, parse_ref(self.ref))
            if inc is None:
                raise WarroomError(f"the demo has no incident {self.ref}")
            self._declared = inc.declared_at.replace(tzinfo=inc.declared_at.tzinfo or UTC)
        return self._declared

    async def tick(self, now: datetime) -> int:
        """Play every event due at ``now`` (in order); how many were played. An event
        the incident no longer allows (someone resolved it by hand) is skipped."""
        start = await self.declared_at()
        done = 0
        while self.pending and start + timedelta(minutes=self.pending[0].at_min) <= now:
            event = self.pending.pop(0)
            actor = event.actor or self.default_actor
            if actor not in self._commands:
                self._commands[actor] = Commands(self.store, self.policies, actor, UTC)
            with contextlib.suppress(WarroomError):
                await run_event(self._commands[actor], self.ref, event, start)
                done += 1
        self.played += done
        return done


async def _run(
    db_path: Path,
    policies: Policies,
    ref: str,
    live: LiveFile,
    actor: str,
    clock: Clock,
    stop: threading.Event,
) -> None:
    async with await Store.open(db_path, clock) as store:
        play = LivePlay(store, policies, ref, live, actor)
        while not stop.is_set() and not play.finished:
            await play.tick(clock.now())
            await asyncio.to_thread(stop.wait, POLL_SECONDS)


@contextlib.contextmanager
def play_in_background(
    db_path: Path, policies: Policies, ref: str, live: LiveFile, actor: str, clock: Clock
) -> Iterator[None]:
    """Play ``live`` beside the console while the ``with`` block runs (the console)."""
    stop = threading.Event()

    def main() -> None:
        with contextlib.suppress(Exception):  # the demo's liveliness never kills the console
            asyncio.run(_run(db_path, policies, ref, live, actor, clock, stop))

    thread = threading.Thread(target=main, name="warroom-demo-live", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
