"""``warroom checklist REF [TEXT] [--undo]``: the phase checklist of an incident.

Without TEXT it lists the current phase's checklist (``--all``: every phase). With
TEXT it ticks the item whose text starts with TEXT (``--undo``: unticks it), through
the registry's ``check``/``uncheck`` verbs, as the scribe's ``/check`` does. The
command means a state (done, or not done): an item someone else already made so is
left as it is and the answer says who did it.
"""

from __future__ import annotations

import click

from warroom.cli.context import CliContext, Env, emit_json, run
from warroom.cli.output import local, table
from warroom.cli.root import cli
from warroom.incident.refs import parse_ref
from warroom.incident.verbs import Command, perform
from warroom.incident.war_room import load_war_room, phase_checklist
from warroom.timeparse import iso_z

pass_ctx = click.make_pass_decorator(CliContext)


@cli.command()
@click.argument("ref")
@click.argument("text", required=False)
@click.option("--undo", is_flag=True, help="Untick the item (it was done, it is not).")
@click.option("--all", "every_phase", is_flag=True, help="List the items of every phase.")
@click.option("--at", "at", metavar="TIME", help="When it was done (ISO-8601 or HH:MM).")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON for scripts.")
@pass_ctx
def checklist(
    ctx: CliContext,
    ref: str,
    text: str | None,
    undo: bool,
    every_phase: bool,
    at: str | None,
    as_json: bool,
) -> None:
    """List the phase checklist of REF, or tick the item that starts with TEXT."""

    async def work(env: Env) -> None:
        if text is not None:
            call = Command("uncheck" if undo else "check", text, at=ctx.time(at))
            click.echo((await perform(env.commands, ref, call)).message)
            return
        state = await load_war_room(env.store, parse_ref(ref))
        items = state.checklist if every_phase else phase_checklist(state)
        if as_json:
            emit_json(
                [
                    {
                        "id": i.id,
                        "phase": i.phase,
                        "text": i.text,
                        "done": i.done,
                        "done_by": i.done_by,
                        "done_at": iso_z(i.done_at),
                    }
                    for i in items
                ]
            )
            return
        rows = [
            (
                "[x]" if i.done else "[ ]",
                i.phase,
                i.text,
                f"{i.done_by} {local(i.done_at, env.tz, '%H:%M')}" if i.done else "",
            )
            for i in items
        ]
        click.echo(table(["", "PHASE", "ITEM", "DONE BY"], rows, max_width=80))

    if (undo or at) and text is None:
        raise click.UsageError("--undo and --at need the TEXT of an item.")
    run(ctx, work)
