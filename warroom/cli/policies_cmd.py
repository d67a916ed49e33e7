"""``warroom policies check [DIR]``."""

from __future__ import annotations

from pathlib import Path

import click

from warroom.cli.context import CliContext, guard
from warroom.cli.root import cli
from warroom.errors import PolicyError
from warroom.policy import load_policies
from warroom.policy.consistency import disagreements
from warroom.policy.roster import roster_path


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
        comms = p.communications
        where = (
            "communications.yaml"
            if Path(p.communications_dir).resolve() == Path(p.directory).resolve()
            else f"none here, using the packaged one in {p.communications_dir}"
        )
        click.echo(
            f"status updates: {where} ({len(comms.audiences)} audiences, "
            f"{len(comms.stages)} stages, templates checked)"
        )
        from warroom.escalation.roster_check import check_roster  # apprise

        disagree = disagreements(p)
        roster, problems = check_roster(p)
        path = roster_path(p.directory)
        for line in [*disagree, *map(str, problems)]:
            click.echo(f"warroom: {line}", err=True)
        if disagree or problems:
            what = [
                f"{n} problem{'s' if n != 1 else ''} {where}"
                for n, where in (
                    (len(disagree), "between the policy files"),
                    (len(problems), "with the roster"),
                )
                if n
            ]
            raise PolicyError(f"{' and '.join(what)} (listed above).")
        if roster is None:
            click.echo(f"{path}: none yet (paging needs one; see data/roster.yaml for an example)")
        else:
            click.echo(
                f"{path}: ok ({len(roster.people)} people, {len(roster.rotations)} rotations, "
                f"{len(roster.targets)} targets)"
            )

    guard(go)
