"""The handoff review at rotation change: ``handoff``, ``handoff notes``, ``handoff ack``."""

from __future__ import annotations

import sys
from datetime import tzinfo
from typing import TYPE_CHECKING

import click

from warroom.cli.context import CliContext, Env, answer, run
from warroom.cli.output import local
from warroom.cli.root import cli
from warroom.policy.roster import require_roster
from warroom.text import printable

if TYPE_CHECKING:  # the review loads with the verb
    from warroom.oncall.review import HandoffReview

pass_ctx = click.make_pass_decorator(CliContext)
FMT = "%a %Y-%m-%d %H:%M %Z"
at_option = click.option(
    "--at", "at", metavar="TIME", help="Review as of this moment (default: now)."
)


@cli.group(invoke_without_command=True)
@at_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def handoff(click_ctx: click.Context, at: str | None, as_json: bool) -> None:
    """The handoff review: who hands over to whom, open incidents, the shift's incidents and
    pages, action items due or overdue, the outgoing notes and the acknowledgment."""
    if click_ctx.invoked_subcommand is not None:
        return
    ctx: CliContext = click_ctx.obj

    async def work(env: Env) -> None:
        from warroom.oncall.review import load_review

        roster = require_roster(env.policies.directory)
        when = ctx.time(at, future=True) or env.store.clock.now()
        review = await load_review(env.store, env.policies, roster, when, env.tz)
        answer(as_json, review, lambda: _print(review, env.tz))

    run(ctx, work)


def _print(r: HandoffReview, tz: tzinfo) -> None:
    p, s = r.primary, r.secondary
    click.echo(f"Handoff of {r.rotation.name} at {local(r.at, tz, FMT)}")
    click.echo(f"  primary    {p.outgoing or '-'} -> {p.incoming or '-'}")
    if s is not None:
        click.echo(f"  secondary  {s.outgoing or '-'} -> {s.incoming or '-'}")
    click.echo(f"  shift      {local(r.shift_from, tz, FMT)} to {local(r.shift_until, tz, FMT)}")
    click.echo("\nOpen incidents:")
    if not r.open_incidents:
        click.echo("  none")
    for o in r.open_incidents:
        inc = o.incident
        click.echo(
            f"  {inc.ref}  SEV{inc.severity}  {inc.status}/{inc.phase}  "
            f"IC {o.ic or '(none)'}  {printable(inc.title)}"
        )
        nxt = o.next_escalation
        if nxt:
            late = " (overdue)" if nxt.overdue else ""
            click.echo(f"      next escalation {local(nxt.due_at, tz, FMT)}{late}: {nxt.action}")
        u = o.last_update
        if u:
            click.echo(
                f"      last update {local(u.at, tz, FMT)} ({u.audience}): {printable(u.text)}"
            )
        else:
            click.echo("      no status update yet")
    click.echo("\nDuring the shift:")
    click.echo(f"  declared  {', '.join(i.ref or '?' for i in r.declared) or 'none'}")
    click.echo(f"  resolved  {', '.join(i.ref or '?' for i in r.resolved) or 'none'}")
    pages = ", ".join(f"{who} {n['total']} ({n['night']} at night)" for who, n in r.pages.items())
    click.echo(f"  pages     {pages or 'none'}")
    click.echo("\nAction items:")
    for label, items in (("overdue", r.overdue), ("due this week", r.due_soon)):
        for a in items:
            click.echo(f"  {label:13}  {a.due}  {a.owner or '(no owner)':12}  {printable(a.title)}")
    if not r.overdue and not r.due_soon:
        click.echo("  none due in the coming week, none overdue")
    rec = r.record
    click.echo("\nNotes from the outgoing engineers:")
    for note in r.note_list:
        click.echo(f"  -- {printable(note.heading(tz, FMT))}:")
        for line in note.text.splitlines():
            click.echo(f"  {printable(line)}")
    if not r.note_list:
        click.echo("  (none yet: warroom handoff notes TEXT)")
    if rec is not None and rec.acknowledged_at is not None:
        click.echo(
            f"\nAcknowledged by {rec.acknowledged_by} at {local(rec.acknowledged_at, tz, FMT)}"
        )
    else:
        click.echo(
            f"\nNot acknowledged yet (due by {local(r.ack_due_by, tz, FMT)}; warroom handoff ack)"
        )
    rec2 = r.secondary_record
    if rec2 is not None and rec2.acknowledged_at is not None:
        click.echo(
            f"Secondary acknowledged by {rec2.acknowledged_by} at "
            f"{local(rec2.acknowledged_at, tz, FMT)}"
        )
    elif s is not None and s.incoming and s.incoming != s.outgoing:
        click.echo(f"Secondary not acknowledged yet ({s.incoming}: warroom handoff ack)")
    for f in r.flags:
        click.echo(f"flag: {printable(f.message)}")
    for w in r.warnings:
        click.echo(f"warning: {printable(w.message)}")
    if r.previous:
        click.echo("\nPrevious handoffs:")
        for h in r.previous:
            ack = (
                f"acknowledged by {h.acknowledged_by} {local(h.acknowledged_at, tz, '%a %H:%M')}"
                if h.acknowledged_at
                else "NOT acknowledged"
            )
            click.echo(f"  {local(h.at, tz, FMT)}  {h.outgoing} -> {h.incoming}  {ack}")


@handoff.command()
@click.argument("text")
@at_option
@pass_ctx
def notes(ctx: CliContext, text: str, at: str | None) -> None:
    """Add a note on ongoing issues to your handoff as the outgoing on-call (TEXT, or -
    for stdin); notes are appended with your name and the time, never replaced."""
    body = sys.stdin.read() if text == "-" else text

    async def work(env: Env) -> None:
        from warroom.oncall.handoff import HandoffCommands

        roster = require_roster(env.policies.directory)
        cmds = HandoffCommands(env.store, env.policies, roster, env.commands.actor, env.tz)
        row = await cmds.save_notes(body, at=ctx.time(at))
        click.echo(
            f"note added to the handoff of {local(row.at, env.tz, FMT)} "
            f"({row.outgoing} -> {row.incoming}), by {row.notes_by}"
        )

    run(ctx, work)


@handoff.command()
@at_option
@pass_ctx
def ack(ctx: CliContext, at: str | None) -> None:
    """Acknowledge the handoff as the incoming on-call (primary or secondary: each their own)."""

    async def work(env: Env) -> None:
        from warroom.oncall.handoff import HandoffCommands

        roster = require_roster(env.policies.directory)
        cmds = HandoffCommands(env.store, env.policies, roster, env.commands.actor, env.tz)
        row = await cmds.acknowledge(at=ctx.time(at))
        assert row.acknowledged_at is not None
        click.echo(
            f"handoff of {local(row.at, env.tz, FMT)} acknowledged by {row.acknowledged_by} "
            f"at {local(row.acknowledged_at, env.tz, FMT)}"
        )

    run(ctx, work)
