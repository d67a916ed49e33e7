"""``warroom policies check [DIR]``."""

from __future__ import annotations

import click

from warroom.cli.context import CliContext, guard
from warroom.cli.root import cli
from warroom.policy import load_policies


@cli.group()
def policies() -> None:
    """The process as data: policy files."""


@policies.command("check")
@click.argument("directory", required=False)
@click.pass_obj
def check(ctx: CliContext, directory: str | None) -> None:
    """Validate the policy files of DIR (default: the ones in use)."""

    def go() -> None:
        p = load_policies(directory or ctx.policies_dir)
        levels = ", ".join(f"{k} {v.name}" for k, v in p.severity.levels.items())
        steps = sum(len(v) for v in p.escalation.time_based.values())
        click.echo(f"{p.directory}: ok ({levels}; {steps} escalation steps)")

    guard(go)
