"""The root ``warroom`` group and its global options."""

from __future__ import annotations

import click

from warroom import __version__
from warroom.cli.context import CliContext


@click.group(
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--db",
    envvar="WARROOM_DB",
    metavar="URL|PATH",
    help="Database file or SQLAlchemy URL (default: a file in your user-data folder).",
)
@click.option(
    "--policies",
    "policies_dir",
    envvar="WARROOM_POLICIES",
    metavar="DIR",
    help="Folder of policy YAML files (default: the packaged policies).",
)
@click.option(
    "--as",
    "actor",
    envvar="WARROOM_USER",
    metavar="NAME",
    help="Who you are acting as (default: WARROOM_USER, then your login name).",
)
@click.option("--tz", metavar="ZONE", help="Time zone for input and display (default: local).")
@click.version_option(__version__, prog_name="warroom")
@click.pass_context
def cli(
    ctx: click.Context, db: str | None, policies_dir: str | None, actor: str | None, tz: str | None
) -> None:
    """warroom: a keyboard-first console for running production incidents.

    With no verb, opens the console on the default database.
    """
    ctx.obj = CliContext(db=db, policies_dir=policies_dir, actor_name=actor, tz_name=tz)
    if ctx.invoked_subcommand is None:
        from warroom.cli.console import open_console

        open_console(ctx.obj)
