"""Verbs that open the console: bare ``warroom``."""

from __future__ import annotations

from warroom.cli.context import CliContext, guard


def open_console(ctx: CliContext) -> None:
    """Open the Textual console (imported lazily: headless verbs never pay for Textual)."""

    def go() -> None:
        from screens.app import make_app
        from warroom.store import resolve_url

        policies = ctx.policies()
        app = make_app(resolve_url(ctx.db), policies, ctx.clock, actor=ctx.actor, tz=ctx.tz)
        app.run()

    guard(go)
