"""``warroom metrics [--since T] [--until T] [--json]``: MTTD/MTTA/MTTM/MTTR per severity
against the targets, action items, post-mortems on time, repeats and on-call load."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

import click

from warroom.cli.context import CliContext, Env, answer, run
from warroom.cli.output import local, table
from warroom.cli.root import cli
from warroom.policy.roster import load_roster

if TYPE_CHECKING:  # the metrics load with the verb
    from warroom.metrics import MetricsReport

FMT = "%Y-%m-%d %H:%M %Z"


@cli.command()
@click.option("--since", metavar="TIME", help="Start of the window (default: 30 days ago).")
@click.option("--until", metavar="TIME", help="End of the window, excluded (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_obj
def metrics(ctx: CliContext, since: str | None, until: str | None, as_json: bool) -> None:
    """Incident metrics of a window (incidents declared in [--since, --until); drills are
    never counted): mean, median and p90 time to detect, acknowledge, mitigate and resolve
    per severity against policies/metrics.yaml, the severity mix, action-item completion,
    post-mortems on time, repeat incidents and pages per person per ISO week."""

    async def work(env: Env) -> None:
        from warroom.metrics import load_metrics, window

        now = env.store.clock.now()
        span = window(now, ctx.time(since, "--since"), ctx.time(until, "--until"))
        roster = load_roster(env.policies.directory)
        report = await load_metrics(env.store, env.policies, span, tz=env.tz, roster=roster)
        answer(as_json, report, lambda: _print(report, env.tz))

    run(ctx, work, read_only=True)


def _print(report: MetricsReport, tz: tzinfo) -> None:
    from warroom.metrics.readout import HEADERS, LEGEND, figure_lines, severity_rows, spread_lines

    w = report.window
    n = report.count
    click.echo(
        f"Metrics from {local(w.since, tz, FMT)} to {local(w.until, tz, FMT)}: "
        f"{n} incident{'s' if n != 1 else ''} (drills excluded)"
    )
    click.echo("")
    click.echo(table(HEADERS, severity_rows(report)))
    click.echo(LEGEND)
    click.echo("")
    for line in spread_lines(report.overall):
        click.echo(line)
    click.echo("")
    pairs = figure_lines(report, tz)
    width = max(len(label) for label, _, _ in pairs)
    for label, text, _met in pairs:
        click.echo(f"{label.ljust(width)}  {text}" if label else f"{'':{width}}    {text}")
