"""Incident verbs: declare, log, ack, assign, severity, phase, milestone, mitigate,
resolve, close, list, show (verify: verify_cmd.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import Any

import click

from warroom.cli.context import CliContext, Env, emit_json, run
from warroom.cli.output import fields, local, table
from warroom.cli.root import cli
from warroom.durations import hm, incident_durations
from warroom.errors import BadInput
from warroom.incident.prefix import split_role_prefix
from warroom.incident.queries import incident_summary, list_incidents, load_view
from warroom.incident.refs import parse_ref
from warroom.incident.verbs import Command, Note, perform
from warroom.models import Incident
from warroom.postmortem.overview import postmortem_list_note, postmortem_states
from warroom.text import has_control, printable

pass_ctx = click.make_pass_decorator(CliContext)
at_option = click.option("--at", "at", metavar="TIME", help="When it happened (ISO-8601 or HH:MM).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


@cli.command()
@click.option("--sev", "severity", required=True, metavar="N", help="Severity 1-4 (SEV1 is worst).")
@click.option("--title", required=True, help="What is broken, in a few words.")
@click.option("--ic", metavar="NAME", help="The incident commander.")
@at_option
@click.option("--started-at", metavar="TIME", help="When the problem began (first anomaly).")
@click.option("--detected-at", metavar="TIME", help="When it was detected (default: --at).")
@click.option("--war-room/--no-war-room", default=None, help="Open a war room (SEV1 always does).")
@click.option("--bridge", metavar="URL", help="Bridge call link.")
@json_option
@pass_ctx
def declare(
    ctx: CliContext,
    severity: str,
    title: str,
    ic: str | None,
    at: str | None,
    started_at: str | None,
    detected_at: str | None,
    war_room: bool | None,
    bridge: str | None,
    as_json: bool,
) -> None:
    """Declare an incident."""

    async def work(env: Env) -> None:
        inc = await env.commands.declare(
            title,
            severity,
            ic=ic,
            at=ctx.time(at),
            started_at=ctx.time(started_at, "--started-at"),
            detected_at=ctx.time(detected_at, "--detected-at"),
            war_room=war_room,
            bridge=bridge,
        )
        if as_json:
            view = await load_view(env.store, inc.ref or "")
            emit_json(view.to_json())
        else:
            line = f"{inc.ref}  SEV{inc.severity}  {printable(inc.title)}"
            click.echo(line + (f"  {inc.channel}" if inc.channel else ""))

    run(ctx, work)


@cli.command()
@click.argument("ref")
@click.argument("text")
@click.option("--role", metavar="ROLE", help="Role prefix: IC, COMMS, ENG or SCRIBE.")
@click.option(
    "--kind", default="note", show_default=True, help="note, decision, status or correction."
)
@at_option
@click.option(
    "--allow-control", is_flag=True, help="Store terminal control characters (escapes) as typed."
)
@pass_ctx
def log(
    ctx: CliContext,
    ref: str,
    text: str,
    role: str | None,
    kind: str,
    at: str | None,
    allow_control: bool,
) -> None:
    """Add an entry to an incident's timeline."""
    if has_control(text) and not allow_control:
        run_error(
            f"the text contains terminal control characters ({printable(text)[:60]!r}); "
            "nothing was stored. Remove them, or pass --allow-control to store them as typed."
        )

    async def work(env: Env) -> None:
        if role is None:  # "IC: ..." sets the role, as in the console's scribe line
            prefix_role, body = split_role_prefix(text, env.policies.warroom.rules.message_prefixes)
        else:
            prefix_role, body = role, text
        note = Note(body, prefix_role, ctx.time(at), kind)
        entry = (await perform(env.commands, ref, note)).result
        click.echo(
            f"{parse_ref_str(ref)} #{entry.seq} recorded at {local(entry.at, env.tz, '%H:%M:%S')}"
        )

    run(ctx, work)


def run_error(message: str) -> None:
    from warroom.cli.context import fail

    fail(BadInput(message))


