"""``warroom export``: the audit export of timelines (JSONL or CSV).

warroom export INC-7 --format csv               one incident's timeline on stdout
warroom export --all --format jsonl -o audit.jsonl   every incident, written atomically
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from warroom.audit.export import FORMATS, export_chunks
from warroom.cli.context import CliContext, Env, bad, run
from warroom.cli.root import cli
from warroom.files import write_text_atomic

pass_ctx = click.make_pass_decorator(CliContext)


def _mode(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        mode = int(text, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777:
        bad(f"--mode {text!r}: give the file mode in octal, like 600 or 640.")
    return mode


def write_export(output: str, text: str, mode: int | None) -> Path:
    """Write the export atomically: a new file is private (0600), an existing one keeps its
    mode, ``mode`` sets it. The export holds the incident log, like the database."""
    path = write_text_atomic(output, text, "the export", mode=0o600 if mode is None else mode)
    if mode is not None and path.is_file() and path.stat().st_mode & 0o777 != mode:
        os.chmod(path, mode)  # an existing file: the user asked for this mode
    return path


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
@click.option(
    "--raw",
    is_flag=True,
    help="CSV: write every cell as stored, even one a spreadsheet would run as a formula.",
)
@click.option(
    "--mode",
    "mode_text",
    metavar="OCTAL",
    help="File mode of -o FILE (default: 600 for a new file; an existing one keeps its own).",
)
@pass_ctx
def export(
    ctx: CliContext,
    ref: str | None,
    all_incidents: bool,
    fmt: str,
    output: str | None,
    raw: bool,
    mode_text: str | None,
) -> None:
    """Export the timeline of incident REF (or --all) for an audit.

    One record per timeline entry, in incident and sequence order: ref, incident_id,
    seq, at, recorded_at, author, role, kind, text, key_event, corrects, prev_hash,
    hash, and the entry's link in the database chain (gseq, prior_incident_id,
    prior_seq, state, gprev_hash, ghash). Times are ISO-8601 UTC with Z.

    JSONL is byte-exact (control characters escaped) and ends with a checkpoint signed
    with your audit key: warroom verify --file checks it on any machine. CSV is for
    reading: a cell beginning with =, +, -, @, tab or CR gets a leading ' so no
    spreadsheet runs it as a formula (--raw writes it as stored). With -o the file
    appears complete or not at all, readable by you only (0600) unless --mode.
    """
    if bool(ref) == all_incidents:
        bad("give one incident reference (like INC-7) or --all, not both or neither.")
    fmt = fmt.lower()
    if raw and fmt != "csv":
        bad("--raw is for CSV; JSONL is always written exactly as stored.")
    mode = _mode(mode_text)
    if mode is not None and not output:
        bad("--mode is for a file written with -o.")
    which = None if all_incidents else ref

    async def work(env: Env) -> None:
        if output:
            chunks = export_chunks(env.store, which, fmt, raw=raw)
            parts = [chunk async for chunk in chunks]
            path = write_export(output, "".join(parts), mode)
            click.echo(f"Export written to {path}")
            return
        # UTF-8 bytes as they are: click.echo would strip escape sequences from a pipe.
        sys.stdout.flush()
        out = sys.stdout.buffer
        terminal = out.isatty()
        try:
            async for chunk in export_chunks(env.store, which, fmt, terminal=terminal, raw=raw):
                out.write(chunk.encode("utf-8"))
            out.flush()
        except BrokenPipeError:  # `warroom export ... | head`: the reader has had enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    run(ctx, work, read_only=True)
