"""Game-day drills: a scenario from ``data/drills/`` played on its own database with a
clock that runs N times faster, so a team rehearses the page at declaration and the
15/30/60/120-minute escalations in minutes. Drill incidents carry ``drill=True`` (kept
out of metrics) and their pages are marked ``[DRILL]``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from pydantic import Field, ValidationError

from warroom.clock import Clock
from warroom.drills.events import Event, run_event
from warroom.errors import BadInput, PolicyError
from warroom.escalation import EscalationLoop
from warroom.escalation.delivery import next_due as next_delivery
from warroom.incident.commands import Commands
from warroom.incident.queries import EntryRow, timeline_rows
from warroom.models import Incident
from warroom.notify import Sender
from warroom.policy import Policies
from warroom.policy.loader import bundled_dir
from warroom.policy.roster import Roster
from warroom.store import Store
from warroom.strict import Strict


class Scenario(Strict):
    name: str
    title: str
    severity: int = Field(ge=1, le=4)
    ic: str | None = None
    duration_minutes: float = Field(gt=0)
    events: list[Event] = Field(default_factory=list)  # the one event format


def drills_dir() -> Path:
    return bundled_dir("data") / "drills"


def scenario_names() -> list[str]:
    return sorted(p.stem for p in drills_dir().glob("*.yaml"))


def load_scenario(name_or_path: str) -> Scenario:
    path = Path(name_or_path)
    if not path.suffix:
        path = drills_dir() / f"{name_or_path}.yaml"
    if not path.is_file():
        raise BadInput(
            f"no drill scenario {name_or_path!r}; the packaged ones are "
            f"{', '.join(scenario_names())} (or give a path to a scenario file)."
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Scenario.model_validate(data)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: is not valid YAML: {exc}") from None
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        raise PolicyError(
            f"{path}: at {where}: {e['msg'].removeprefix('Value error, ')}."
        ) from None


@dataclass
class DrillResult:
    incident: Incident
    pages: int  # steps fired
    entries: int


class DrillClock:
    """The drill's time: a fast clock that the runner holds back at the next thing due
    (a scenario event, an escalation step, a notification), so that at any speed the
    drill happens in the right order and every page is on time in drill time."""

    def __init__(self, base: Clock) -> None:
        self.base = base
        self.cap: datetime | None = None

    def now(self) -> datetime:
        now = self.base.now()
        return min(now, self.cap) if self.cap is not None else now

    def reached_cap(self) -> bool:
        return self.cap is not None and self.base.now() >= self.cap


async def _apply(cmd: Commands, ref: str, ev: Event, ic: str | None, start: datetime) -> None:
    actor = ev.actor or ic or cmd.actor
    await run_event(Commands(cmd.store, cmd.policies, actor, cmd.tz), ref, ev, start)


async def run_drill(
    store: Store,
    policies: Policies,
    roster: Roster | None,
    scenario: Scenario,
    clock: DrillClock,
    *,
    sender: Sender,
    speed: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    show: Callable[[EntryRow], None] | None = None,
    actor: str = "drill",
) -> DrillResult:
    """Play ``scenario``: declare, run its events at their minute, tick the escalation
    loop, until ``duration_minutes``. ``store`` must run on ``clock``; ``show`` gets each
    new timeline row (seq, at, recorded_at, author, role, kind, text)."""
    interval = max(0.02, min(1.0, 10.0 / speed))  # wall seconds between ticks
    loop = EscalationLoop(store, policies, roster, clock, name="drill", sender=sender)
    cmd = Commands(store, policies, actor, UTC)
    clock.cap = None
    inc = await cmd.declare(scenario.title, scenario.severity, ic=scenario.ic, drill=True)
    assert inc.id is not None and inc.ref is not None
    start = inc.declared_at
    end = start + timedelta(minutes=scenario.duration_minutes)
    pending = sorted(scenario.events, key=lambda e: e.at_min)
    seen = 0
    pages = 0
    previous: datetime | None = None
    # The first tick happens at the declaration (its page is due then): the loop has no
    # plan of the incident before it, so hold the clock there rather than let it run on.
    first: list[datetime] | None = [start]
    while True:
        event_at = start + timedelta(minutes=pending[0].at_min) if pending else end
        due = first if first is not None else await _next_due(loop, inc.id)
        first = None
        previous, clock.cap = clock.cap, min(event_at, end, *due)
        report = await loop.tick()
        pages += len(report.fired)
        await loop.drain()
        for row in await timeline_rows(store, inc.id, seen):
            if show:
                show(row)
            seen = row.seq
        cap, reached = clock.cap, clock.reached_cap()
        if reached and cap >= end:
            break
        if reached and pending and cap >= event_at:
            await _apply(cmd, inc.ref, pending.pop(0), scenario.ic, start)
        elif not reached or cap == previous:
            await sleep(interval)  # (also when one moment comes twice: no busy loop)
    clock.cap = None
    async with store.read() as s:
        final = await s.get(Incident, inc.id)
    assert final is not None
    return DrillResult(final, pages, seen)


async def _next_due(loop: EscalationLoop, incident_id: int) -> list[datetime]:
    """When the next step fires and the next notification goes out (if any)."""
    out = []
    p = loop.plan_for(incident_id)
    if p is not None and (p.due or p.upcoming):
        out.append((p.due or p.upcoming)[0].due_at)
    nxt = await next_delivery(loop.store)
    if nxt is not None:
        out.append(nxt)
    return out
