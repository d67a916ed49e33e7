"""The metrics as lines for people (the CLI and the console show the same words).

Cells read without colour: ``4m / 5m ✓ 2/3`` is a mean of 4 minutes against a 5-minute
target, met (✓; ✗ missed), with 2 of the 3 incidents whose figure is known at or under
the target. User text (titles, names) is escaped with :func:`warroom.text.printable`.
"""

from __future__ import annotations

from datetime import tzinfo

from warroom.durations import FIGURES, short
from warroom.metrics.durations import FigureStats
from warroom.metrics.report import MetricsReport, SeverityFigures
from warroom.text import printable

MET = "✓"
MISSED = "✗"
HEADERS = ("SEVERITY", "INCIDENTS", "MTTD", "MTTA", "MTTM", "MTTR")
LEGEND = (
    "Each cell: mean / target, ✓ met or ✗ missed (the mean against the target), then "
    "incidents that beat the target / incidents with the figure known."
)


def mark(met: bool | None) -> str:
    return "" if met is None else MET if met else MISSED


def then_mark(met: bool | None) -> str:
    """`` ✓``, `` ✗`` or nothing (unknown), to end a phrase with."""
    return f" {mark(met)}" if met is not None else ""


def pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.0f}%"


def cell(s: FigureStats) -> str:
    if s.known == 0:
        return "-" if s.target is None else f"- / {short(s.target)}"
    if s.target is None:
        return f"{short(s.mean)} ({s.within_target}/{s.known} in target)"
    return f"{short(s.mean)} / {short(s.target)} {mark(s.met)} {s.within_target}/{s.known}"


def severity_rows(report: MetricsReport) -> list[list[str]]:
    rows = [
        [sev, str(f.count), *(cell(f.figures[fig]) for fig in FIGURES)]
        for sev, f in report.by_severity.items()
    ]
    o = report.overall
    rows.append(["ALL", str(o.count), *(cell(o.figures[fig]) for fig in FIGURES)])
    return rows


def spread_lines(overall: SeverityFigures) -> list[str]:
    """Mean, median and p90 of each figure over all severities."""
    out = []
    for fig, words in ((f.id, f.words) for f in FIGURES.values()):
        s = overall.figures[fig]
        unknown = f", unknown for {s.unknown}" if s.unknown else ""
        out.append(
            f"{fig.upper()} ({words}): mean {short(s.mean)}, median {short(s.median)}, "
            f"p90 {short(s.p90)}{unknown}"
        )
    return out


Line = tuple[str, str, bool | None]


def figure_lines(report: MetricsReport, tz: tzinfo) -> list[Line]:
    """(label, text, goal met) for the figures under the table; details as ("", text, None)."""
    n = report.count
    mix = " · ".join(
        f"{sev} {f.count}" + (f" ({f.count / n * 100:.0f}%)" if n else "")
        for sev, f in report.by_severity.items()
    )
    a = report.actions
    st = a.stats
    p = report.postmortems
    r = report.recurrence
    load = report.load
    out: list[Line] = [("Severity mix", mix, None)]
    out.append(
        (
            "Action items",
            f"{st.total} created, {st.done} done, {st.wont_do} won't do; completion "
            f"{pct(st.completion_rate)} (goal {pct(a.goal)}){then_mark(a.met)}; "
            f"{st.overdue} open overdue",
            a.met,
        )
    )
    pm = f"{p.on_time} of {p.on_time + p.late} on time ({pct(p.rate)}, goal {pct(p.goal)})"
    pm += then_mark(p.met)
    if p.late_refs:
        pm += "; late: " + ", ".join(p.late_refs)
    pm += f"; {p.pending} pending (unresolved or within the deadline)"
    out.append(("Post-mortems", pm, p.met))
    out.append(
        (
            "Repeat incidents",
            f"{len(r.pairs)} of {r.count} ({pct(r.rate)}, goal at most {pct(r.goal_max)})"
            f"{then_mark(r.met)}",
            r.met,
        )
    )
    for pair in r.pairs:
        j = pair.to_json()
        when = pair.earlier.declared_at.astimezone(tz).strftime("%Y-%m-%d")
        out.append(
            (
                "",
                f"{j['ref']} {printable(j['title'])!r} repeats {j['repeats_ref']} "
                f"{printable(j['repeats_title'])!r} ({when}), similarity {j['similarity']:.2f}",
                None,
            )
        )
    top = load.max_week
    busiest = f" ({printable(top.person)}, {top.week})" if top else ""
    out.append(
        (
            "On-call load",
            f"{load.pages} pages; most in a week {top.pages if top else 0}{busiest}, "
            f"goal at most {load.limit}{then_mark(load.met)}",
            load.met,
        )
    )
    for w in load.over:
        out.append(("", f"over: {printable(w.person)} {w.pages} pages in {w.week}", None))
    return out
