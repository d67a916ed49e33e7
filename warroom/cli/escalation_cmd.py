"""Escalation verbs: ``escalations REF``, ``watch`` (the headless engine) and ``drill``."""

from __future__ import annotations

import asyncio
import contextlib
import math
import signal
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from platformdirs import user_data_dir

from warroom.cli.context import CliContext, Env, emit_json, guard, run
from warroom.cli.output import local, table
from warroom.cli.root import cli
from warroom.clock import ScaledClock, SystemClock
from warroom.errors import WarroomError
from warroom.escalation.attempts import LEASE, MAX_LEASE, MIN_LEASE
from warroom.incident.queries import EntryRow
from warroom.incident.refs import parse_ref
from warroom.notify import AppriseSender, DrillSender, Sender
from warroom.policy.loader import bundled_dir
from warroom.policy.roster import Roster, load_roster, roster_path
from warroom.store import Store
from warroom.text import printable

if TYPE_CHECKING:
    from warroom.escalation import EscalationLoop, TickReport

pass_ctx = click.make_pass_decorator(CliContext)


def _people(item: dict[str, Any]) -> str:
    names = [f"{p['person']} ({p['label']})" for p in item.get("people", [])]
    names += [f"nobody fills {t}" for t in item.get("unfilled", [])]
    return ", ".join(names) or "-"


def _print_plan(data: dict[str, Any], ctx: CliContext) -> None:
    tz = ctx.tz

    def t(iso: str | None) -> str:
        return local(datetime.fromisoformat(iso.replace("Z", "+00:00")), tz) if iso else "-"

    state = "resolved" if data["resolved"] else "acknowledged" if data["acknowledged"] else "open"
    click.echo(f"{data['ref']}  SEV{data['severity']}  {printable(data['title'])}  ({state})")
    rows: list[list[object]] = []
    for kind in ("fired", "due", "upcoming", "cancelled"):
        for item in data[kind]:
            when = item.get("fired_at") or item["due_at"]
            note = kind
            if kind == "fired" and item["late_min"] >= 1:
                note = f"fired {item['late_min']:g} min late"
            if kind == "cancelled":
                note = f"cancelled ({item['cancelled_by']})"
            rows.append([note, t(when), item["step_id"], item["action"], _people(item)])
    if rows:
        click.echo(table(["STATE", "AT", "STEP", "ACTION", "WHO"], rows))
    else:
        click.echo("no escalation steps for this severity")
    su = data["status_update"]
    if su["next_due_at"]:
        late = "  OVERDUE" if su["overdue"] else ""
        click.echo(f"next status update due {t(su['next_due_at'])}{late}")
    chain = " -> ".join(
        f"{lvl['name']}: {lvl['person'] or 'nobody'}"
        + (f" ({lvl['timeout_minutes']:g} min)" if lvl["timeout_minutes"] else "")
        for lvl in data["escalation_policy"]
    )
    click.echo(f"escalation policy: {chain}")
    if not data["roster"]:
        click.echo("no roster.yaml beside the policies: nobody can be paged yet.")


def _roster(env: Env) -> Roster | None:
    return load_roster(env.policies.directory)


