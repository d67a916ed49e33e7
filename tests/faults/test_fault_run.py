"""``make test`` runs the fault run in its short form (real ``warroom watch``
processes, a slow local pager): a suspended sender, a pager outage and one incident
whose escalation raises, each with small numbers (under a minute)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).with_name("run.py")


def test_the_short_fault_run_pages_everything_once_and_on_time(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(RUN), "--short", "--keep", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    table = done.stdout.split("fault run (short form):")[-1]
    assert done.returncode == 0, done.stdout + done.stderr
    assert table.count("PASS") == 3 and "FAIL" not in table
    assert "0 duplicates, 0 missing" in table
    assert "0 lost, 0 duplicated" in table
    assert "3/3 other incidents fired all 5 steps" in table
