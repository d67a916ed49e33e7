"""The metrics report: one window of real incidents, everything managers and auditors read.

:func:`compute` is pure (hand-built rows in, figures out); :func:`load_metrics` reads
what it needs in a few plain selects (incidents, their action items, their
post-mortems, the pages) and calls it. Drill incidents are never counted. An incident
belongs to the window by its ``declared_at``, and to the severity it has now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from warroom.incident.refs import ref_for
from warroom.metrics.durations import FigureStats, all_figures, incident_figures
from warroom.metrics.follow_up import (
    ActionFigures,
    PostmortemFigures,
    action_figures,
    postmortem_figures,
)
from warroom.metrics.oncall_load import OncallLoad, oncall_load
from warroom.metrics.recurrence import LOOKBACK_DAYS, RepeatPair, repeats
from warroom.metrics.window import Window
from warroom.models import ActionItem, Incident, Postmortem
from warroom.oncall.pages import Page, load_pages
from warroom.policy import Policies
from warroom.policy.roster import Roster
from warroom.policy.vocabulary import SEVERITIES
from warroom.store import Store
from warroom.timeparse import iso_z


@dataclass(frozen=True)
class SeverityFigures:
    severity: str  # SEV1..SEV4
    count: int
    figures: dict[str, FigureStats]  # mttd, mtta, mttm, mttr

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            **{f"{fig}_min": s.mean for fig, s in self.figures.items()},
            **{fig: s.to_json() for fig, s in self.figures.items()},
        }


@dataclass(frozen=True)
class Recurrence:
    pairs: list[RepeatPair]
    count: int  # incidents in the window
    goal_max: float  # goals.repeat_incident_rate_max

    @property
    def rate(self) -> float | None:
        return round(len(self.pairs) / self.count, 4) if self.count else None

    @property
    def met(self) -> bool | None:
        return None if self.rate is None else self.rate <= self.goal_max

    def to_json(self) -> dict[str, Any]:
        return {
            "repeats": len(self.pairs),
            "rate": self.rate,
            "goal_max": self.goal_max,
            "met": self.met,
            "lookback_days": LOOKBACK_DAYS,
            "pairs": [p.to_json() for p in self.pairs],
        }


@dataclass(frozen=True)
class MetricsReport:
    window: Window
    now: datetime
    incidents: list[Incident]  # the window's real incidents, oldest first
    overall: SeverityFigures
    by_severity: dict[str, SeverityFigures]
    actions: ActionFigures
    postmortems: PostmortemFigures
    recurrence: Recurrence
    load: OncallLoad

    @property
    def count(self) -> int:
        return len(self.incidents)

    def to_json(self) -> dict[str, Any]:
        n = self.count
        return {
            "since": iso_z(self.window.since),
            "until": iso_z(self.window.until),
            "generated_at": iso_z(self.now),
            "count": n,
            **{f"{fig}_min": s.mean for fig, s in self.overall.figures.items()},
            **{fig: s.to_json() for fig, s in self.overall.figures.items()},
            "by_severity": {sev: f.to_json() for sev, f in self.by_severity.items()},
            "severity_mix": {
                sev: {"count": f.count, "share": round(f.count / n, 4) if n else None}
                for sev, f in self.by_severity.items()
            },
            "action_items": self.actions.to_json(),
            "postmortems": self.postmortems.to_json(),
            "recurrence": self.recurrence.to_json(),
            "oncall_load": self.load.to_json(),
            "incidents": [incident_json(i) for i in self.incidents],
        }


def incident_json(inc: Incident) -> dict[str, Any]:
    figs = incident_figures(inc)
    return {
        "ref": inc.ref or ref_for(inc.id or 0),
        "title": inc.title,
        "severity": inc.severity,
        "declared_at": iso_z(inc.declared_at),
        **{f"{fig}_min": v for fig, v in figs.items()},
    }


def compute(
    *,
    window: Window,
    now: datetime,
    policies: Policies,
    incidents: Sequence[Incident],
    history: Sequence[Incident] = (),
    actions: Sequence[ActionItem] = (),
    postmortems: dict[int, Postmortem] | None = None,
    pages: Sequence[Page] = (),
    tz: tzinfo = UTC,
) -> MetricsReport:
    """The figures of ``window``. ``incidents`` may hold more than the window (and drills):
    only real incidents declared in it are counted; ``history`` adds the earlier ones the
    repeat rule looks back at; ``actions`` and ``pages`` are filtered the same way."""
    inside = sorted(
        (i for i in incidents if not i.drill and i.declared_at in window),
        key=lambda i: (i.declared_at, i.id or 0),
    )
    ids = {i.id for i in inside}
    targets = policies.metrics.targets
    goals = policies.metrics.goals
    by_sev = {
        sev: SeverityFigures(sev, len(group), all_figures(group, targets, n))
        for n, sev in enumerate(SEVERITIES, start=1)
        for group in [[i for i in inside if i.severity == n]]
    }
    seen = {i.id: i for i in [*history, *incidents]}
    return MetricsReport(
        window=window,
        now=now,
        incidents=inside,
        overall=SeverityFigures("all", len(inside), all_figures(inside, targets)),
        by_severity=by_sev,
        actions=action_figures([a for a in actions if a.incident_id in ids], policies, now, tz),
        postmortems=postmortem_figures(inside, postmortems or {}, policies, now),
        recurrence=Recurrence(
            repeats(inside, list(seen.values())), len(inside), goals.repeat_incident_rate_max
        ),
        load=oncall_load([p for p in pages if p.at in window], goals.max_pages_per_oncall_week, tz),
    )


async def load_metrics(
    store: Store,
    policies: Policies,
    window: Window,
    *,
    tz: tzinfo = UTC,
    roster: Roster | None = None,
) -> MetricsReport:
    """Read the window (and the 90 days before it, for repeats) and compute the report."""
    now = store.clock.now()
    earliest = window.since - timedelta(days=LOOKBACK_DAYS)
    in_window = (
        col(Incident.declared_at) >= window.since,
        col(Incident.declared_at) < window.until,
        col(Incident.drill).is_(False),
    )
    async with store.read() as s:
        incidents = list(
            (
                await s.execute(
                    select(Incident).where(
                        col(Incident.declared_at) >= earliest,
                        col(Incident.declared_at) < window.until,
                        col(Incident.drill).is_(False),
                    )
                )
            ).scalars()
        )
        actions = list(
            (
                await s.execute(
                    select(ActionItem)
                    .join(Incident, col(Incident.id) == col(ActionItem.incident_id))
                    .where(*in_window)
                )
            ).scalars()
        )
        documents = list(
            (
                await s.execute(
                    select(Postmortem)
                    .join(Incident, col(Incident.id) == col(Postmortem.incident_id))
                    .where(*in_window)
                )
            ).scalars()
        )
    pages = await load_pages(
        store, roster, policies.oncall.health.rest_rule, window.since, window.until
    )
    return compute(
        window=window,
        now=now,
        policies=policies,
        incidents=incidents,
        actions=actions,
        postmortems={d.incident_id: d for d in documents},
        pages=pages,
        tz=tz,
    )
