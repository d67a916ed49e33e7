"""On-call verbs: ``oncall`` (who is on call, the calendar), overrides, swaps, rotations and
the health check. The handoff review is in :mod:`warroom.cli.handoff_cmd`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo

import click
from click.decorators import FC

from warroom.cli.context import CliContext, Env, answer, emit_json, run
from warroom.cli.output import local, table
from warroom.cli.root import cli
from warroom.files import write_atomic
from warroom.oncall.health import Violation, schedule_violations
from warroom.oncall.overrides import load_overrides
from warroom.oncall.schedule import WEEKDAYS
from warroom.oncall.summary import OnCallNow, health_report, load_oncall_now
from warroom.policy.roster import Roster, require_roster
from warroom.text import printable
from warroom.timeparse import parse_date

pass_ctx = click.make_pass_decorator(CliContext)
FMT = "%a %Y-%m-%d %H:%M %Z"
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _roster(env: Env) -> Roster:
    return require_roster(env.policies.directory)


def _when(ctx: CliContext, env: Env, text: str | None, what: str = "--at") -> datetime:
    return ctx.time(text, what, future=True) or env.store.clock.now()


def _warn(warnings: list[Violation]) -> None:
    for w in warnings:
        click.echo(f"warning: {printable(w.message)}", err=True)
        if w.suggestion:
            click.echo(f"  suggestion: {printable(w.suggestion)}", err=True)


# --- warroom oncall ----------------------------------------------------------------------


def weeks_option(most: int, help_text: str) -> Callable[[FC], FC]:
    return click.option(
        "--weeks", type=click.IntRange(1, most), default=12, show_default=True, help=help_text
    )


@cli.group(invoke_without_command=True)
@click.option("--at", "at", metavar="TIME", help="The moment to ask about (default: now).")
@click.option("--ics", "ics", metavar="FILE", help="Write the shifts as an iCalendar file.")
@weeks_option(520, "How many weeks the --ics calendar covers.")
@json_option
@click.pass_context
def oncall(
    click_ctx: click.Context, at: str | None, ics: str | None, weeks: int, as_json: bool
) -> None:
    """Who is on call (primary and secondary, since and until when, the next three
    handoffs), or with --ics FILE the calendar of the coming weeks (RFC 5545)."""
    if click_ctx.invoked_subcommand is not None:
        return
    ctx: CliContext = click_ctx.obj

    async def work(env: Env) -> None:
        roster = _roster(env)
        when = _when(ctx, env, at)
        if ics is not None:
            from warroom.oncall.ics import build_calendar, export_window  # icalendar

            overrides = await load_overrides(env.store)
            start, end = export_window(roster, when, weeks)
            cal = build_calendar(roster, overrides, start, end, env.store.clock.now())
            path = write_atomic(ics, cal.to_ical(), "the calendar")
            n = len(cal.walk("VEVENT"))
            click.echo(
                f"wrote {n} on-call shifts ({weeks} weeks from {local(start, env.tz)}) to {path}"
            )
            return
        view = await load_oncall_now(env.store, roster, env.policies, when)
        answer(as_json, view, lambda: _print_now(view, env.tz))

    run(ctx, work, read_only=True)


def _print_now(view: OnCallNow, tz: tzinfo) -> None:
    click.echo(f"On call at {view.at.astimezone(tz):{FMT}}")
    rows: list[list[object]] = []
    for r in view.rotations:
        seg, run_ = r.now, r.run
        note = ""
        if seg is not None and seg.override_id is not None:
            note = (
                f"{seg.override_kind} #{seg.override_id} for {seg.scheduled} by {seg.arranged_by}"
            )
        rows.append(
            [
                r.rotation.kind,
                seg.person if seg else "(not started)",
                local(run_.starts_at, tz, FMT) if run_ else "-",
                local(run_.ends_at, tz, FMT) if run_ else "-",
                r.rotation.id,
                note,
            ]
        )
    click.echo(table(["ROLE", "WHO", "SINCE", "UNTIL", "ROTATION", "OVERRIDE"], rows))
    nxt = sorted(
        ((h, r.rotation) for r in view.rotations for h in r.upcoming), key=lambda x: x[0].at
    )
    if nxt:
        click.echo("\nNext handoffs:")
        click.echo(
            table(
                ["AT", "LOCAL TO ROTATION", "ROTATION", "FROM", "TO", ""],
                [
                    [
                        local(h.at, tz, FMT),
                        local(h.at, _zone(rot.zone), FMT),
                        rot.id,
                        h.outgoing or "-",
                        h.incoming,
                        "" if h.regular else "override",
                    ]
                    for h, rot in nxt
                ],
            )
        )
    _warn(view.warnings)


@oncall.command()
@click.option("--at", "at", metavar="TIME", help="The moment to check from (default: now).")
@weeks_option(104, "How far ahead to check the schedule.")
@click.option(
    "--back",
    type=click.IntRange(1, 52),
    default=4,
    show_default=True,
    help="How many past weeks of pages and rest to count.",
)
@json_option
@pass_ctx
def health(ctx: CliContext, at: str | None, weeks: int, back: int, as_json: bool) -> None:
    """On-call health: team size, weeks in a row, weeks between, pages per week, rest."""

    async def work(env: Env) -> None:
        roster = _roster(env)
        when = _when(ctx, env, at)
        report = await health_report(
            env.store, roster, env.policies, when, weeks_ahead=weeks, weeks_back=back, tz=env.tz
        )
        if as_json:
            emit_json(report.to_json())
            return
        people = sorted({p for _, _, pages in report.weeks for p in pages})
        if people:
            click.echo("Pages per week (night/day):")
            click.echo(
                table(
                    ["WEEK FROM", *people],
                    [
                        [
                            local(a, env.tz, "%Y-%m-%d"),
                            *(
                                f"{pages[p]['night']}/{pages[p]['day']}" if p in pages else "-"
                                for p in people
                            ),
                        ]
                        for a, _, pages in report.weeks
                    ],
                )
            )
        if not report.violations:
            click.echo("on-call health: no rule broken")
        for v in report.violations:
            click.echo(f"{v.rule}: {printable(v.message)}")
            if v.suggestion:
                click.echo(f"  suggestion: {printable(v.suggestion)}")

    run(ctx, work)


# --- rotations -----------------------------------------------------------------------------


@oncall.group()
def rotation() -> None:
    """Rotations in roster.yaml."""


@rotation.command(name="add")
@click.argument("rotation_id")
@click.option("--members", required=True, metavar="A,B,C", help="Members in order, from people.")
@click.option("--zone", required=True, metavar="ZONE", help="IANA zone of the handoff time.")
@click.option("--start", required=True, metavar="DATE", help="Local date of the first handoff.")
@click.option("--kind", type=click.Choice(["primary", "secondary"]), default="primary")
@click.option("--name", metavar="TEXT", help="A readable name (default: the id).")
@click.option(
    "--period", type=click.Choice(["daily", "weekly", "biweekly"]), help="Default: the policy's."
)
@click.option("--weekday", type=click.Choice(list(WEEKDAYS)), help="Default: the policy's.")
@click.option("--time", "handoff_time", metavar="HH:MM", help="Default: the policy's.")
@click.option("--offset", type=click.IntRange(0), help="Shifts ahead (secondary default: policy).")
@pass_ctx
def rotation_add(
    ctx: CliContext,
    rotation_id: str,
    members: str,
    zone: str,
    start: str,
    kind: str,
    name: str | None,
    period: str | None,
    weekday: str | None,
    handoff_time: str | None,
    offset: int | None,
) -> None:
    """Add a rotation to roster.yaml (refused below the policy's minimum team size)."""

    async def work(env: Env) -> None:
        from warroom.oncall.rotations import add_rotation  # the YAML writer

        roster = add_rotation(
            env.policies.directory,
            env.policies.oncall,
            rotation_id=rotation_id,
            members=[m.strip() for m in members.split(",") if m.strip()],
            zone=zone,
            start=parse_date(start, "--start"),
            kind=kind,
            name=name,
            period=period,
            weekday=weekday,
            handoff_time=handoff_time,
            offset=offset,
        )
        rot = roster.rotations[-1]
        click.echo(
            f"added rotation {rot.id}: {len(rot.members)} members, {rot.period}, handoff "
            f"{rot.handoff_weekday or ''} {rot.handoff_time} {rot.zone}, first {rot.start}"
        )
        now = env.store.clock.now()
        overrides = await load_overrides(env.store)
        _warn(
            schedule_violations(
                roster,
                env.policies.oncall,
                overrides,
                now,
                now + timedelta(weeks=12),
                env.tz,
                set(rot.members),
            )
        )

    run(ctx, work)
