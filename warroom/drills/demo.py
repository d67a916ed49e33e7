"""The demo database behind ``warroom demo``: a living war room in one command.

Built from ``data/``: the roster of six (``data/roster.yaml``), the open incidents as
scripts (``data/demo/open.yaml``: a SEV1 in the middle of its mitigation, a SEV3) and
three months of closed incidents with their post-mortems (``data/demo/history.yaml``;
the SEV1 plays on while the console is open: :mod:`.demo_live`). Everything goes
through the command layer with a :class:`ManualClock` that steps through time, and
the escalation engine runs in between (with a sender that sends nothing), so the
database looks exactly like one a real team wrote: hash-chained timelines, change
feed, firings, deliveries, action items.

The demo never touches the user's database: it lives in its own file, rebuilt each
time, with its own policies folder (the packaged policies plus the demo roster).
"""

from __future__ import annotations

import heapq
import os
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy import func, select

from warroom.clock import ManualClock
from warroom.drills.demo_cache import cached_history, copy_template, template_key
from warroom.drills.demo_data import (
    HistoryFile,
    OpenFile,
    OpenIncident,
    PastIncident,
    PastPostmortemStep,
    load_data,
)
from warroom.drills.events import MOVES_ENGINE, Event, run_event
from warroom.errors import PolicyError
from warroom.escalation import EscalationLoop, plan
from warroom.escalation import delivery as deliveries
from warroom.escalation.snapshot import load_snapshots
from warroom.incident.commands import Commands
from warroom.incident.refs import parse_ref
from warroom.incident.verbs import Command, Note, perform
from warroom.models import ActionItem, Incident, TimelineEntry
from warroom.notify import DrillSender
from warroom.oncall.segments import person_on_call
from warroom.policy import Policies
from warroom.policy.cached import load_policies  # the last load, while nothing changed
from warroom.policy.roster import ROSTER_FILE, Roster, load_roster
from warroom.store import Store
from warroom.strict import time_of

ENGINE_NAME = "warroom demo"
MAX_ENGINE_STEPS = 2000
# --- where the demo lives ------------------------------------------------------------


def demo_home() -> Path:
    """The demo's folder in the user-data dir (beside, never instead of, warroom.db)."""
    return Path(user_data_dir("warroom", appauthor=False)) / "demo"


def prepare_policies(policies_src: Path, data_dir: Path, target: Path) -> Path:
    """A policies folder for the demo: the packaged policies plus the demo roster."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(policies_src, target)
    shutil.copy2(data_dir / ROSTER_FILE, target / ROSTER_FILE)
    return target


def remove_database(path: Path) -> None:
    """Delete a demo database file and its WAL companions (never anything else)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = Path(f"{path}{suffix}")
        if candidate.exists():
            candidate.unlink()


# --- the build -----------------------------------------------------------------------


@dataclass
class DemoSummary:
    db_path: Path
    policies_dir: Path
    actor: str
    open_refs: list[str] = field(default_factory=list)
    refs: dict[str, str] = field(default_factory=dict)  # open.yaml's key -> its ref
    closed: int = 0
    entries: int = 0


@dataclass(order=True)
class _Due:
    at: datetime
    order: int
    run: Callable[[], Awaitable[None]] = field(compare=False)


