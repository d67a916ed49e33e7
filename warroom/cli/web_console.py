"""``warroom serve``: the console in a browser (textual-serve runs one console process
per browser tab). This module builds that command; nothing here imports Textual.

The command is this same ``warroom`` (the running interpreter, ``-m warroom``) with the
same global options, paths made absolute so the console opens the same database and
policies whatever folder the server runs in. A database URL carrying a password goes
through the ``WARROOM_DB`` environment variable instead of the command line, which
textual-serve prints on start and which ``ps`` shows to every user of the machine.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@dataclass(frozen=True)
class ConsoleCommand:
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)  # added to the server's environment

    @property
    def shell(self) -> str:
        """The command line textual-serve runs through the shell, every part quoted."""
        return shlex.join(self.argv)


def console_command(
    db_url: str,
    *,
    policies_dir: str | None,
    actor: str,
    tz_name: str | None,
    executable: str | None = None,
) -> ConsoleCommand:
    """The console command for ``db_url`` (already resolved: see store.resolve_url)."""
    argv = [executable or sys.executable, "-m", "warroom"]
    env: dict[str, str] = {}
    if make_url(db_url).password:
        env["WARROOM_DB"] = db_url
    else:
        argv += ["--db", db_url]
    if policies_dir:
        argv += ["--policies", str(Path(policies_dir).expanduser().resolve())]
    argv += ["--as", actor]
    if tz_name:
        argv += ["--tz", tz_name]
    return ConsoleCommand(argv, env)
