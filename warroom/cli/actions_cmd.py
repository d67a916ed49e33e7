"""``warroom actions``: action items tracked to completion; ``warroom report monthly``.

warroom actions add INC-7 "Add a canary stage" --owner bob --due +14d --priority P1
warroom actions list [--owner bob] [--overdue] [--incident INC-7] [--all] [--json]
warroom actions update AI-3 --status in_progress | --due 2026-04-01 | --owner carol
warroom actions update AI-3 --status wont_do --reason "replaced by AI-5"
warroom actions done AI-3
warroom report monthly [--month 2026-03] [-o review.md]
"""

from __future__ import annotations

import click

from warroom.cli.context import CliContext, Env, emit_json, run
from warroom.cli.file_mode import file_mode_option
from warroom.cli.output import table
from warroom.cli.root import cli
from warroom.files import write_text_atomic
from warroom.incident.actions import (
    KINDS,
    STATUS_LABELS,
    days_overdue,
    is_overdue,
    item_json,
    item_ref,
    list_actions,
    local_today,
)
from warroom.incident.refs import ref_for
from warroom.models import ActionItem
from warroom.text import printable

pass_ctx = click.make_pass_decorator(CliContext)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def _line(item: ActionItem) -> str:
    due = item.due.isoformat() if item.due else "no due date"
    owner = printable(item.owner) if item.owner else "no owner"
    return (
        f"{item_ref(item.id)} {ref_for(item.incident_id or 0)} [{STATUS_LABELS[item.status]}] "
        f"{item.priority} {item.kind}, {owner}, {due}: {printable(item.title)}"
    )


@cli.group("actions")
def actions() -> None:
    """Action items: list, add, update, done."""


@actions.command("list")
@click.option("--owner", metavar="NAME", help="Only this owner's items.")
@click.option("--overdue", is_flag=True, help="Only open items past their due date.")
@click.option("--incident", metavar="REF", help="Only this incident's items.")
@click.option("--all", "show_all", is_flag=True, help="Include done and won't-do items.")
@json_option
@pass_ctx
def list_cmd(
    ctx: CliContext,
    owner: str | None,
    overdue: bool,
    incident: str | None,
    show_all: bool,
    as_json: bool,
) -> None:
    """List open action items of all incidents, overdue first."""

    async def work(env: Env) -> None:
        today = local_today(env.store.clock.now(), env.tz)
        items = await list_actions(
            env.store,
            today=today,
            owner=owner,
            overdue_only=overdue,
            include_closed=show_all,
            incident=incident,
        )
        if as_json:
            emit_json([item_json(i, today) for i in items])
            return
        if not items:
            click.echo("No overdue action items." if overdue else "No action items.")
            return
        rows = [
            (
                item_ref(i.id),
                ref_for(i.incident_id or 0),
                i.priority,
                i.kind,
                i.owner or "(none)",
                (i.due.isoformat() if i.due else "-")
                + (f" ({days_overdue(i, today)}d overdue)" if is_overdue(i, today) else ""),
                STATUS_LABELS[i.status],
                i.title,
            )
            for i in items
        ]
        click.echo(
            table(["ID", "INC", "PRI", "KIND", "OWNER", "DUE", "STATUS", "ACTION"], rows, 80)
        )

    run(ctx, work, read_only=True)


def _show(env: Env, item: ActionItem, as_json: bool) -> None:
    if as_json:
        emit_json(item_json(item, local_today(env.store.clock.now(), env.tz)))
    else:
        click.echo(_line(item))


@actions.command("add")
@click.argument("ref")
@click.argument("title")
@click.option("--owner", required=True, metavar="NAME", help="Who sees it through.")
@click.option("--due", required=True, metavar="DATE", help="YYYY-MM-DD, or +7d / +2w.")
@click.option(
    "--kind",
    type=click.Choice(KINDS, case_sensitive=False),
    default="preventive",
    show_default=True,
)
@click.option("--priority", default="P2", show_default=True, metavar="P1|P2|P3")
@json_option
@pass_ctx
def add_cmd(
    ctx: CliContext,
    ref: str,
    title: str,
    owner: str,
    due: str,
    kind: str,
    priority: str,
    as_json: bool,
) -> None:
    """Add an action item to incident REF."""

    async def work(env: Env) -> None:
        item = await env.commands.add_action(
            ref, title, kind=kind, owner=owner, priority=priority, due=due
        )
        _show(env, item, as_json)

    run(ctx, work)


@actions.command("update")
@click.argument("item")
@click.option("--title", help="New title.")
@click.option("--kind", type=click.Choice(KINDS, case_sensitive=False))
@click.option("--owner", metavar="NAME")
@click.option("--priority", metavar="P1|P2|P3")
@click.option("--due", metavar="DATE", help="YYYY-MM-DD, or +7d / +2w.")
@click.option("--status", metavar="STATUS", help="open, in_progress, done or wont_do.")
@click.option("--reason", help="Why it won't be done (goes with --status wont_do).")
@json_option
@pass_ctx
def update_cmd(
    ctx: CliContext,
    item: str,
    title: str | None,
    kind: str | None,
    owner: str | None,
    priority: str | None,
    due: str | None,
    status: str | None,
    reason: str | None,
    as_json: bool,
) -> None:
    """Change an action item (ITEM: AI-3 or 3)."""

    async def work(env: Env) -> None:
        found = await env.commands.update_action(
            item,
            title=title,
            kind=kind,
            owner=owner,
            priority=priority,
            due=due,
            status=status,
            reason=reason,
        )
        _show(env, found, as_json)

    run(ctx, work)


@actions.command("done")
@click.argument("item")
@json_option
@pass_ctx
def done_cmd(ctx: CliContext, item: str, as_json: bool) -> None:
    """Mark an action item done (ITEM: AI-3 or 3)."""

    async def work(env: Env) -> None:
        found = await env.commands.complete_action(item)
        _show(env, found, as_json)

    run(ctx, work)


def _report_group() -> click.Group:
    """``warroom report`` (shared: another module may add its own reports to it)."""
    existing = cli.commands.get("report")
    if isinstance(existing, click.Group):
        return existing

    @cli.group("report")
    def report() -> None:
        """Periodic reports (Markdown)."""

    return report


@_report_group().command("monthly")
@click.option("--month", metavar="YYYY-MM", help="The month to review (default: this month).")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically, 0600).")
@file_mode_option
@pass_ctx
def monthly(ctx: CliContext, month: str | None, output: str | None, file_mode: int) -> None:
    """The monthly review of open action items (Markdown)."""

    async def work(env: Env) -> None:
        from warroom.postmortem.monthly import monthly_review  # Markdown

        text = await monthly_review(env.store, env.policies, month=month, tz=env.tz)
        if output:
            path = write_text_atomic(output, text, "the document", file_mode)
            click.echo(f"Monthly review written to {path}")
        else:
            click.echo(text, nl=False)

    run(ctx, work)
