"""Verbs that open the console: bare ``warroom`` (and ``warroom demo``, see demo_cmd)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from warroom.cli.context import CliContext, guard

if TYPE_CHECKING:
    from warroom.policy import Policies


def open_console(
    ctx: CliContext,
    *,
    db: str | None = None,
    policies: Policies | None = None,
    deliver: bool = True,
) -> None:
    """Open the Textual console (imported lazily: headless verbs never pay for Textual).

    ``db`` and ``policies`` replace the global ``--db`` and ``--policies`` (the demo
    uses its own database and a policies folder with the demo roster). The console
    runs the escalation engine; with ``deliver`` False (the demo) pages are recorded
    on the timeline but nothing is sent.
    """

    def go() -> None:
        from screens.app import make_app
        from warroom.notify.sender import DrillSender
        from warroom.store import resolve_url

        gc.freeze()  # Textual's and the screens' objects too (see warroom.cli.main)

        url = resolve_url(db if db is not None else ctx.db)
        app = make_app(
            url,
            policies or ctx.policies(),
            ctx.clock,
            actor=ctx.actor,
            tz=ctx.tz,
            escalations=True,
            sender=None if deliver else DrillSender(),
        )
        app.run()
        if app.startup_error is not None:
            raise app.startup_error  # e.g. a database that cannot be opened: one paragraph

    guard(go)
