"""The installed ``warroom`` command against the default database (in the user-data dir)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("warroom")
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "WARROOM_USER": "alice",
        "TZ": "UTC",
    }
    env.pop("WARROOM_DB", None)
    env.pop("WARROOM_POLICIES", None)
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=60)


def test_declare_log_ack_resolve_show_on_the_default_database(tmp_path: Path) -> None:
    assert run(tmp_path, "declare", "--sev", "1", "--title", "db down").returncode == 0
    assert run(tmp_path, "log", "INC-1", "IC: failing over to the replica").returncode == 0
    assert run(tmp_path, "ack", "INC-1").returncode == 0
    assert run(tmp_path, "resolve", "INC-1", "--force").returncode == 0
    out = run(tmp_path, "show", "INC-1", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["status"] == "resolved" and data["severity"] == 1
    assert data["channel"].startswith("#incident-") and data["channel"].endswith("-db-down")
    entry = next(e for e in data["timeline"] if e["text"] == "failing over to the replica")
    assert entry["role"] == "IC"
    db = tmp_path / "data" / "warroom" / "warroom.db"
    assert db.exists() and (db.stat().st_mode & 0o777) == 0o600


def test_help_and_usage_errors(tmp_path: Path) -> None:
    r = run(tmp_path, "--help")
    assert r.returncode == 0 and "declare" in r.stdout
    bad = run(tmp_path, "declare", "--title", "no severity")
    assert bad.returncode == 2 and "--sev" in bad.stderr
