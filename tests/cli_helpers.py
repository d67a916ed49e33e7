"""Run the ``warroom`` CLI in-process (click's CliRunner) against a temp database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from warroom.cli import cli


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
