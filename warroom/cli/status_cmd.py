"""``warroom status REF --audience A [--stage S] [--text T | --from-template] [--json]``."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import select
from sqlmodel import col

from warroom.cli.context import CliContext, Env, bad, emit_json, run
from warroom.cli.output import local
from warroom.cli.root import cli
from warroom.comms.destinations import delivery_shown
from warroom.models import Delivery
from warroom.notify import AppriseSender
from warroom.text import printable
from warroom.timeparse import iso_z

if TYPE_CHECKING:  # the outbox loads with the verb
    from warroom.comms.updates import Posted

pass_ctx = click.make_pass_decorator(CliContext)


@cli.command("status")
@click.argument("ref")
@click.option("--audience", required=True, metavar="A", help="internal, customers, executives...")
@click.option("--stage", metavar="S", help="investigating, identified, monitoring, resolved...")
@click.option("--text", metavar="T", help="The update as written ('-' reads it from stdin).")
@click.option("--from-template", is_flag=True, help="Write it from the stage's template.")
@click.option(
    "--send/--no-send",
    default=True,
    show_default=True,
    help="Make a first delivery attempt now; retries (and --no-send) are left to "
    "`warroom watch` or an open console.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@pass_ctx
def status(
    ctx: CliContext,
    ref: str,
    audience: str,
    stage: str | None,
    text: str | None,
    from_template: bool,
    send: bool,
    as_json: bool,
) -> None:
    """Record a stakeholder status update and queue it to the audience's destinations."""
    if text is not None and from_template:
        bad("give either --text or --from-template, not both.")
    if text is None and not from_template:
        bad(
            "say what the update says: --text TEXT (or --text - to read it from stdin), "
            "or --from-template to write it from the stage's template (communications.yaml)."
        )
    if text == "-":
        text = sys.stdin.read()

    async def work(env: Env) -> None:
        posted = await env.commands.post_update(ref, audience=audience, stage=stage, text=text)
        if send and posted.delivery_ids:
            from warroom.comms.updates import deliver_now

            await deliver_now(env.store, AppriseSender(), posted.delivery_ids, env.policies)
        async with env.store.read() as s:
            q = select(Delivery).where(col(Delivery.id).in_(posted.delivery_ids))
            rows = {d.id: d for d in (await s.execute(q)).scalars()}
        deliveries = [_delivery_json(rows[i]) for i in posted.delivery_ids]
        if as_json:
            emit_json(_json(posted, deliveries))
        else:
            _echo(posted, deliveries, env)

    run(ctx, work)


def _delivery_json(d: Delivery) -> dict[str, Any]:
    return {
        "destination": d.destination_label or delivery_shown(d),  # never the URL
        "destination_id": d.destination,  # which one of the audience's: AUDIENCE#N
        "method": d.method,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": iso_z(d.next_attempt_at) if d.status == "pending" else None,
        "last_error": d.last_error,
    }


def _json(p: Posted, deliveries: list[dict[str, Any]]) -> dict[str, Any]:
    u = p.update
    return {
        "ref": p.ref,
        "audience": p.audience,
        "audience_name": p.audience_name,
        "stage": p.stage,
        "stage_name": p.stage_name,
        "text": u.text,
        "from_template": p.from_template,
        "author": u.author,
        "at": iso_z(u.at),
        "requirement": p.requirement,
        "next_update_at": iso_z(p.next_update_at),
        "deliveries": deliveries,
        "held_for_drill": [d.label for d in p.held],
        "warnings": p.warnings,
    }


def _echo(p: Posted, deliveries: list[dict[str, Any]], env: Env) -> None:
    u = p.update
    stage = f", {p.stage_name}" if p.stage_name else ""
    how = " from the template" if p.from_template else ""
    click.echo(
        f"{p.ref}: status update for {p.audience_name}{stage} recorded{how} at "
        f"{local(u.at, env.tz, '%H:%M')} by {printable(u.author)}:"
    )
    for line in u.text.splitlines():
        click.echo(f"  {printable(line)}")
    if p.held:
        names = ", ".join(d.shown for d in p.held)
        click.echo(f"Not delivered: {p.ref} is a drill (would have gone to {names}).")
    elif not deliveries:
        click.echo(
            f"Not delivered anywhere: {p.audience} has no destinations (communications.yaml, "
            f"or WARROOM_STATUS_{p.audience.upper().replace('-', '_')}); it is on the timeline."
        )
    for d in deliveries:
        if d["status"] == "sent":
            state = "sent"
        elif d["status"] == "failed":
            state = f"failed, gave up: {printable(d['last_error'] or '')}"
        elif d["attempts"]:
            nxt = d["next_attempt_at"]
            when = local(datetime.fromisoformat(nxt), env.tz, "%H:%M:%S") if nxt else "soon"
            state = f"not sent yet ({printable(d['last_error'] or '')}); retrying from {when}"
        else:
            state = "queued (sent by `warroom watch` or an open console)"
        where = f"{d['destination_id']} ({d['destination']})" if d["destination_id"] else ""
        click.echo(f"  -> {where or d['destination']}: {state}")
    if p.next_update_at is not None:
        click.echo(f"Next update due by {local(p.next_update_at, env.tz, '%H:%M %Z')}.")
    for w in p.warnings:
        click.echo(f"warroom: warning: {w}", err=True)
