"""What every verb needs: the store, the policies, the actor, the zone; and error handling."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, NoReturn, TypeVar

import click

from warroom.clock import Clock, SystemClock
from warroom.errors import BadInput, WarroomError
from warroom.incident.commands import Commands
from warroom.policy import Policies
from warroom.policy.cached import load_policies  # the last load, while nothing changed
from warroom.store import Store
from warroom.text import check_line, safe_json
from warroom.timeparse import parse_time, zone

T = TypeVar("T")


@dataclass
class CliContext:
    db: str | None = None
    policies_dir: str | None = None
    actor_name: str | None = None
    tz_name: str | None = None
    clock: Clock = field(default_factory=SystemClock)

    @property
    def tz(self) -> tzinfo:
        return zone(self.tz_name)

    @property
    def actor(self) -> str:
        name = self.actor_name or os.environ.get("WARROOM_USER") or _login()
        return check_line(name, "actor name (--as)", 80)

    def policies(self) -> Policies:
        return load_policies(self.policies_dir)

    def time(
        self, text: str | None, what: str = "--at", *, future: bool = False
    ) -> datetime | None:
        """A time typed on the command line; ``future`` for a moment asked about or planned
        (``HH:MM`` is then today's, even when later), not one that already happened."""
        if text is None:
            return None
        return parse_time(text, tz=self.tz, now=self.clock.now(), what=what, future=future)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass
class Env:
    """An open session for one verb."""

    ctx: CliContext
    store: Store
    policies: Policies
    commands: Commands

    @property
    def tz(self) -> tzinfo:
        return self.ctx.tz


def fail(err: WarroomError) -> NoReturn:
    click.echo(f"warroom: {err.message}", err=True)
    sys.exit(err.exit_code)


def run(ctx: CliContext, work: Callable[[Env], Awaitable[T]], *, read_only: bool = False) -> T:
    """Open store and policies, run ``work``, turn every known failure into a message.

    ``read_only``: the verb only reads; the database is opened read-only, so it works on
    a read-only folder or a full disk (and a bug that writes is refused)."""

    async def go() -> T:
        policies = ctx.policies()
        tz = ctx.tz
        actor = ctx.actor
        store = await Store.open(ctx.db, ctx.clock, read_only=read_only)
        try:
            env = Env(ctx, store, policies, Commands(store, policies, actor, tz))
            return await work(env)
        finally:
            await store.close()

    return guard(lambda: asyncio.run(go()))


def guard(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except WarroomError as err:
        fail(err)
    except KeyboardInterrupt:
        click.echo("warroom: interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:  # `warroom show INC-1 | head`: the reader had enough
        with contextlib.suppress(Exception):  # no second error when Python flushes stdout
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except Exception as exc:  # the last line of defence: one paragraph, no traceback
        if os.environ.get("WARROOM_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"warroom: unexpected error: {type(exc).__name__}: {exc} "
            "(set WARROOM_DEBUG=1 for details). Nothing further was changed.",
            err=True,
        )
        sys.exit(1)


def global_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    return fn


def emit_json(data: Any) -> None:
    click.echo(safe_json(data, indent=2))


def answer(as_json: bool, view: Any, as_text: Callable[[], None]) -> None:
    """``view.to_json()`` for scripts (``--json``), else ``as_text()`` for people."""
    if as_json:
        emit_json(view.to_json())
    else:
        as_text()


def bad(message: str) -> NoReturn:
    fail(BadInput(message))
