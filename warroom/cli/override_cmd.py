"""On-call overrides and swaps: ``oncall override``, ``swap``, ``cancel`` and ``list``."""

from __future__ import annotations

from datetime import tzinfo

import click

from warroom.cli.context import CliContext, Env, emit_json, run
from warroom.cli.oncall_cmd import FMT, _roster, _warn, _when, json_option, oncall, pass_ctx
from warroom.cli.output import local, table
from warroom.errors import BadInput
from warroom.models import OncallOverride
from warroom.oncall.overrides import OnCallCommands, OverrideResult, load_overrides, rotation_named
from warroom.oncall.schedule import shift_at
from warroom.policy.roster import Roster
from warroom.timeparse import iso_z

rotation_option = click.option(
    "--rotation",
    default="primary",
    show_default=True,
    metavar="ID|KIND",
    help="Rotation id, or primary / secondary.",
)


# --- overrides and swaps -----------------------------------------------------------------


def _report(result: OverrideResult, tz: tzinfo, as_json: bool, verb: str) -> None:
    if as_json:
        emit_json(
            {
                "overrides": [_override_json(o) for o in result.rows],
                "warnings": [w.to_json() for w in result.warnings],
            }
        )
    else:
        for o in result.rows:
            click.echo(
                f"{verb} #{o.id}: {o.person} on {o.rotation} for {o.replaces} from "
                f"{local(o.starts_at, tz, FMT)} to {local(o.ends_at, tz, FMT)} "
                f"(arranged by {o.arranged_by})"
            )
    _warn(result.warnings)


def _override_json(o: OncallOverride) -> dict[str, object]:
    return {
        "id": o.id,
        "rotation": o.rotation,
        "kind": o.kind,
        "person": o.person,
        "replaces": o.replaces,
        "starts_at": iso_z(o.starts_at),
        "ends_at": iso_z(o.ends_at),
        "arranged_by": o.arranged_by,
        "created_at": iso_z(o.created_at),
        "reason": o.reason,
        "pair": o.pair,
        "cancelled_at": iso_z(o.cancelled_at),
        "cancelled_by": o.cancelled_by,
    }


def _commands(env: Env, roster: Roster) -> OnCallCommands:
    return OnCallCommands(env.store, env.policies, roster, env.commands.actor, env.tz)


@oncall.command()
@click.argument("person")
@click.option("--from", "start", metavar="TIME", help="Start of the cover.")
@click.option("--until", "end", metavar="TIME", help="End of the cover.")
@click.option("--shift", "shift", metavar="TIME", help="Cover the whole shift running at TIME.")
@rotation_option
@click.option("--reason", metavar="TEXT", help="Why (kept with the override).")
@json_option
@pass_ctx
def override(
    ctx: CliContext,
    person: str,
    start: str | None,
    end: str | None,
    shift: str | None,
    rotation: str,
    reason: str | None,
    as_json: bool,
) -> None:
    """PERSON covers a rotation: --from T --until T, or the whole --shift T."""
    if shift is None and (start is None or end is None):
        raise click.UsageError("give --from and --until, or --shift.")
    if shift is not None and (start or end):
        raise click.UsageError("give either --shift or --from/--until, not both.")

    async def work(env: Env) -> None:
        roster = _roster(env)
        if shift is not None:
            rot = rotation_named(roster, rotation)
            sh = shift_at(rot, _when(ctx, env, shift, "--shift"))
            if sh is None:
                raise BadInput(f"rotation {rot.id} has not started at --shift {shift}.")
            a, b = sh.starts_at, sh.ends_at
        else:
            a, b = _when(ctx, env, start, "--from"), _when(ctx, env, end, "--until")
        result = await _commands(env, roster).cover(
            person, start=a, end=b, rotation=rotation, reason=reason
        )
        _report(result, env.tz, as_json, "override")

    run(ctx, work)


@oncall.command()
@click.argument("person")
@click.argument("other")
@rotation_option
@click.option("--at", "at", metavar="TIME", help="A time in PERSON's shift (default: next).")
@click.option("--their", "their", metavar="TIME", help="A time in OTHER's shift (default: next).")
@click.option("--reason", metavar="TEXT", help="Why (kept with the swap).")
@json_option
@pass_ctx
def swap(
    ctx: CliContext,
    person: str,
    other: str,
    rotation: str,
    at: str | None,
    their: str | None,
    reason: str | None,
    as_json: bool,
) -> None:
    """PERSON and OTHER trade shifts of one rotation (their next ones unless given)."""

    async def work(env: Env) -> None:
        roster = _roster(env)
        result = await _commands(env, roster).swap(
            person,
            other,
            rotation=rotation,
            at=ctx.time(at, future=True),
            other_at=ctx.time(their, "--their", future=True),
            reason=reason,
        )
        _report(result, env.tz, as_json, "swap")

    run(ctx, work)


@oncall.command()
@click.argument("override_id", type=click.IntRange(1, 2**63 - 1))  # a database id
@pass_ctx
def cancel(ctx: CliContext, override_id: int) -> None:
    """Cancel an override or swap (both halves); kept in the record as cancelled."""

    async def work(env: Env) -> None:
        rows = await _commands(env, _roster(env)).cancel(override_id)
        for o in rows:
            click.echo(f"cancelled #{o.id}: {o.person} on {o.rotation} for {o.replaces}")

    run(ctx, work)


@oncall.command(name="list")
@click.option("--all", "show_all", is_flag=True, help="Include past and cancelled overrides.")
@json_option
@pass_ctx
def list_overrides(ctx: CliContext, show_all: bool, as_json: bool) -> None:
    """Overrides and swaps, with who arranged them."""

    async def work(env: Env) -> None:
        now = env.store.clock.now()
        rows = await load_overrides(env.store, include_cancelled=show_all)
        if not show_all:
            rows = [o for o in rows if o.ends_at > now]
        if as_json:
            emit_json([_override_json(o) for o in rows])
            return
        if not rows:
            click.echo("no overrides" + ("" if show_all else " now or ahead (--all for past ones)"))
            return
        click.echo(
            table(
                ["ID", "ROTATION", "KIND", "WHO", "FOR", "FROM", "UNTIL", "BY", "STATE"],
                [
                    [
                        o.id,
                        o.rotation,
                        o.kind,
                        o.person,
                        o.replaces,
                        local(o.starts_at, env.tz),
                        local(o.ends_at, env.tz),
                        o.arranged_by,
                        f"cancelled by {o.cancelled_by}" if o.cancelled_at else "",
                    ]
                    for o in rows
                ],
            )
        )

    run(ctx, work)


# --- health --------------------------------------------------------------------------------
