"""Benchmark: how fast the console starts and the verbs answer, against anchors measured
in the same run (issue 15).

Run with ``make bench`` (not collected by pytest). Every figure is the median wall time
of 5 whole processes (Python start to exit); each row's command and its anchor run in
turn, in the same run, so a busy machine slows both and the ratio stays meaningful:

- console start -> home painted (the ``warroom`` command, headless at 160x48, a few open
  incidents) vs a bare Textual app (Header, Static, Footer) start -> first paint -> exit
  (budget: 2.0x);
- console start -> war room of a 10,000-entry incident painted, same anchor (3.0x);
- ``warroom log REF "entry"``, ``warroom ack REF`` and ``warroom list`` vs
  ``python -c "import sqlalchemy.ext.asyncio, aiosqlite"`` (1.5x each);
- ``warroom demo --no-console`` (the demo database rebuilt, ready to open; under 3 s);
  its untimed first run plays the day's history into the cache, and that time is
  printed too (warroom/drills/demo_cache.py).

The console runs through the real command line (``warroom.cli.main``); the measured
process only switches Textual to headless and exits at the first frame that shows what
was asked for (the home board loaded, the war room's timeline drawn). Keys, witness and
caches go to a temporary folder (``WARROOM_AUDIT_DIR``, ``XDG_*``); one untimed run of
each command comes first (bytecode, the audit key, caches: a user's second start).

Usage: python tests/bench/startup.py [--runs N] [--entries N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SIZE = (160, 48)
PAINT_TIMEOUT = 60.0
ANCHOR_IMPORT = "import sqlalchemy.ext.asyncio, aiosqlite"
SMALL_INCIDENTS = 8  # besides the big one: the home board, and one to ack per run


# --- inside a measured process -------------------------------------------------------


def _exit_at_first_frame(ready: Callable[[Any], bool]) -> None:
    """Make every Textual app of this process run headless and exit at the first frame
    it draws once ``ready(app)`` holds (what the user would see on the terminal)."""
    from textual.app import App

    run, display = App.run, App._display

    def headless_run(self: App[Any], *args: Any, **kwargs: Any) -> Any:
        kwargs.update(headless=True, size=SIZE)
        watchdog = threading.Timer(PAINT_TIMEOUT, os._exit, (3,))  # never painted: fail
        watchdog.daemon = True
        watchdog.start()
        return run(self, *args, **kwargs)

    def painted(self: App[Any], screen: Any, renderable: Any) -> None:
        display(self, screen, renderable)
        if renderable is not None and not getattr(self, "_bench_done", False) and ready(self):
            self._bench_done = True  # type: ignore[attr-defined]
            self.exit()

    App.run = headless_run  # type: ignore[method-assign]
    App._display = painted  # type: ignore[method-assign]


def child_bare() -> int:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("warroom")
            yield Footer()

    _exit_at_first_frame(lambda app: True)
    Bare().run()
    return 0


def _home_ready(app: Any) -> bool:
    board = getattr(app.screen, "board", None)
    return board is not None and bool(board.rows)


def child_console(cli_args: list[str], incident: int | None) -> int:
    """The ``warroom`` command; with ``incident``, Enter on it once home is shown."""
    asked: list[bool] = []

    def ready(app: Any) -> bool:
        if incident is None:
            return _home_ready(app)
        if not asked:
            if _home_ready(app):
                asked.append(True)
                app.call_later(app.open_incident, incident)
            return False
        from widgets.timeline_view import TimelineView

        found = app.screen.query(TimelineView)
        return bool(found) and found.first().loaded and bool(found.first().rows)

    _exit_at_first_frame(ready)
    from warroom.cli import main  # what the `warroom` command runs

    sys.argv = ["warroom", *cli_args]
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


# --- building the databases ----------------------------------------------------------


async def _small_incidents(db: Path, n: int) -> list[str]:
    from datetime import UTC

    from run import T0

    from warroom.clock import ManualClock
    from warroom.incident.commands import Commands
    from warroom.policy import load_policies
    from warroom.policy.loader import bundled_dir
    from warroom.store import Store

    policies = load_policies(bundled_dir("policies"))
    refs = []
    async with await Store.open(db, ManualClock(T0)) as store:
        c = Commands(store, policies, "alice", UTC)
        for i in range(n):
            inc = await c.declare(f"Bench: checkout errors in region {i}", 2 + i % 3, ic="bob")
            refs.append(inc.ref or "")
    return refs


# --- measuring -----------------------------------------------------------------------


@dataclass
class Row:
    what: str
    command: list[str]
    anchor: str  # key of ANCHORS
    budget: float  # a ratio, or seconds when anchor is ""
    times: list[float]


def _timed(command: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    took = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return took


def main() -> int:
    sys.path.insert(0, str(HERE))
    if sys.argv[1:2] == ["--child"]:  # a measured process: --child MODE [INCIDENT] ARGS...
        mode, *rest = sys.argv[2:]
        if mode == "bare":
            return child_bare()
        incident = int(rest.pop(0)) if mode == "war-room" else None
        return child_console(rest, incident)
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build the databases in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        return measure(args.keep or Path(tmp), args.runs, args.entries)


def measure(folder: Path, runs: int, entries: int) -> int:
    from run import build

    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, WARROOM_USER="alice", WARROOM_AUDIT_DIR=str(folder / "audit"))
    for name in ("CONFIG", "CACHE", "DATA", "STATE"):
        env[f"XDG_{name}_HOME"] = str(folder / name.lower())
    os.environ.update(env)  # the build below writes the same witness
    db = folder / "startup.db"
    db.unlink(missing_ok=True)
    t = time.perf_counter()
    big = build(db, entries)
    refs = asyncio.run(_small_incidents(db, SMALL_INCIDENTS))
    print(
        f"built {entries:,} entries and {len(refs)} more incidents in "
        f"{time.perf_counter() - t:.1f} s ({db})"
    )
    py, me = sys.executable, str(Path(__file__).resolve())
    textual, sqla = "bare Textual app", "import sqlalchemy.ext.asyncio, aiosqlite"
    script = Path(py).parent / "warroom"  # the installed command, as a user types it
    command = [str(script)] if script.exists() else [py, "-m", "warroom"]
    warroom = [*command, "--db", str(db)]
    console = ["--db", str(db), "--policies", str(ROOT / "policies")]
    anchors = {textual: [py, me, "--child", "bare"], sqla: [py, "-c", ANCHOR_IMPORT]}
    acks = iter(refs[1:])
    war_room = [py, me, "--child", "war-room", str(big), *console]
    demo = [*command, "demo", "--no-console", "--dir", str(folder / "demo")]
    rows = [
        Row("console -> home painted", [py, me, "--child", "home", *console], textual, 2.0, []),
        Row(f"console -> war room of {entries:,} entries painted", war_room, textual, 3.0, []),
        Row(f'warroom log {refs[0]} "entry"', [*warroom, "log", refs[0], "hi"], sqla, 1.5, []),
        Row("warroom ack REF", [*warroom, "ack", "NEXT"], sqla, 1.5, []),
        Row("warroom list", [*warroom, "list"], sqla, 1.5, []),
        Row("warroom demo --no-console (rebuilt, ready)", demo, "", 3.0, []),
    ]
    anchor_times: dict[str, list[float]] = {name: [] for name in anchors}

    def command_of(row: Row) -> list[str]:
        return [next(acks) if c == "NEXT" else c for c in row.command]

    first_demo = 0.0
    for row in rows:  # the untimed first runs
        took = _timed(command_of(row), env)
        first_demo = took if row.command is demo else first_demo
    for command in anchors.values():
        _timed(command, env)
    for _ in range(runs):
        for row in rows:
            if row.anchor:
                anchor_times[row.anchor].append(_timed(anchors[row.anchor], env))
            row.times.append(_timed(command_of(row), env))
    ok = report(rows, anchor_times, runs)
    print(
        f"  (the first demo of a day plays the history into the cache: {first_demo:.3f} s; "
        "the runs above copy it)"
    )
    return ok


def report(rows: list[Row], anchor_times: dict[str, list[float]], runs: int) -> int:
    ok_all = True
    print(f"medians of {runs} whole processes; each row ran in turn with its anchor")
    for name, times in anchor_times.items():
        print(f"  anchor: {name:<48} {statistics.median(times):6.3f} s")
    for row in rows:
        took = statistics.median(row.times)
        if row.anchor:
            ratio = took / statistics.median(anchor_times[row.anchor])
            ok = ratio <= row.budget
            figure = f"{ratio:5.2f}x  (budget {row.budget:.1f}x)"
        else:
            ok = took < row.budget
            figure = f"        (budget {row.budget:.0f} s)"
        ok_all = ok_all and ok
        print(f"  {row.what:<56} {took:6.3f} s {figure} {'ok' if ok else 'OVER BUDGET'}")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