class _Player:
    """Plays the scripts in time order through the command layer."""

    def __init__(
        self, store: Store, policies: Policies, roster: Roster, clock: ManualClock
    ) -> None:
        self.store = store
        self.policies = policies
        self.roster = roster
        self.clock = clock
        self.refs: dict[str, str] = {}
        self.queue: list[_Due] = []
        self._order = 0
        self._commands: dict[str, Commands] = {}
        self._dirty = True  # something may have changed what the engine does next
        self._next_moment: datetime | None = None
        self.engine = EscalationLoop(
            store, policies, roster, clock, name=ENGINE_NAME, sender=DrillSender()
        )

    def as_(self, actor: str) -> Commands:
        if actor not in self._commands:
            self._commands[actor] = Commands(self.store, self.policies, actor, UTC)
        return self._commands[actor]

    def declarer(
        self, key: str, actor: str, title: str, severity: int, **options: Any
    ) -> Callable[[], Awaitable[None]]:
        """The declaration of the scenario's incident ``key`` (its ref kept for later)."""

        async def declare() -> None:
            made = await self.as_(actor).declare(title, severity, **options)
            self.refs[key] = made.ref or ""

        return declare

    def at(self, when: datetime, run: Callable[[], Awaitable[None]]) -> None:
        self._order += 1
        heapq.heappush(self.queue, _Due(when, self._order, run))

    async def play(self, until: datetime) -> None:
        while self.queue and self.queue[0].at <= until:
            due = heapq.heappop(self.queue)
            await self.catch_up(due.at)
            await due.run()
            self._dirty = self._dirty or getattr(due.run, "moves_engine", True)
        await self.catch_up(until)

    async def catch_up(self, until: datetime) -> None:
        """Run the escalation engine at every moment something was due before ``until``."""
        if not self._dirty and (self._next_moment is None or self._next_moment > until):
            self.clock.set(max(until, self.clock.now()))
            return
        for _ in range(MAX_ENGINE_STEPS):
            plans = [
                plan(self.policies, snap, until)
                for snap in (await load_snapshots(self.store)).values()
            ]
            moments = [step.due_at for p in plans for step in p.due]
            pending = await deliveries.next_due(self.store)
            if pending is not None and pending <= until:
                moments.append(pending)
            if not moments:
                later = [p.upcoming[0].due_at for p in plans if p.upcoming]
                later += [pending] if pending is not None else []
                self._next_moment = min(later, default=None)
                self._dirty = False
                break
            self.clock.set(max(min(moments), self.clock.now()))
            await self.engine.tick()
            await self.engine.drain()
        self.clock.set(max(until, self.clock.now()))

    def oncall(self, at: datetime, kind: str = "primary") -> str | None:
        return person_on_call(self.roster, [], kind, at)


def _open_events(p: _Player, inc: OpenIncident, now: datetime) -> None:
    declared = now - timedelta(minutes=inc.declared)

    def minutes(m: float | None) -> datetime | None:
        return None if m is None else declared + timedelta(minutes=m)

    declare = p.declarer(
        inc.key,
        inc.by,
        inc.title,
        inc.severity,
        ic=inc.ic,
        started_at=minutes(inc.started),
        detected_at=minutes(inc.detected),
        war_room=inc.war_room,
        bridge=inc.bridge,
    )
    p.at(declared, declare)
    for ev in inc.events:
        p.at(declared + timedelta(minutes=ev.at_min), _event_runner(p, inc, ev, declared))