@cli.command()
@click.argument("ref")
@click.option("--now", "now_text", metavar="TIME", help="Show the plan at this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@pass_ctx
def escalations(ctx: CliContext, ref: str, now_text: str | None, as_json: bool) -> None:
    """The escalation plan of REF: fired, due now and upcoming steps, and who is paged."""

    async def work(env: Env) -> None:
        from warroom.escalation.report import escalation_report

        now = ctx.time(now_text, "--now") or ctx.clock.now()
        _, data = await escalation_report(
            env.store, env.policies, _roster(env), parse_ref(ref), now
        )
        if as_json:
            emit_json(data)
        else:
            _print_plan(data, ctx)

    run(ctx, work, read_only=True)


def _echo_report(report: TickReport, ctx: CliContext, loop: EscalationLoop) -> None:
    for f in report.fired:
        click.echo(f"{local(f.fired_at, ctx.tz, '%H:%M:%S')}  {f.ref}  {printable(f.text)}")
    if report.error:
        click.echo(f"warroom watch: {report.error} (still running)", err=True)
    while loop.outcomes:
        o = loop.outcomes.popleft()
        what = "sent" if o.ok else ("gave up" if o.gave_up else "failed, will retry")
        tail = f": {printable(o.error)}" if o.error else ""
        click.echo(f"          {o.person} via {o.method}: {what}{tail}")


@cli.command()
@click.option("--once", is_flag=True, help="One pass (fire what is due, deliver, stop).")
@click.option(
    "--interval", default=1.0, show_default=True, metavar="SECONDS", help="Time between passes."
)
@click.option(
    "--lease",
    default=LEASE.total_seconds(),
    show_default=True,
    metavar="SECONDS",
    help="How long a claimed notification is this process's to send before another "
    "process may take it over (a request times out at half of it, at most 30 s).",
)
@pass_ctx
def watch(ctx: CliContext, once: bool, interval: float, lease: float) -> None:
    """Run the escalation engine headless (for a server); Ctrl-C stops it."""
    if not (math.isfinite(interval) and 0 < interval <= 3600):
        raise click.BadParameter(
            "must be a number of seconds from 0 to 3600", param_hint="--interval"
        )
    low, high = MIN_LEASE.total_seconds(), MAX_LEASE.total_seconds()
    if not (math.isfinite(lease) and low <= lease <= high):
        raise click.BadParameter(
            f"must be a number of seconds from {low:g} to {high:g}", param_hint="--lease"
        )

    async def work(env: Env) -> None:
        roster = _roster(env)
        if roster is None:
            click.echo(
                f"warroom watch: no roster at {roster_path(env.policies.directory)}; steps fire "
                "and are recorded, but nobody can be paged.",
                err=True,
            )
        from warroom.escalation import EscalationLoop  # the engine: loaded by `watch` only

        loop = EscalationLoop(
            env.store, env.policies, roster, ctx.clock, lease=timedelta(seconds=lease)
        )
        if once:
            report = await loop.tick()
            await loop.drain()
            error, report.error = report.error, None  # not "still running": said below
            _echo_report(report, ctx, loop)
            if error:  # a failure (exit 1), not bad input
                raise WarroomError(f"warroom watch --once: the escalation pass failed: {error}")
            return
        stop = asyncio.Event()
        ev = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                ev.add_signal_handler(sig, stop.set)
        click.echo(f"warroom watch: escalation engine running as {loop.name}; Ctrl-C stops it.")
        await loop.run(interval, stop, on_tick=lambda r: _echo_report(r, ctx, loop))
        click.echo("warroom watch: stopped.")

    run(ctx, work)


@cli.command()
@click.argument("scenario", required=False)
@click.option("--speed", default=60.0, show_default=True, help="How many times faster than real.")
@click.option("--list", "list_only", is_flag=True, help="List the packaged scenarios.")
@click.option("--drill-db", metavar="PATH", help="Database for the drill (default: a new file).")
@click.option("--notify", is_flag=True, help="Really send the [DRILL] pages (default: record).")
@pass_ctx
def drill(
    ctx: CliContext,
    scenario: str | None,
    speed: float,
    list_only: bool,
    drill_db: str | None,
    notify: bool,
) -> None:
    """Run a game-day SCENARIO on its own database with a fast clock."""
    from warroom.drills.drill import DrillClock, load_scenario, run_drill, scenario_names

    if list_only:
        for name in scenario_names():
            sc = load_scenario(name)
            click.echo(f"{name}  SEV{sc.severity}  {sc.duration_minutes:g} min  {sc.name}")
        return
    if not (math.isfinite(speed) and 0 < speed <= 100_000):
        raise click.BadParameter("must be a number from 0 to 100000", param_hint="--speed")

    def go() -> None:
        sc = load_scenario(scenario or "sev1-full-outage")
        policies = ctx.policies()
        roster = load_roster(policies.directory) or load_roster(bundled_dir("data"))
        clock = DrillClock(ScaledClock(speed, SystemClock().now()))
        if drill_db:
            path = Path(drill_db)
        else:
            folder = Path(user_data_dir("warroom", appauthor=False)) / "drills"
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = folder / f"drill-{clock.now().strftime('%Y%m%d-%H%M%S')}.db"
        sender: Sender = AppriseSender() if notify else DrillSender()
        click.echo(
            f"drill {sc.name!r} at {speed:g}x on {path} "
            f"({sc.duration_minutes:g} drill minutes take {sc.duration_minutes * 60 / speed:.0f} s)"
            + ("" if notify else "; pages are recorded, not sent (--notify sends them)")
        )

        def show(row: EntryRow) -> None:
            who = f"{row.role}/{row.author}" if row.role else row.author
            when = local(row.at, ctx.tz, "%H:%M:%S")
            line = f"{when}  {row.kind:<9} {who:<14} {printable(row.text)}"
            click.echo(line)

        async def main() -> None:
            store = await Store.open(path, clock)
            try:
                result = await run_drill(
                    store, policies, roster, sc, clock, sender=sender, speed=speed, show=show
                )
            finally:
                await store.close()
            click.echo(
                f"drill over: {result.incident.ref} {result.pages} escalation steps fired, "
                f"{result.entries} timeline entries. Look again with: "
                f"warroom --db {path} show {result.incident.ref}"
            )

        asyncio.run(main())

    guard(go)
