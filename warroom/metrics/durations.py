"""Time to detect / acknowledge / mitigate / resolve, per incident and summed up.

The figures are defined once, in :mod:`warroom.durations` (DESIGN.md, time
semantics). A missing milestone makes that figure unknown (None), never zero; unknown
figures are left out of the mean, median and p90 and counted apart (``unknown``).

Summary statistics: the mean (what MTTx names, and what is compared with the
target), the median, and the 90th percentile by the nearest-rank method (the
smallest value with at least 90% of the values at or below it). An incident *beats*
the target when its own figure is at or under its severity's target; a severity
*meets* the target when the mean does.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from warroom.durations import FIGURES, incident_durations
from warroom.models import Incident
from warroom.policy.models import MetricTargets


def incident_figures(inc: Incident) -> dict[str, float | None]:
    """figure (mttd, mtta, mttm, mttr) -> this incident's minutes, None when unknown."""
    d = incident_durations(inc)
    return {fig: d[f.key] for fig, f in FIGURES.items()}


def target_for(targets: MetricTargets, figure: str, severity: int) -> float | None:
    table: dict[str, float] = getattr(targets, FIGURES[figure].target)
    return table.get(f"SEV{severity}")


def p90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass(frozen=True)
class FigureStats:
    figure: str  # mttd, mtta, mttm, mttr
    known: int
    unknown: int
    mean: float | None
    median: float | None
    p90: float | None
    target: float | None  # minutes; None for the all-severities row
    within_target: int  # incidents at or under their own severity's target

    @property
    def met(self) -> bool | None:
        """Mean at or under the target; None when either is unknown."""
        if self.mean is None or self.target is None:
            return None
        return self.mean <= self.target

    def to_json(self) -> dict[str, Any]:
        return {
            "mean_min": self.mean,
            "median_min": self.median,
            "p90_min": self.p90,
            "known": self.known,
            "unknown": self.unknown,
            "target_min": self.target,
            "met": self.met,
            "within_target": self.within_target,
        }


def figure_stats(
    figure: str,
    values: Sequence[tuple[float | None, float | None]],
    target: float | None = None,
) -> FigureStats:
    """``values``: (an incident's minutes or None, that incident's target or None)."""
    known = [v for v, _ in values if v is not None]
    within = sum(1 for v, t in values if v is not None and t is not None and v <= t)
    return FigureStats(
        figure=figure,
        known=len(known),
        unknown=len(values) - len(known),
        mean=_r(statistics.fmean(known)) if known else None,
        median=_r(statistics.median(known)) if known else None,
        p90=_r(p90(known)),
        target=target,
        within_target=within,
    )


def all_figures(
    incidents: Sequence[Incident], targets: MetricTargets, severity: int | None = None
) -> dict[str, FigureStats]:
    """The four figures over ``incidents`` (compared with ``severity``'s targets if given)."""
    per = [(inc, incident_figures(inc)) for inc in incidents]
    out: dict[str, FigureStats] = {}
    for fig in FIGURES:
        values = [(f[fig], target_for(targets, fig, inc.severity)) for inc, f in per]
        goal = target_for(targets, fig, severity) if severity is not None else None
        out[fig] = figure_stats(fig, values, goal)
    return out