def _event_runner(
    p: _Player, inc: OpenIncident, ev: Event, declared: datetime
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await run_event(p.as_(ev.actor or inc.by), p.refs[inc.key], ev, declared)

    setattr(run, "moves_engine", ev.verb in MOVES_ENGINE)  # noqa: B010
    return run


def _past_events(p: _Player, n: int, inc: PastIncident, now: datetime) -> None:
    key = f"past-{n}"
    day = (now - timedelta(days=inc.days_ago)).date()
    declared = datetime.combine(day, time_of(inc.hour), tzinfo=UTC)

    def t(m: float) -> datetime:
        return declared + timedelta(minutes=m)

    oncall = p.oncall(declared) or inc.ic
    tech = inc.tech
    if tech == "oncall":
        tech = oncall if oncall != inc.ic else p.oncall(declared, "secondary")

    def who(name: str) -> str:
        return oncall if name == "oncall" else name

    declare = p.declarer(
        key,
        inc.ic,
        inc.title,
        inc.severity,
        ic=inc.ic,
        started_at=t(inc.started),
        detected_at=t(inc.detected),
    )

    def do(when: datetime, actor: str, call: Note | Command) -> None:
        async def run() -> None:
            await perform(p.as_(actor), p.refs[key], call, environ={})

        moves = isinstance(call, Command) and call.name in MOVES_ENGINE
        setattr(run, "moves_engine", moves)  # noqa: B010
        p.at(when, run)

    p.at(declared, declare)
    do(t(inc.ack), oncall, Command("ack"))
    if tech and tech != inc.ic:
        do(t(inc.ack + 1), inc.ic, Command("assign", tech, role="tech"))
    for ev in inc.notes:
        do(t(ev.at_min), who(ev.actor or inc.ic), ev.call(declared))
    do(t(inc.mitigated), inc.ic, Command("mitigated"))
    resolved = t(inc.resolved)
    do(resolved, inc.ic, Command("resolved"))
    for i, act in enumerate(inc.actions):
        action = Command(
            "action",
            act.title,
            kind=act.kind,
            owner=act.owner,
            priority=act.priority,
            due_days=act.due_days,
        )
        do(resolved + timedelta(minutes=5 + i), inc.ic, action)
    closed = resolved + timedelta(days=inc.closed_days)
    if closed <= now:
        do(closed, inc.ic, Command("close"))
    for step in inc.postmortem:
        when = resolved + timedelta(days=step.after_days)
        if when <= now:
            p.at(when, _postmortem_step(p, key, step.actor or inc.ic, step))
    for i, act in enumerate(inc.actions):
        if act.done_days is None:
            continue
        done = resolved + timedelta(minutes=5 + i, days=act.done_days)
        if done <= now:
            p.at(done, _completer(p, key, act.title, act.owner))


def _completer(p: _Player, key: str, title: str, owner: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        ref = p.refs[key]
        async with p.store.read() as s:
            q = select(ActionItem.id).where(  # type: ignore[call-overload]
                ActionItem.incident_id == parse_ref(ref), ActionItem.title == title
            )
            item_id = (await s.execute(q)).scalar_one()
        await p.as_(owner).complete_action(item_id)

    return run


def history_inputs(policies_dir: Path, data_dir: Path) -> list[Path]:
    """The files the history template depends on (its cache key): the demo's policies
    and every demo data file (a change to any of them plays the history again)."""
    return [policies_dir, data_dir / "demo"]


def _postmortem_step(
    p: _Player, key: str, actor: str, step: PastPostmortemStep
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        commands = p.as_(actor)
        if step.sections is not None:
            await commands.save_sections(p.refs[key], step.sections)
        else:
            await commands.move_postmortem_status(p.refs[key], step.status or "")

    setattr(run, "moves_engine", False)  # noqa: B010
    return run


async def build_demo(
    db_path: Path,
    policies_dir: Path,
    data_dir: Path,
    now: datetime,
    *,
    cache_dir: Path | None = None,
) -> DemoSummary:
    """Rebuild the demo database at ``db_path`` as it would be at ``now``: the history
    as it stood at the start of the (UTC) day, then the open incidents to the minute.

    ``policies_dir`` must hold the demo roster (see :func:`prepare_policies`). With
    ``cache_dir`` the history is played once a day into a template there and copied
    (:mod:`warroom.drills.demo_cache`); the database is the same either way.
    """
    policies = load_policies(policies_dir)
    roster = load_roster(policies_dir)
    if roster is None:
        raise PolicyError(f"{policies_dir}: the demo needs {ROSTER_FILE} beside the policies.")
    opened = load_data(data_dir / "demo" / "open.yaml", OpenFile)
    history_file = data_dir / "demo" / "history.yaml"
    history = load_data(history_file, HistoryFile)
    assert isinstance(opened, OpenFile) and isinstance(history, HistoryFile)

    remove_database(db_path)
    now = now.astimezone(UTC).replace(microsecond=0)
    day = now.replace(hour=0, minute=0, second=0)

    async def play_history(target: Path) -> None:
        start = day - timedelta(days=max((i.days_ago for i in history.incidents), default=1) + 1)
        clock = ManualClock(start)
        async with await Store.open(target, clock) as store:
            player = _Player(store, policies, roster, clock)
            for n, past in enumerate(history.incidents):
                _past_events(player, n, past, day)
            await player.play(day)

    template = None
    if cache_dir is not None:
        key = template_key(day, history_inputs(policies_dir, data_dir))
        template = await cached_history(cache_dir, key, play_history)
    if template is not None:
        copy_template(template, db_path)
    else:
        await play_history(db_path)
    if os.name == "posix":
        db_path.chmod(0o600)
    first = min((now - timedelta(minutes=i.declared) for i in opened.incidents), default=now)
    clock = ManualClock(first)
    store = await Store.open(db_path, clock)
    try:
        player = _Player(store, policies, roster, clock)
        for inc in opened.incidents:
            _open_events(player, inc, now)
        await player.play(now)
        summary = DemoSummary(db_path, policies_dir, opened.you)
        summary.open_refs = [player.refs[i.key] for i in opened.incidents]
        summary.refs = {i.key: player.refs[i.key] for i in opened.incidents}
        async with store.read() as s:
            summary.closed = (
                await s.execute(select(func.count()).where(Incident.closed_at.is_not(None)))  # type: ignore[union-attr]
            ).scalar_one()
            summary.entries = (
                await s.execute(select(func.count()).select_from(TimelineEntry))
            ).scalar_one()
        return summary
    finally:
        await store.close()
