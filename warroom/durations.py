"""Durations: how long an incident took (DESIGN.md, time semantics) and how any
duration is written, for the CLI, the console, the post-mortem, comms and metrics.

The figures: time to detect = detected - started, to acknowledge = acknowledged -
detected, to mitigate = mitigated - detected, to resolve = resolved - detected (the
policy's MTTR). A missing milestone makes the figure unknown (None), never zero.

The formatters are one family, one function per style shown somewhere today:

==================  ==========================  =====================================
``human_duration``  ``1h 05m``, ``3m 07s``      ages, deadlines, flags
``countdown``       ``04:59``, ``1:02:03``      live countdowns and elapsed clocks
``hm``              ``2 h 05 min``, ``45 min``  post-mortem, comms, compliance, CLI
``span``            ``1 h 30 min``, ``4 h``     policy times (response, cadence)
``short``           ``1h10m``, ``2d3h``         metrics tables
``how_long``        ``3 min 07 s``, ``45 s``    escalation lateness and retries
==================  ==========================  =====================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Figure:
    id: str  # mttd, mtta, mttm, mttr
    key: str  # the JSON key of an incident's own figure
    start: str  # milestone attribute
    end: str
    target: str  # the field of the metrics policy's targets
    words: str  # for people


FIGURES: dict[str, Figure] = {
    f.id: f
    for f in (
        Figure("mttd", "time_to_detect_min", "started_at", "detected_at", "mttd_minutes",
               "time to detect"),
        Figure("mtta", "time_to_ack_min", "detected_at", "acknowledged_at", "mtta_minutes",
               "time to acknowledge"),
        Figure("mttm", "time_to_mitigate_min", "detected_at", "mitigated_at", "mttm_minutes",
               "time to mitigate"),
        Figure("mttr", "time_to_resolve_min", "detected_at", "resolved_at", "mttr_minutes",
               "time to resolve"),
    )
}  # fmt: skip


def in_minutes(delta: timedelta, digits: int = 2) -> float:
    """A duration as a number of minutes (JSON durations are minutes as numbers)."""
    return round(delta.total_seconds() / 60.0, digits)


def minutes_between(a: datetime | None, b: datetime | None) -> float | None:
    """b - a in minutes, None when either is unknown."""
    if a is None or b is None:
        return None
    return in_minutes(b - a)


def incident_durations(inc: object) -> dict[str, float | None]:
    """``time_to_detect_min`` ... ``time_to_resolve_min`` of an incident (or anything
    with its milestone attributes); None where a milestone is unknown."""
    return {
        f.key: minutes_between(getattr(inc, f.start), getattr(inc, f.end)) for f in FIGURES.values()
    }


# --- writing durations ----------------------------------------------------------------


def _parts(delta: timedelta) -> tuple[str, int, int, int]:
    """(sign, hours, minutes, seconds) of a duration, whole seconds toward zero."""
    secs = int(delta.total_seconds())
    h, rem = divmod(abs(secs), 3600)
    return ("-" if secs < 0 else ""), h, *divmod(rem, 60)


def human_duration(delta: timedelta) -> str:
    """``2d 4h``, ``1h 05m``, ``3m 07s`` (negative: a leading ``-``)."""
    sign, h, m, s = _parts(delta)
    if h >= 24:
        return f"{sign}{h // 24}d {h % 24}h"
    if h:
        return f"{sign}{h}h {m:02d}m"
    return f"{sign}{m}m {s:02d}s"


def countdown(delta: timedelta) -> str:
    """mm:ss (or h:mm:ss) for a countdown; negative means overdue."""
    sign, h, m, s = _parts(delta)
    return f"{sign}{h}:{m:02d}:{s:02d}" if h else f"{sign}{m:02d}:{s:02d}"


def hm(minutes: float | None, unknown: str = "unknown", *, exact: bool = False) -> str:
    """Minutes in hours and minutes: ``2 h 05 min``, ``45 min``; ``unknown`` for None.
    ``exact``: under an hour, the minutes as they are (``4.5 min``)."""
    if minutes is None:
        return unknown
    if exact and minutes < 60:
        return f"{minutes:g} min"
    total = round(minutes)
    h, m = divmod(abs(total), 60)
    sign = "-" if total < 0 else ""
    return f"{sign}{h} h {m:02d} min" if h else f"{sign}{m} min"


def span(minutes: float) -> str:
    """A policy's time: 15 -> ``15 min``, 240 -> ``4 h``, 90 -> ``1 h 30 min``,
    1440 -> ``1 day``."""
    m = round(minutes)
    if m < 60:
        return f"{m} min"
    days, rest = divmod(m, 1440)
    if days and not rest:
        return f"{days} day" + ("s" if days > 1 else "")
    h, mm = divmod(m, 60)
    return f"{h} h" + (f" {mm:02d} min" if mm else "")


def short(minutes: float | None) -> str:
    """``45m``, ``1h10m``, ``2d3h``; ``?`` when unknown."""
    if minutes is None:
        return "?"
    if minutes < 60:
        return f"{minutes:.0f}m" if minutes >= 10 or minutes == int(minutes) else f"{minutes:.1f}m"
    total = round(minutes)
    if total < 1440:
        h, m = divmod(total, 60)
        return f"{h}h{m:02d}m" if m else f"{h}h"
    d, rest = divmod(total, 1440)
    h = rest // 60
    return f"{d}d{h}h" if h else f"{d}d"


def how_long(delta: timedelta) -> str:
    """To the second: ``1 h 05 min``, ``3 min 07 s``, ``3 min``, ``45 s``."""
    _sign, h, m, s = _parts(delta)
    if h:
        return f"{h} h {m:02d} min"
    if m:
        return f"{m} min {s:02d} s" if s else f"{m} min"
    return f"{s} s"