def parse_ref_str(ref: str) -> str:
    return f"INC-{parse_ref(ref)}"


Echo = Callable[[Incident, tzinfo], str]


def _verb(
    name: str,
    verb: str,
    help_text: str,
    echo: Echo,
    argument: str | None = None,
    force: str | None = None,
) -> None:
    """``warroom NAME REF [ARGUMENT] [--at T] [--force]``: one verb of the registry, then
    ``echo``. ``force``: the help of a ``--force`` that resolves over open checklist lines."""

    def command(
        ctx: CliContext, ref: str, at: str | None, value: str = "", force: bool = False
    ) -> None:
        async def work(env: Env) -> None:
            call = Command(
                verb, value, at=ctx.time(at), refuse_open=verb == "resolved" and not force
            )
            inc = (await perform(env.commands, ref, call)).result
            click.echo(echo(inc, env.tz))

        run(ctx, work)

    decorated = at_option(command)
    if force is not None:
        decorated = click.option("--force", is_flag=True, help=force)(decorated)
    if argument is not None:
        decorated = click.argument("value", metavar=argument)(decorated)
    cli.command(name=name, help=help_text)(click.argument("ref")(pass_ctx(decorated)))


def _milestone(past: str) -> Echo:
    return lambda inc, tz: f"{inc.ref} {past} at {local(getattr(inc, past + '_at'), tz)}"


_verb(
    "ack",
    "ack",
    "Acknowledge an incident (stops the no-ack escalation).",
    _milestone("acknowledged"),
)
_verb("mitigate", "mitigated", "Mark customer impact as stopped.", _milestone("mitigated"))
_verb(
    "resolve",
    "resolved",
    "Resolve an incident (only its IC may). Refused (exit 2, naming them) while checklist "
    "lines of the phases it leaves are open, unless --force.",
    _milestone("resolved"),
    force="Resolve even though checklist lines are still open (they are recorded as left open).",
)
_verb("close", "close", "Close a resolved incident (only its IC may).", _milestone("closed"))
_verb(
    "severity",
    "sev",
    "Change an incident's severity (only its IC may).",
    lambda inc, _tz: f"{inc.ref} is now SEV{inc.severity}",
    argument="N",
)
_verb(
    "take",
    "take",
    "Take command: become the incident's IC (recorded as a takeover from the current IC).",
    lambda inc, _tz: f"{inc.ref}: you are the incident commander now",
)
_verb(
    "phase",
    "phase",
    "Move an incident to a workflow phase of the policy.",
    lambda inc, _tz: f"{inc.ref} phase: {inc.phase}",
    argument="NAME",
)


def _entry_echo(entry: Any, _tz: tzinfo) -> str:
    """A pin or unpin entry as the CLI says it (the verb returns the entry)."""
    return f"INC-{entry.incident_id} #{entry.seq}: {printable(entry.text)}"


_verb(
    "pin",
    "pin",
    "Pin timeline entry SEQ (its #number) as a key event for the post-mortem.",
    _entry_echo,
    argument="SEQ",
)
_verb(
    "unpin",
    "unpin",
    "Unpin timeline entry SEQ: no longer a key event for the post-mortem.",
    _entry_echo,
    argument="SEQ",
)


@cli.command()
@click.argument("ref")
@click.argument("role")
@click.argument("name")
@at_option
@click.option(
    "--take", is_flag=True, help="Take command yourself from the current IC (a takeover)."
)
@pass_ctx
def assign(ctx: CliContext, ref: str, role: str, name: str, at: str | None, take: bool) -> None:
    """Give a war-room role (ic, comms, tech, scribe) to someone. Once there is an IC,
    only the IC hands over IC; anyone else takes command with --take (or warroom take)."""

    async def work(env: Env) -> None:
        call = Command("assign", name, role=role, at=ctx.time(at), take=take)
        inc = (await perform(env.commands, ref, call)).result
        click.echo(f"{inc.ref} {role.lower()}: {printable(name)}")

    run(ctx, work)


