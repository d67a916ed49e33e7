"""``warroom compliance``: the auditor's checklist (policies/compliance.yaml).

warroom compliance                     every check, every real incident
warroom compliance --since 2026-01-01  incidents declared since then
warroom compliance --json              for scripts; exit 1 when a check fails
"""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

import click

from warroom.cli.context import CliContext, Env, emit_json, run
from warroom.cli.output import local
from warroom.cli.root import cli
from warroom.text import printable

if TYPE_CHECKING:  # the checks load with the verb
    from warroom.compliance import ComplianceReport

pass_ctx = click.make_pass_decorator(CliContext)


def render(report: ComplianceReport, tz: tzinfo, tz_label: str) -> str:
    """The checklist for people: one line per check, a line per failing incident."""
    n = len(report.incidents)
    scope = f"declared since {local(report.since, tz)}" if report.since else "all"
    lines = [
        f"Compliance: {n} incident{'s' if n != 1 else ''} ({scope}; drills excluded), "
        f"times in {tz_label}",
        "",
    ]
    width = max((len(c.id) for c in report.checks), default=0)
    for c in report.checks:
        counts = f"{len(c.passed)} passed, {len(c.failed)} failed, "
        counts += f"{len(c.not_applicable)} not applicable"
        lines.append(f"{c.state.upper():<4}  {c.id:<{width}}  {printable(c.text)}")
        lines.append(f"      {'':<{width}}  {counts}")
        lines += [f"      - {f.ref}: {printable(f.reason)}" for f in c.failed]
    failed = sum(1 for c in report.checks if c.failed)
    lines.append("")
    lines.append(
        f"{failed} of {len(report.checks)} checks failed."
        if failed
        else f"All {len(report.checks)} checks passed."
    )
    return "\n".join(lines)


@cli.command("compliance")
@click.option(
    "--since", metavar="TIME", help="Only incidents declared at or after TIME (ISO-8601)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@pass_ctx
def compliance(ctx: CliContext, since: str | None, as_json: bool) -> None:
    """Check every real incident against the compliance checklist (compliance.yaml).

    Each check (severity-set, ic-assigned, timeline-intact, postmortem-on-time,
    action-items-owned, updates-on-cadence) is judged against every non-drill incident
    it applies to (its `severities:`, if any, are matched against every severity the
    incident held). Failures name the incident and the reason.

    Exit status: 0 when every check passes, 1 when any check fails, 2 for bad input.
    """

    async def work(env: Env) -> int:
        from warroom.compliance import evaluate

        start = ctx.time(since, "--since")
        report = await evaluate(env.store, env.policies, since=start, tz=env.tz)
        if as_json:
            emit_json(report.to_json())
        else:
            click.echo(render(report, env.tz, ctx.tz_name or "the local zone"))
        return 0 if report.ok else 1

    raise SystemExit(run(ctx, work, read_only=True))
