"""Benchmark: open the war room of an incident with 100,000 timeline entries.

Run with ``make bench`` (not collected by pytest). It builds a database with one
incident and N entries (a bulk insert of a valid hash chain, a few seconds), then,
in a fresh process so the memory figure is the console's own, opens the console
headless at 160x48, pushes the war-room screen and reports:

- time to first paint: from pushing the screen until the timeline has drawn rows
  read from the database (budget: under 1 s);
- peak memory of that process (max RSS; budget: under 200 MB), and what it was
  before the screen was pushed;
- scrolling: the time to draw one screenful at 200 random places in the timeline.

Usage: python tests/bench/run.py [--entries N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BUDGET_SECONDS = 1.0
BUDGET_MB = 200.0
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_PHRASES = (
    "checkout errors rising after deploy rolled back replica lag primary failover cache "
    "hit rate dropped customers in EU see 500s paged the DBA status page updated bridge "
    "open traffic shifted to us-east metrics recovering confirmed by support"
)
WORDS = tuple(_PHRASES.split())
AUTHORS = ("alice", "bob", "carol", "dave", "erin", "frank")
ROLES = (None, "IC", "ENG", "COMMS", "SCRIBE")
KINDS = ("note",) * 8 + ("decision", "status", "page", "severity")


def _sqlite_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


async def _declare(db: Path) -> int:
    from warroom.clock import ManualClock
    from warroom.incident.commands import Commands
    from warroom.policy import load_policies
    from warroom.policy.loader import bundled_dir
    from warroom.store import Store

    clock = ManualClock(T0)
    policies = load_policies(bundled_dir("policies"))
    async with await Store.open(db, clock) as store:
        c = Commands(store, policies, "alice", UTC)
        inc = await c.declare("Bench: a very long incident", 1, ic="alice")
        assert inc.id is not None
        return inc.id


def build(db: Path, entries: int) -> int:
    """An incident with ``entries`` timeline entries forming a valid hash chain."""
    from warroom.incident.timeline import entry_fields, entry_hash  # the chain's exact format

    incident_id = asyncio.run(_declare(db))
    rnd = random.Random(7)
    con = sqlite3.connect(db)
    seq, prev = con.execute(
        "SELECT seq, hash FROM timeline_entry WHERE incident_id = ? ORDER BY seq DESC LIMIT 1",
        (incident_id,),
    ).fetchone()
    rows = []
    for n in range(seq + 1, entries + 1):
        at = T0 + timedelta(seconds=n * 3)
        author, role, kind = rnd.choice(AUTHORS), rnd.choice(ROLES), rnd.choice(KINDS)
        text = " ".join(rnd.choices(WORDS, k=rnd.randint(3, 30)))
        fields = entry_fields(incident_id, n, at, at, author, role, kind, text, False, None)
        digest = entry_hash(fields, prev)
        rows.append(
            (
                incident_id,
                n,
                _sqlite_time(at),
                _sqlite_time(at),
                author,
                role,
                kind,
                text,
                0,
                None,
                prev,
                digest,
            )
        )
        prev = digest
    with con:
        con.executemany(
            "INSERT INTO timeline_entry (incident_id, seq, at, recorded_at, author, role, "
            "kind, text, key_event, corrects_id, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    con.close()
    from warroom.audit.backfill import link_file  # the database chain, signed

    link_file(db)
    return incident_id


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    try:  # VmHWM starts afresh at exec; ru_maxrss may carry the parent's peak over
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def measure(db: Path, incident_id: int) -> dict[str, float]:
    """Run in a fresh process: open the console and the war room, time the first paint."""
    from screens.app import make_app
    from screens.war_room import WarRoomScreen
    from warroom.clock import ManualClock
    from warroom.policy import load_policies
    from warroom.policy.loader import bundled_dir
    from widgets.timeline_view import TimelineView

    painted: list[tuple[float, float]] = []
    original = TimelineView.render_line

    def render_line(self, y):  # type: ignore[no-untyped-def]
        strip = original(self, y)
        if self.loaded and self.rows and not painted:
            painted.append((time.perf_counter(), time.process_time()))
        return strip

    TimelineView.render_line = render_line  # type: ignore[method-assign]
    policies = load_policies(bundled_dir("policies"))
    app = make_app(f"sqlite+aiosqlite:///{db}", policies, ManualClock(T0 + timedelta(days=4)))
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()  # the home screen has loaded
        await pilot.pause()
        before = _rss_mb()
        start, start_cpu = time.perf_counter(), time.process_time()
        await app.push_screen(WarRoomScreen(incident_id))
        while not painted:
            await asyncio.sleep(0.005)
        first_paint = painted[0][0] - start
        first_paint_cpu = painted[0][1] - start_cpu
        await app.workers.wait_for_complete()
        timeline = app.screen.query_one(TimelineView)
        while timeline.older_missing:  # the older entries load behind the first paint
            await asyncio.sleep(0.01)
        all_loaded = time.perf_counter() - start
        rows = len(timeline.rows)
        # Scrolling: draw a screenful at random places (what a page-up costs).
        rnd = random.Random(1)
        height = timeline.size.height
        t = time.perf_counter()
        for _ in range(200):
            timeline.scroll_to(
                y=rnd.randrange(max(timeline.max_scroll_y, 1)), animate=False, immediate=True
            )
            for y in range(height):
                timeline.render_line(y)
        per_screen_ms = (time.perf_counter() - t) / 200 * 1000
    return {
        "entries": rows,
        "first_paint_s": round(first_paint, 3),
        "first_paint_cpu_s": round(first_paint_cpu, 3),
        "all_loaded_s": round(all_loaded, 2),
        "rss_before_mb": round(before, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
        "screenful_ms": round(per_screen_ms, 2),
    }


def bench_parser(
    doc: str | None, size: str, default: int, measured: tuple[str, str]
) -> argparse.ArgumentParser:
    """The command line of a benchmark (this one and reports.py): ``--<size> N``, how much
    to build; ``--keep DIR``; and the hidden ``--measure A B`` (named ``measured``) with
    which the benchmark runs itself in a fresh process."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument(f"--{size}", type=int, default=default)
    parser.add_argument("--keep", type=Path, help="build the database in this folder")
    parser.add_argument("--measure", nargs=2, metavar=measured, help=argparse.SUPPRESS)
    return parser