@cli.command()
@click.argument("ref")
@click.argument("name", type=click.Choice(["started", "detected"], case_sensitive=False))
@click.argument("when", metavar="TIME")
@pass_ctx
def milestone(ctx: CliContext, ref: str, name: str, when: str) -> None:
    """Record when the problem started or was detected, after the fact."""

    async def work(env: Env) -> None:
        call = Command("milestone", name, at=ctx.time(when, "TIME"))
        inc = (await perform(env.commands, ref, call)).result
        click.echo(
            f"{inc.ref} {name.lower()} at {local(getattr(inc, name.lower() + '_at'), env.tz)}"
        )

    run(ctx, work)


@cli.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include resolved and closed incidents.")
@json_option
@pass_ctx
def list_cmd(ctx: CliContext, show_all: bool, as_json: bool) -> None:
    """List open incidents (most severe first)."""

    async def work(env: Env) -> None:
        rows = await list_incidents(env.store, include_closed=show_all)
        if as_json:
            pms = await postmortem_states(env.store, env.policies, [r.incident for r in rows])
            emit_json(
                [
                    {**incident_summary(r.incident, r.roles), "postmortem": pms[r.incident.id or 0]}
                    for r in rows
                ]
            )
            return
        pm_note = await postmortem_list_note(env.store, env.policies, env.tz)
        if not rows:
            click.echo("No open incidents." if not show_all else "No incidents.")
            if pm_note:
                click.echo(pm_note)
            return
        now = env.store.clock.now()
        out = []
        for r in rows:
            i = r.incident
            age = int((now - i.declared_at).total_seconds() // 60)
            out.append(
                (
                    i.ref,
                    f"SEV{i.severity}",
                    i.status,
                    i.phase,
                    r.ic or "(no IC)",
                    local(i.declared_at, env.tz),
                    hm(age) if not i.resolved_at else "-",
                    i.title,
                )
            )
        click.echo(table(["REF", "SEV", "STATUS", "PHASE", "IC", "DECLARED", "AGE", "TITLE"], out))
        if pm_note:
            click.echo(pm_note)

    run(ctx, work, read_only=True)


@cli.command()
@click.argument("ref")
@json_option
@pass_ctx
def show(ctx: CliContext, ref: str, as_json: bool) -> None:
    """Show one incident: milestones, roles and the timeline."""

    async def work(env: Env) -> None:
        view = await load_view(env.store, ref)
        if as_json:
            emit_json(view.to_json())
            return
        i, tz = view.incident, env.tz
        d = incident_durations(i)
        click.echo(
            fields(
                [
                    ("Incident", f"{i.ref}  SEV{i.severity}  {i.title}"),
                    ("Status", f"{i.status}, phase {i.phase}" + ("  (drill)" if i.drill else "")),
                    ("Channel", i.channel),
                    ("Started", local(i.started_at, tz)),
                    ("Detected", local(i.detected_at, tz)),
                    ("Declared", local(i.declared_at, tz)),
                    ("Acknowledged", local(i.acknowledged_at, tz)),
                    ("Mitigated", local(i.mitigated_at, tz)),
                    ("Resolved", local(i.resolved_at, tz)),
                    ("Closed", local(i.closed_at, tz)),
                    ("Time to ack", hm(d["time_to_ack_min"], exact=True)),
                    ("Time to resolve", hm(d["time_to_resolve_min"], exact=True)),
                ]
                + [
                    (label, view.roles[k].person if k in view.roles else "(vacant)")
                    for k, label in (
                        ("ic", "IC"),
                        ("comms", "Comms lead"),
                        ("tech", "Tech lead"),
                        ("scribe", "Scribe"),
                    )
                ]
            )
        )
        click.echo("")
        rows = [
            (local(e.at, tz, "%m-%d %H:%M:%S"), e.role or "", e.author, e.kind, e.text)
            for e in view.timeline
        ]
        click.echo(table(["TIME", "ROLE", "AUTHOR", "KIND", "TEXT"], rows, max_width=200))

    run(ctx, work, read_only=True)
