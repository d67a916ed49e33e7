"""Run the ``warroom`` CLI in-process (click's CliRunner) against a temp database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from tests.data import T0, commands_on
from warroom.cli import cli
from warroom.clock import ManualClock
from warroom.incident.commands import Commands


@dataclass
class Warroom:
    db: Path
    actor: str = "alice"
    tz: str = "UTC"
    policies: Path | None = None

    def __call__(self, *args: str, actor: str | None = None, input: str | None = None) -> Result:
        base = ["--db", str(self.db), "--as", actor or self.actor, "--tz", self.tz]
        if self.policies:
            base += ["--policies", str(self.policies)]
        runner = CliRunner()
        return runner.invoke(cli, [*base, *args], input=input, catch_exceptions=False)

    def json(self, *args: str, actor: str | None = None) -> Any:
        r = self(*args, "--json", actor=actor)
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)


def seeded(db: Path, seed: Callable[[Commands, ManualClock], Awaitable[object]]) -> Warroom:
    """``warroom`` on ``db`` after ``seed(commands, clock)`` wrote to it as alice (the clock
    at T0, the packaged policies)."""

    async def go() -> None:
        clock = ManualClock(T0)
        async with commands_on(db, clock) as commands:
            await seed(commands, clock)

    asyncio.run(go())
    return Warroom(db)
