"""``warroom serve``: the console in a web browser (textual-serve).

warroom serve                         http://127.0.0.1:8000, this machine only
warroom --db team.db serve --port 9000
warroom tokens add alice              then: serve --host 0.0.0.0 --public-url https://...

With access tokens in the database every browser logs in and acts as its token's
person; without any, only loopback is served and every tab acts as ``--as``.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable

import click

from warroom.access import AccessTokens, Addresses, allowed_origins, is_loopback
from warroom.cli.context import CliContext, Env, guard, run
from warroom.cli.root import cli
from warroom.cli.web_console import DEFAULT_HOST, DEFAULT_PORT, ConsoleCommand, console_command
from warroom.errors import BadInput, WarroomError
from warroom.store import Store, resolve_url
from warroom.text import printable

pass_ctx = click.make_pass_decorator(CliContext)


def build_command(ctx: CliContext, person: str | None = None) -> ConsoleCommand:
    """The console command for this invocation's global options (as ``person``, a
    logged-in token's, or else ``--as``)."""
    return console_command(
        resolve_url(ctx.db),
        policies_dir=ctx.policies_dir,
        actor=person or ctx.actor,
        tz_name=ctx.tz_name,
    )


def check_exposure(host: str, has_tokens: bool) -> None:
    """Beyond loopback only with access tokens (everyone then logs in)."""
    if not is_loopback(host) and not has_tokens:
        raise BadInput(
            f"serving on {printable(host)} would let everyone who can reach this machine act "
            "in the console with no login. Create access tokens first "
            "(`warroom tokens add NAME`, one per person), then serve again; see the README, "
            "'The web console', for putting it behind TLS."
        )


@cli.command("serve")
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    metavar="H",
    help="Address to listen on. Anything but loopback (127.0.0.1, ::1, localhost) needs "
    "access tokens (warroom tokens add NAME).",
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

    Every tab runs `warroom` with this command's --db, --policies and --tz. With access
    tokens in the database (`warroom tokens add NAME`) each browser logs in with its
    token and acts as that person, on every address; without tokens only this machine
    can connect (loopback) and every tab acts as the --as person. The server answers
    only at its own address (--public-url): pages of other sites are refused.
    Ctrl-C stops the server and its consoles.
    """

    async def check(env: Env) -> bool:
        """Open the database and policies once, so a broken setup fails here, not in
        every browser tab; whether there are access tokens."""
        return await AccessTokens(env.store).any_active()

    command = guard(lambda: build_command(ctx))
    if print_command:
        click.echo(command.shell)
        return
    addresses: Addresses = guard(lambda: allowed_origins(host, port, public_url))
    has_tokens = run(ctx, check)
    guard(lambda: check_exposure(host, has_tokens))
    if not has_tokens:
        click.echo(
            f"warroom: no access tokens, so there is no login: every tab on this machine acts "
            f"as {printable(ctx.actor)}. `warroom tokens add NAME` gives each person their own.",
            err=True,
        )

    async def open_tokens() -> tuple[AccessTokens, Callable[[], Awaitable[None]]]:
        store = await Store.open(ctx.db, ctx.clock)
        return AccessTokens(store), store.close

    def command_for(person: str | None) -> str:
        return build_command(ctx, person).shell

    def go() -> None:
        from screens.serve import serve_console  # the UI side, imported only here

        os.environ.update(command.env)
        try:
            serve_console(
                command_for,
                host=host,
                port=port,
                public_url=public_url,
                addresses=addresses,
                open_tokens=open_tokens,
                always_login=not is_loopback(host),
            )
        except OSError as exc:
            raise WarroomError(
                f"cannot serve on {host}:{port}: {exc.strerror or exc}. "
                "Choose another --port or --host."
            ) from None

    guard(go)
