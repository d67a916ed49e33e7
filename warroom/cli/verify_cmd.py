"""``warroom verify``: the timelines, the database chain and its signed checkpoints; or,
with ``--file``, an export on its own (an auditor's machine needs only the public key).

warroom verify                    every incident and the database chain
warroom verify INC-7              that incident and the database chain
warroom verify --file audit.jsonl [--key team.pem]
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from warroom.audit.anchors import load_anchors
from warroom.audit.export_verify import verify_export_file
from warroom.audit.keys import load_public
from warroom.audit.verify import Audit, verify_database
from warroom.cli.context import CliContext, Env, emit_json, guard, run
from warroom.cli.root import cli
from warroom.errors import no_incident
from warroom.incident.refs import parse_ref
from warroom.models import Incident, TimelineEntry
from warroom.text import printable

pass_ctx = click.make_pass_decorator(CliContext)


def _lines(audit: Audit) -> list[str]:
    out = []
    for i in audit.incidents:
        if i.ok:
            out.append(f"{i.ref}  {i.entries} entries  ok")
        out.extend(f"{i.ref}  {i.entries} entries  BROKEN: {p}" for p in i.problems)
    c = audit.chain
    if c.ok:
        out.append("; ".join([f"database  {c.entries} entries  ok", *c.notes]))
    out.extend(f"database  {c.entries} entries  BROKEN: {p}" for p in c.problems)
    return out


@cli.command()
@click.argument("ref", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option(
    "--file",
    "export_file",
    metavar="EXPORT.jsonl",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Verify a JSONL export on its own instead of the database.",
)
@click.option(
    "--key",
    "keys",
    metavar="PUBKEY",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Trust checkpoints signed by this public key (PEM, from warroom keys export).",
)
@pass_ctx
def verify(
    ctx: CliContext,
    ref: str | None,
    as_json: bool,
    export_file: Path | None,
    keys: tuple[Path, ...],
) -> None:
    """Check the audit log: each incident's hash chain and its row against its timeline,
    the chain over the whole database, and the signed checkpoints and witness that
    vouch for it. Exit 1 when anything is wrong, each problem named.

    With --file, check an export alone: its chains, its signed checkpoint, and that it
    holds every entry up to the head it signed (a truncated export or a missing
    incident fails). Without --key it trusts your own audit key and trusted/*.pem."""
    if export_file is not None and ref:
        raise click.UsageError("give an incident reference or --file, not both.")

    if export_file is not None:
        file = export_file

        def check() -> int:
            extra = tuple(load_public(k) for k in keys)
            report = verify_export_file(file, extra)
            if as_json:
                emit_json(report.to_json())
            else:
                for line in report.lines():
                    click.echo(printable(line))
            return 0 if report.ok else 1

        raise SystemExit(guard(check))

    async def work(env: Env) -> int:
        extra = tuple(load_public(k) for k in keys)
        async with env.store.read() as s:
            anchors = await load_anchors(s, extra)  # first: the witness, then one snapshot
            ids = None
            if ref:
                ids = [parse_ref(ref)]
                t = TimelineEntry.__table__  # type: ignore[attr-defined]
                has_entries = await s.scalar(select(t.c.id).where(t.c.incident_id == ids[0]))
                if await s.get(Incident, ids[0]) is None and has_entries is None:
                    raise no_incident(ids[0])
            audit = await verify_database(s, ids, anchors=anchors)
        if as_json:
            emit_json(audit.to_json())
        else:
            if not audit.incidents:
                click.echo("No incidents to verify.")
            for line in _lines(audit):
                click.echo(printable(line))
        return 0 if audit.ok else 1

    raise SystemExit(run(ctx, work, read_only=True))
