"""``warroom tokens``: per-person access tokens for the web console (``warroom serve``).

warroom tokens add alice          prints alice's token once; only its hash is stored
warroom tokens list [--all] [--json]
warroom tokens revoke alice       every token of alice (or one: revoke wr_AbCdEfG)
"""

from __future__ import annotations

import click

from warroom.access import AccessTokens
from warroom.cli.context import CliContext, Env, answer, run
from warroom.cli.output import local, table
from warroom.cli.root import cli
from warroom.text import printable

pass_ctx = click.make_pass_decorator(CliContext)


@cli.group("tokens")
def tokens() -> None:
    """Access tokens for the web console: add, list, revoke."""


@tokens.command("add")
@click.argument("name")
@pass_ctx
def add(ctx: CliContext, name: str) -> None:
    """Create an access token for NAME; it is printed once, keep it like a password.

    In the browser console, whoever logs in with it acts as NAME."""

    async def work(env: Env) -> str:
        return await AccessTokens(env.store).add(name, by=env.commands.actor)

    secret = run(ctx, work)
    click.echo(secret)
    click.echo(
        f"warroom: token for {printable(name.strip())} created; it is shown only now "
        "(the database keeps its hash). `warroom tokens revoke NAME` ends it.",
        err=True,
    )


class _Listing:
    def __init__(self, rows: list[dict[str, object]]) -> None:
        self.rows = rows

    def to_json(self) -> list[dict[str, object]]:
        return self.rows


@tokens.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include revoked tokens.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@pass_ctx
def list_cmd(ctx: CliContext, show_all: bool, as_json: bool) -> None:
    """The access tokens (never the secrets): whose, made when, last used."""

    async def work(env: Env) -> None:
        views = await AccessTokens(env.store).listed(include_revoked=show_all)

        def text() -> None:
            if not views:
                click.echo("no access tokens yet: `warroom tokens add NAME` makes one.")
                return
            rows = [
                (
                    v.prefix + "…",
                    v.person,
                    local(v.created_at, env.tz),
                    v.created_by,
                    local(v.last_used_at, env.tz),
                    "active" if v.active else f"revoked {local(v.revoked_at, env.tz)}",
                )
                for v in views
            ]
            click.echo(table(("TOKEN", "PERSON", "CREATED", "BY", "LAST USED", "STATE"), rows))

        answer(as_json, _Listing([v.to_json() for v in views]), text)

    run(ctx, work)


@tokens.command("revoke")
@click.argument("which", metavar="NAME|TOKEN")
@pass_ctx
def revoke(ctx: CliContext, which: str) -> None:
    """Revoke NAME's tokens, or the one token starting with TOKEN (wr_…); its browser
    sessions are closed within a minute."""

    async def work(env: Env) -> None:
        done = await AccessTokens(env.store).revoke(which, by=env.commands.actor)
        for v in done:
            click.echo(f"revoked {v.prefix}… of {printable(v.person)}")

    run(ctx, work)
