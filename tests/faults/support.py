"""What the fault run (``run.py``) is made of: the policies and roster it pages with,
incidents declared in-process, ``warroom watch`` processes, and the tally of what the
pager got against what it should have got."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, timedelta
from pathlib import Path

import yaml
from receiver import Key, Receiver

from warroom.clock import SystemClock
from warroom.incident.commands import Commands
from warroom.incident.refs import ref_for
from warroom.policy import load_policies
from warroom.policy.loader import bundled_dir
from warroom.store import Store

PEOPLE = {
    "alice": ("push", "phone", "sms"),
    "bob": ("push", "sms"),
    "carol": ("push", "phone", "sms"),
    "dave": ("push", "sms"),
    "erin": ("push", "sms"),
    "frank": ("push", "phone", "email"),
}
HIGH = ("push", "phone", "sms")  # the methods of a high-urgency page (oncall.yaml)
INTERVAL = 0.5  # watch --interval


def policies_for(folder: Path, rec: Receiver, steps: tuple[float, ...] | None = None) -> Path:
    """The packaged policies with a roster paging ``rec``; ``steps`` (seconds) replace
    the SEV1 escalation steps' times."""
    out = folder / "policies"
    shutil.copytree(bundled_dir("policies"), out)
    rotation = {"zone": "Europe/London", "start": "2026-01-05", "period": "weekly"}
    members = ["alice", "bob", "carol", "dave", "erin"]
    roster = {
        "people": [
            {"name": p, "contacts": {m: rec.url(p, m) for m in ms}} for p, ms in PEOPLE.items()
        ],
        "rotations": [
            {"id": "primary", "name": "Primary", "kind": "primary", "members": members, **rotation},
            {"id": "second", "name": "Secondary", "kind": "secondary", "offset": 1}
            | {"members": members, **rotation},
        ],
        "targets": {
            "team_lead": "carol",
            "engineering_manager": "frank",
            "executive_oncall": "frank",
            "all_hands": list(PEOPLE),
        },
    }
    (out / "roster.yaml").write_text(yaml.safe_dump(roster, sort_keys=False))
    oncall = yaml.safe_load((out / "oncall.yaml").read_text())
    for rule in oncall["notification_rules"]["high"]:  # every method at once: a short run
        rule["after_minutes"] = 0
    (out / "oncall.yaml").write_text(yaml.safe_dump(oncall, sort_keys=False))
    if steps:
        esc = yaml.safe_load((out / "escalation.yaml").read_text())
        for step, seconds in zip(esc["time_based"]["SEV1"], steps, strict=True):
            step["after_minutes"] = seconds / 60
        (out / "escalation.yaml").write_text(yaml.safe_dump(esc, sort_keys=False))
    return out


_ALEMBIC = threading.Lock()  # migrations (Store.open of a new file) are not thread-safe


def declare(db: Path, pdir: Path, n: int, backdate: timedelta = timedelta(0)) -> None:
    async def go() -> None:
        store = await Store.open(db, SystemClock())
        try:
            commands = Commands(store, load_policies(pdir), "faults", UTC)
            at = store.clock.now() - backdate
            for i in range(n):
                await commands.declare(f"Outage {i + 1}", 1, at=at if backdate else None)
        finally:
            await store.close()

    with _ALEMBIC:
        asyncio.run(go())


class Watchers:
    """``warroom watch`` processes on one database, each with its log file."""

    def __init__(self, db: Path, pdir: Path, n: int, lease: float, logs: Path) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs = [logs / f"watch-{i}.log" for i in range(n)]
        env = {**os.environ, "WARROOM_USER": "faults"}
        for log in self.logs:
            cmd = [sys.executable, "-m", "warroom", "--db", str(db), "--policies", str(pdir)]
            cmd += ["watch", "--interval", str(INTERVAL), "--lease", str(lease)]
            with log.open("wb") as out:
                proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
            self.procs.append(proc)

    def log_of(self, pid: int) -> str:
        return next(
            log.read_text(errors="replace")
            for p, log in zip(self.procs, self.logs, strict=True)
            if p.pid == pid
        )

    def pids(self) -> set[int]:
        return {p.pid for p in self.procs}

    def wait_up(self, timeout: float = 30.0) -> float:
        """Until every watcher said it is running; returns when (time.time())."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if all("engine running" in log.read_text(errors="replace") for log in self.logs):
                return time.time()
            time.sleep(0.05)
        raise RuntimeError(f"the watchers did not start; see {self.logs}")

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def rows(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db, timeout=30) as conn:
        return list(conn.execute(sql, args))


def settle(db: Path, n: int, timeout: float, quiet: float = 2.0) -> bool:
    """Until the ``n`` incidents' every step fired and no notification is pending (for
    ``quiet`` seconds); False on timeout."""
    end, since = time.monotonic() + timeout, None
    while time.monotonic() < end:
        (pending,) = rows(db, "SELECT count(*) FROM delivery WHERE status = 'pending'")[0]
        (fired,) = rows(db, "SELECT count(DISTINCT incident_id) FROM escalation_firing")[0]
        if pending == 0 and fired >= n:
            since = since or time.monotonic()
            if time.monotonic() - since >= quiet:
                return True
        else:
            since = None
        time.sleep(0.2)
    return False


def tally(db: Path, rec: Receiver, n: int) -> dict[str, object]:
    """Against what should have happened (every person by each of their methods about
    every incident, once): duplicates, missing, and what the timelines say."""
    expected = {
        (p, m, ref_for(i))
        for p, ms in PEOPLE.items()
        for m in ms
        if m in HIGH
        for i in range(1, n + 1)
    }
    got = rec.received()
    status = Counter(s for (s,) in rows(db, "SELECT status FROM delivery"))
    (marked,) = rows(db, "SELECT count(*) FROM timeline_entry WHERE text LIKE '%sent twice%'")[0]
    return {
        "twice": [k for k, c in got.items() if c > 1],
        "expected": len(expected),
        "messages": len(rec.accepted),
        "duplicates": sum(c - 1 for c in got.values() if c > 1)
        + sum(c for k, c in got.items() if k not in expected),
        "missing": len(expected - set(got)),
        "sent": status["sent"],
        "bundled": status["bundled"],
        "undelivered": sum(c for s, c in status.items() if s not in ("sent", "bundled")),
        "marked": marked,
    }


def sending_pid(db: Path, pids: set[int]) -> tuple[int, int] | None:
    """The watcher with the most sends in flight (rows marked as being sent): (pid, rows)."""
    found: Counter[int] = Counter()
    for (by,) in rows(db, "SELECT claimed_by FROM delivery WHERE claimed_by LIKE '%!'"):
        parts = str(by).rstrip("!").rsplit(":", 2)
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) in pids:
            found[int(parts[1])] += 1
    return found.most_common(1)[0] if found else None


def doubted(db: Path) -> set[Key]:
    """(person, method, incident) of every page its timeline marks "may have been sent
    twice"."""
    out: set[Key] = set()
    q = (
        "SELECT i.ref, e.text FROM timeline_entry e JOIN incident i ON i.id = e.incident_id "
        "WHERE e.text LIKE '%sent twice%'"
    )
    for ref, text in rows(db, q):
        for who, method in re.findall(
            r"(\w+) \([^)]*\) via (\w+) \(may have been sent twice", str(text)
        ):
            out.add((who, method, str(ref)))
        for who, method in re.findall(r"paged (\w+) \([^)]*\) via (\w+): .*sent twice", str(text)):
            out.add((who, method, str(ref)))
    return out
