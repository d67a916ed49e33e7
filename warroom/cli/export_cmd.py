"""``warroom export``: the audit export of timelines (JSONL or CSV).

warroom export INC-7 --format csv               one incident's timeline on stdout
warroom export --all --format jsonl -o audit.jsonl   every incident, written atomically
"""

from __future__ import annotations

import os
import sys

import click

from warroom.audit.export import FORMATS, export_chunks
from warroom.cli.context import CliContext, Env, bad, run
from warroom.cli.root import cli
from warroom.files import write_text_atomic

pass_ctx = click.make_pass_decorator(CliContext)


@cli.command("export")
@click.argument("ref", required=False)
@click.option("--all", "all_incidents", is_flag=True, help="Export every incident.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS, case_sensitive=False),
    required=True,
    help="jsonl (one JSON object per line) or csv (RFC 4180, with a header row).",
)
@click.option(
    "-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout."
)
@pass_ctx
def export(
    ctx: CliContext, ref: str | None, all_incidents: bool, fmt: str, output: str | None
) -> None:
    """Export the timeline of incident REF (or --all) for an audit.

    One record per timeline entry, in incident and sequence order: ref, incident_id,
    seq, at, recorded_at, author, role, kind, text, key_event, corrects, prev_hash,
    hash. Times are ISO-8601 UTC with Z; text is exact (CSV quotes what needs quoting,
    JSONL escapes control characters). prev_hash and hash are the entry's link in the
    incident's hash chain, so an auditor can recompute every hash from the file alone.
    With -o the file appears complete or not at all.
    """
    if bool(ref) == all_incidents:
        bad("give one incident reference (like INC-7) or --all, not both or neither.")
    fmt = fmt.lower()
    which = None if all_incidents else ref

    async def work(env: Env) -> None:
        if output:
            parts = [chunk async for chunk in export_chunks(env.store, which, fmt)]
            path = write_text_atomic(output, "".join(parts), "the export")
            click.echo(f"Export written to {path}")
            return
        # UTF-8 bytes as they are: click.echo would strip escape sequences from a pipe.
        sys.stdout.flush()
        out = sys.stdout.buffer
        terminal = out.isatty()
        try:
            async for chunk in export_chunks(env.store, which, fmt, terminal=terminal):
                out.write(chunk.encode("utf-8"))
            out.flush()
        except BrokenPipeError:  # `warroom export ... | head`: the reader has had enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    run(ctx, work)
