"""Headless verbs never import Textual: checked at run time in a fresh interpreter (the
import-linter contract checks the source; this checks what a real run loads)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs the verb as ``warroom`` would, then prints the modules it loaded, whatever the
# verb's exit status (click ends with SystemExit).
PROBE = """
import json, sys
from warroom.cli import main
sys.argv = ["warroom", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as e:
    code = e.code
else:
    code = 0
print("\\n@@modules@@", json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

UI = ("textual", "screens", "widgets")


def loaded(db: Path, *verb: str) -> tuple[int, list[str]]:
    env = {**os.environ, "WARROOM_USER": "alice", "TZ": "UTC"}
    env.pop("WARROOM_DB", None)
    args = ["--db", str(db), "--tz", "UTC", *verb]
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "@@modules@@" in out.stdout, out.stderr
    report = json.loads(out.stdout.rsplit("@@modules@@", 1)[1])
    return report["code"], report["modules"]


@pytest.mark.parametrize(
    "verb",
    [
        ("declare", "--sev", "2", "--title", "Search slow"),
        ("list", "--json"),
        ("show", "INC-1", "--json"),
    ],
    ids=lambda v: v[0],
)
def test_a_headless_verb_does_not_import_textual(tmp_path: Path, verb: tuple[str, ...]) -> None:
    db = tmp_path / "w.db"
    if verb[0] == "show":
        assert loaded(db, "declare", "--sev", "1", "--title", "db down")[0] == 0
    code, modules = loaded(db, *verb)
    assert code in (0, None), (verb, code)
    assert "warroom.cli" in modules and "warroom.store" in modules  # the verb really ran
    ui = [m for m in modules if m.split(".")[0] in UI]
    assert ui == [], f"{' '.join(verb)} imported {ui}"