def main() -> int:
    args = bench_parser(__doc__, "entries", 100_000, ("DB", "INCIDENT")).parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(measure(Path(args.measure[0]), int(args.measure[1])))))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        db = folder / "bench.db"
        db.unlink(missing_ok=True)
        os.environ.setdefault("WARROOM_AUDIT_DIR", str(folder / "audit"))  # its own key
        t = time.perf_counter()
        incident_id = build(db, args.entries)
        print(f"built {args.entries:,} entries in {time.perf_counter() - t:.1f} s ({db})")
        out = subprocess.run(
            [sys.executable, __file__, "--measure", str(db), str(incident_id)],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
    ok_time = result["first_paint_s"] < BUDGET_SECONDS
    ok_mem = result["peak_rss_mb"] < BUDGET_MB
    print(
        f"war room, {result['entries']:,} entries at 160x48:\n"
        f"  time to first paint  {result['first_paint_s']:.3f} s  "
        f"(budget {BUDGET_SECONDS:.0f} s) {'ok' if ok_time else 'OVER BUDGET'}; "
        f"{result['first_paint_cpu_s']:.3f} s of CPU\n"
        f"  all entries loaded   {result['all_loaded_s']:.2f} s (older ones behind the paint)\n"
        f"  peak memory (RSS)    {result['peak_rss_mb']:.0f} MB  "
        f"(budget {BUDGET_MB:.0f} MB; {result['rss_before_mb']:.0f} MB before the screen) "
        f"{'ok' if ok_mem else 'OVER BUDGET'}\n"
        f"  one screenful drawn  {result['screenful_ms']:.2f} ms (200 random places)"
    )
    return 0 if ok_time and ok_mem else 1


if __name__ == "__main__":
    sys.exit(main())
