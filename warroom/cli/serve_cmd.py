"""``warroom serve``: the console in a web browser (textual-serve).

warroom serve                         http://127.0.0.1:8000, this machine only
warroom --db team.db serve --port 9000
"""

from __future__ import annotations

import os

import click

from warroom.cli.context import CliContext, Env, guard, run
from warroom.cli.root import cli
from warroom.cli.web_console import DEFAULT_HOST, DEFAULT_PORT, ConsoleCommand, console_command
from warroom.errors import WarroomError
from warroom.store import resolve_url

pass_ctx = click.make_pass_decorator(CliContext)


def build_command(ctx: CliContext) -> ConsoleCommand:
    """The console command for this invocation's global options."""
    return console_command(
        resolve_url(ctx.db),
        policies_dir=ctx.policies_dir,
        actor=ctx.actor,
        tz_name=ctx.tz_name,
    )


@cli.command("serve")
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    metavar="H",
    help="Address to listen on. Anything but 127.0.0.1/localhost exposes the console, "
    "with no login, to everyone who can reach this machine.",
)
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=click.IntRange(1, 65535),
    metavar="P",
    help="TCP port to listen on.",
)
@click.option(
    "--public-url",
    metavar="URL",
    help="The address browsers use, when it is not http://HOST:PORT (a proxy, 0.0.0.0).",
)
@click.option(
    "--print-command", is_flag=True, help="Print the console command it would run, and exit."
)
@pass_ctx
def serve(
    ctx: CliContext, host: str, port: int, public_url: str | None, print_command: bool
) -> None:
    """Serve the console in a web browser (one console per browser tab).

    Every tab runs `warroom` with this command's --db, --policies, --as and --tz, so
    everyone who opens the page acts as the --as person. By default only this machine
    can connect (127.0.0.1); binding another address exposes the console, without a
    login, to the network. Ctrl-C stops the server and its consoles.
    """

    async def check(env: Env) -> None:
        """Open the database and policies once, so a broken setup fails here, not in
        every browser tab."""

    command = guard(lambda: build_command(ctx))
    if print_command:
        click.echo(command.shell)
        return
    run(ctx, check)

    def go() -> None:
        from screens.serve import serve_console  # the UI side, imported only here

        os.environ.update(command.env)
        try:
            serve_console(command.shell, host=host, port=port, public_url=public_url)
        except OSError as exc:
            raise WarroomError(
                f"cannot serve on {host}:{port}: {exc.strerror or exc}. "
                "Choose another --port or --host."
            ) from None

    guard(go)
