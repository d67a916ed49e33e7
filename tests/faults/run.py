"""Fault run: real ``warroom watch`` processes, a slow local pager, and faults.

``make faults`` runs the full form and prints a table; ``make test`` runs the short
form (``--short``: the same scenarios with small numbers, well under a minute):

1. 3 watchers page 30 backdated SEV1s (every step due at once: each of the six people
   by each of their contact methods, per incident) through a pager that answers after
   a few seconds; the watcher holding sends in flight is SIGSTOPped past its lease
   (``watch --lease``, short for the run) and SIGCONTed: every (person, method,
   incident) must reach the pager exactly once (alone or bundled by the rate limits).
2. The same with the pager answering 503 for a minute, then recovering: nothing lost,
   nothing twice.
3. One incident whose escalation cannot be evaluated (its stored declaration time
   overflows every step) among others whose steps come due seconds apart: every other
   incident's steps fire on time, and the broken one says why in its timeline.
4. (Full form only.) As 1, but the watcher is SIGKILLed: a page it may have sent is
   sent again only with "may have been sent twice" in its incident's timeline.

Exit status 0 when every scenario holds, 1 otherwise. Usage:
``python tests/faults/run.py [--short] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parent)]

from receiver import receiving  # noqa: E402
from support import (  # noqa: E402
    INTERVAL,
    Watchers,
    declare,
    doubted,
    policies_for,
    rows,
    sending_pid,
    settle,
    tally,
)

from warroom.incident.refs import ref_for  # noqa: E402


@dataclass(frozen=True)
class Sizes:
    watchers: int
    incidents: int
    delay: float  # the pager answers after this many seconds
    lease: float  # watch --lease
    stopped_for: float  # SIGSTOP ... SIGCONT
    outage: float  # the pager answers 503 this long
    steps: tuple[float, ...]  # scenario 3: seconds from declaration to each SEV1 step
    timeout: float  # a scenario that has not settled by then fails


FULL = Sizes(3, 30, 2.0, 8.0, 12.0, 60.0, (10.0, 20.0, 30.0, 40.0), 400.0)
SHORT = Sizes(3, 6, 0.5, 6.0, 8.0, 3.0, (2.0, 4.0, 6.0, 8.0), 60.0)


Result = tuple[str, str, str, bool]  # scenario, setup, figures, ok


def _held_up(work: Path, z: Sizes, kill: bool) -> tuple[str, str, bool, dict[str, object]]:
    """Scenarios 1 and 4: the watcher with the most sends in flight is SIGSTOPped past
    its lease and SIGCONTed, or SIGKILLed."""
    with receiving(z.delay) as rec:
        pdir, db = policies_for(work, rec), work / "held.db"
        declare(db, pdir, z.incidents, backdate=timedelta(minutes=130))
        started = time.monotonic()
        w = Watchers(db, pdir, z.watchers, z.lease, work)
        try:
            holder = None
            while holder is None and time.monotonic() - started < z.timeout:
                holder = sending_pid(db, w.pids())
                time.sleep(0.02)
            if holder is None:
                raise RuntimeError("no watcher ever started a send")
            pid, in_flight = holder
            time.sleep(z.delay / 2)  # its requests reached the pager, the answers have not
            if kill:
                os.kill(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGSTOP)
                time.sleep(z.stopped_for)
                os.kill(pid, signal.SIGCONT)
            settled = settle(db, z.incidents, z.timeout)
        finally:
            w.stop()
        t = tally(db, rec, z.incidents)
        t["unmarked"] = sum(1 for k in t.pop("twice") if k not in doubted(db))  # type: ignore[union-attr]
    t["lapsed"] = w.log_of(pid).count("the claim lapsed before the send")
    t["took"] = time.monotonic() - started
    what = (
        "SIGKILLed"
        if kill
        else f"SIGSTOPped {z.stopped_for:g} s (lease {z.lease:g} s), then SIGCONT"
    )
    setup = (
        f"{z.watchers} watchers x {z.incidents} backdated SEV1, pager answers after "
        f"{z.delay:g} s; the one with {in_flight} pages in flight {what}"
    )
    figures = (
        f"{t['expected']} notifications in {t['messages']} messages ({t['bundled']} bundled): "
        f"{t['duplicates']} duplicates, {t['missing']} missing; "
    )
    return setup, figures, settled and t["missing"] == 0 and t["undelivered"] == 0, t


def suspended_sender(work: Path, z: Sizes) -> Result:
    setup, figures, ok, t = _held_up(work, z, kill=False)
    figures += (
        f"its stale batch: {t['lapsed']} claims lapsed, none sent; {t['marked']} marked "
        f"'may have been sent twice'; {t['took']:.0f} s"
    )
    return "suspended sender", setup, figures, ok and t["duplicates"] == 0


def killed_sender(work: Path, z: Sizes) -> Result:
    setup, figures, ok, t = _held_up(work, z, kill=True)
    figures += (
        f"{t['marked']} pages marked 'may have been sent twice', {t['unmarked']} duplicates "
        f"unmarked; {t['took']:.0f} s"
    )
    return "killed sender", setup, figures, ok and t["unmarked"] == 0


def pager_outage(work: Path, z: Sizes) -> Result:
    with receiving(0.2) as rec:
        pdir, db = policies_for(work, rec), work / "outage.db"
        declare(db, pdir, z.incidents, backdate=timedelta(minutes=130))
        rec.down_for(z.outage)
        started = time.monotonic()
        w = Watchers(db, pdir, z.watchers, z.lease, work)
        try:
            settled = settle(db, z.incidents, z.outage + z.timeout)
        finally:
            w.stop()
        t = tally(db, rec, z.incidents)
        refused = rec.refused
    (tries,) = rows(db, "SELECT max(attempts) FROM delivery")[0]
    took = time.monotonic() - started
    lost = t["missing"] + t["undelivered"]
    ok = settled and lost == 0 and t["duplicates"] == 0
    setup = (
        f"{z.watchers} watchers x {z.incidents} backdated SEV1, the pager answers 503 for "
        f"{z.outage:g} s, then recovers"
    )
    figures = (
        f"{t['expected']} notifications, {refused} requests refused, up to {tries} attempts: "
        f"{lost} lost, {t['duplicates']} duplicated; {took:.0f} s"
    )
    return "pager outage", setup, figures, ok


def broken_incident(work: Path, z: Sizes) -> Result:
    n, bad = max(z.incidents // 3, 4), 1
    with receiving(0.2) as rec:
        pdir, db = policies_for(work, rec, z.steps), work / "broken.db"
        declare(db, pdir, 1)
        with sqlite3.connect(db) as conn:  # a row no evaluation survives (a broken import)
            conn.execute(
                "UPDATE incident SET declared_at = '9999-12-31 23:59:00.000000' WHERE id = ?",
                (bad,),
            )
        w = Watchers(db, pdir, z.watchers, z.lease, work)
        try:
            w.wait_up()
            declare(db, pdir, n - 1)  # while the engine runs: every step is watched
            time.sleep(max(z.steps) + 4 * INTERVAL + 2)
        finally:
            w.stop()
    fired = rows(db, "SELECT incident_id, step_key, due_at, fired_at FROM escalation_firing")
    late = [
        (datetime.fromisoformat(str(f)) - datetime.fromisoformat(str(d))).total_seconds()
        for i, _, d, f in fired
        if i != bad
    ]
    per = Counter(i for i, *_ in fired)
    complete = [i for i in range(1, n + 1) if i != bad and per[i] == 1 + len(z.steps)]
    said = rows(
        db,
        "SELECT count(*) FROM timeline_entry WHERE incident_id = ? AND text LIKE "
        "'Escalation error while%'",
        bad,
    )[0][0]
    worst = max(late, default=0.0)
    ok = len(complete) == n - 1 and per[bad] == 0 and said >= 1 and worst <= 2 * INTERVAL + 1
    setup = (
        f"{z.watchers} watchers x {n} SEV1 with steps at "
        f"{', '.join(f'{s:g}' for s in z.steps)} s; {ref_for(bad)}'s evaluation raises "
        "(OverflowError)"
    )
    figures = (
        f"{len(complete)}/{n - 1} other incidents fired all {1 + len(z.steps)} steps "
        f"({len(late)} firings), the latest {worst:.2f} s after due; {ref_for(bad)}: "
        f"{per[bad]} fired, error said {said}x in its timeline"
    )
    return "one incident raises", setup, figures, ok


SCENARIOS: list[Callable[[Path, Sizes], Result]] = [
    suspended_sender,
    pager_outage,
    broken_incident,
    killed_sender,
]


def table(results: list[Result]) -> str:
    lines = []
    for name, setup, figures, ok in results:
        lines.append(f"{'PASS' if ok else 'FAIL'}  {name}")
        lines.append(f"      {setup}")
        lines.append(f"      -> {figures}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--short", action="store_true", help="small numbers (make test)")
    ap.add_argument("--keep", metavar="DIR", help="keep databases and watcher logs in DIR")
    args = ap.parse_args()
    sizes = SHORT if args.short else FULL
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="warroom-faults-"))
    results: dict[str, Result] = {}

    def run(scenario: Callable[[Path, Sizes], Result]) -> None:
        work = base / scenario.__name__
        work.mkdir(parents=True, exist_ok=True)
        try:
            results[scenario.__name__] = scenario(work, sizes)
        except Exception as exc:  # a broken run is a failed scenario, with its reason
            results[scenario.__name__] = (scenario.__name__, "did not run", repr(exc), False)
        print(table([results[scenario.__name__]]), flush=True)

    # The short form waits out the outage's first retry (15 s) beside the others, and
    # leaves out the killed sender (its in-doubt resends may wait a minute for the limits).
    scenarios = [s for s in SCENARIOS if not (args.short and s is killed_sender)]
    aside = [pager_outage] if args.short else []

    def run_aside() -> None:
        for scenario in aside:
            run(scenario)

    try:
        beside = threading.Thread(target=run_aside)
        beside.start()
        for scenario in scenarios:
            if scenario not in aside:
                run(scenario)
        beside.join()
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print()
    print(f"fault run ({'short' if args.short else 'full'} form):")
    ordered = [results[s.__name__] for s in scenarios if s.__name__ in results]
    print(table(ordered))
    return 0 if len(ordered) == len(scenarios) and all(ok for *_, ok in ordered) else 1


if __name__ == "__main__":
    sys.exit(main())
