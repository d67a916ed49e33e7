"""``warroom postmortem REF``: write the post-mortem, edit its sections, move its status,
prepare its meeting.

    warroom postmortem INC-7                      the Markdown document on stdout
    warroom postmortem INC-7 -o pm.md             ... written to a file (atomically, 0600)
    warroom postmortem INC-7 --format json        the document as JSON
    warroom postmortem INC-7 --set root_cause="..." --set-file impact=impact.md
    warroom postmortem INC-7 --status in_review   Draft -> In Review -> Final
    warroom postmortem INC-7 --agenda             the meeting agenda and attendees
    warroom postmortem INC-7 --check              what is missing, deadline, warnings
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from warroom.cli.context import CliContext, Env, emit_json, guard, run
from warroom.cli.file_mode import PRIVATE, file_mode_option
from warroom.cli.root import cli
from warroom.errors import BadInput
from warroom.files import write_text_atomic
from warroom.postmortem.sections import STATUS_LABELS, title
from warroom.text import printable

if TYPE_CHECKING:
    from warroom.postmortem.document import PostmortemDoc

pass_ctx = click.make_pass_decorator(CliContext)


def _split(value: str, option: str) -> tuple[str, str]:
    name, sep, text = value.partition("=")
    if not sep or not name.strip():
        raise BadInput(f"{option} {value[:40]!r}: expected SECTION=TEXT, like root_cause=...")
    return name.strip(), text


def _read_file(path: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise BadInput(f"--set-file cannot read {path}: {reason}; nothing was saved.") from None


def _warn(doc: PostmortemDoc) -> None:
    for w in doc.warnings:
        click.echo(f"warroom: warning (blameless): {printable(w.message)}", err=True)


def _check_text(doc: PostmortemDoc, env: Env) -> str:
    now = env.store.clock.now()
    lines = [
        f"{doc.ref} post-mortem: {doc.status_label}"
        + (f", author {printable(doc.author)}" if doc.author else ", not started"),
        f"Deadline: {doc.deadline.label(now, env.tz)}",
    ]
    if doc.missing:
        lines.append("Required sections still empty: " + ", ".join(title(s) for s in doc.missing))
    else:
        lines.append("Every required section is filled.")
    lines.append(f"Blameless warnings: {len(doc.warnings)}")
    lines += [f"  {printable(w.message)}" for w in doc.warnings]
    return "\n".join(lines)


def _emit(text: str, output: str | None, what: str, mode: int = PRIVATE) -> None:
    if output:
        path = write_text_atomic(output, text, "the document", mode)
        click.echo(f"{what} written to {path}")
    else:
        click.echo(text, nl=False)


@cli.command("postmortem")
@click.argument("ref")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json"], case_sensitive=False),
    default="md",
    show_default=True,
    help="Markdown document or JSON.",
)
@click.option(
    "-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout."
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="SECTION=TEXT",
    help="Write a section (repeatable; empty TEXT clears it).",
)
@click.option(
    "--set-file",
    "set_files",
    multiple=True,
    metavar="SECTION=FILE",
    help="Write a section from a Markdown file ('-' reads stdin).",
)
@click.option("--author", metavar="NAME", help="Who writes the post-mortem.")
@click.option("--status", metavar="STATUS", help="Move to draft, in_review or final.")
@click.option("--agenda", is_flag=True, help="Print the meeting agenda and attendees.")
@click.option("--check", is_flag=True, help="Say what is missing, the deadline and warnings.")
@file_mode_option
@pass_ctx
def postmortem(
    ctx: CliContext,
    ref: str,
    fmt: str,
    output: str | None,
    sets: tuple[str, ...],
    set_files: tuple[str, ...],
    author: str | None,
    status: str | None,
    agenda: bool,
    check: bool,
    file_mode: int,
) -> None:
    """Write the post-mortem of incident REF (Markdown or JSON), or change it.

    Sections: executive_summary, impact, root_cause, detection, response,
    contributing_factors, action_items, lessons_learned, appendix. Everything else
    (milestones, durations, roles, timeline, severity history, pages, action items)
    comes from the incident record.
    """
    as_json = fmt.lower() == "json"

    def gather() -> dict[str, str]:
        found: dict[str, str] = {}
        for value in sets:
            name, text = _split(value, "--set")
            found[name] = text
        for value in set_files:
            name, path = _split(value, "--set-file")
            found[name] = _read_file(path)
        return found

    changes = guard(gather)
    editing = bool(changes or author or status)

    async def work(env: Env) -> None:
        # The document, its renderer and the agenda (Jinja2, Markdown) load here.
        from warroom.postmortem import load_document, render_markdown, to_json
        from warroom.postmortem.agenda import agenda_markdown, meeting_agenda

        if editing:
            if changes or author:
                saved = await env.commands.save_sections(ref, changes, author=author)
                names = ", ".join(title(k).lower() for k in changes) or "author"
                click.echo(
                    f"{ref.upper()} post-mortem: {names} saved."
                    if saved
                    else f"{ref.upper()} post-mortem: no change."
                )
            if status:
                before = (await load_document(env.store, env.policies, ref)).status
                pm = await env.commands.move_postmortem_status(ref, status)
                click.echo(
                    f"{ref.upper()} post-mortem: {STATUS_LABELS[before]} -> "
                    f"{STATUS_LABELS[pm.status]}."
                )
            doc = await load_document(env.store, env.policies, ref)
            _warn(doc)
            if output:
                text = json.dumps(to_json(doc), indent=2) + "\n" if as_json else None
                _emit(text or render_markdown(doc), output, "Post-mortem", file_mode)
            return
        doc = await load_document(env.store, env.policies, ref)
        if agenda:
            meeting = meeting_agenda(doc)
            if as_json and not output:
                emit_json(meeting.to_json())
                return
            text = (
                json.dumps(meeting.to_json(), indent=2) + "\n"
                if as_json
                else agenda_markdown(meeting, list(env.policies.postmortem.principles))
            )
            _emit(text, output, "Meeting agenda", file_mode)
            return
        if check:
            if as_json:
                data = to_json(doc)
                emit_json(
                    {
                        k: data[k]
                        for k in ("ref", "status", "missing_sections", "deadline", "warnings")
                    }
                )
            else:
                click.echo(_check_text(doc, env))
            return
        if as_json:
            text = json.dumps(to_json(doc), indent=2, ensure_ascii=False) + "\n"
        else:
            text = render_markdown(doc)
        _emit(text, output, "Post-mortem", file_mode)
        _warn(doc)

    run(ctx, work)
