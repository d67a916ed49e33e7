"""``warroom export``: the audit export survives nasty text and can be re-verified."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.cli_helpers import Warroom
from tests.data import EXPORT_NASTY
from warroom.audit.export import FIELDS, read_csv, read_jsonl, verify_records

NASTY = EXPORT_NASTY


@pytest.fixture
def wr(tmp_path: Path) -> Warroom:
    w = Warroom(tmp_path / "w.db")
    for title in ("Checkout down", "Search slow"):
        assert w("declare", "--sev", "2", "--title", title).exit_code == 0
    for text in NASTY:
        assert w("log", "INC-1", text, "--allow-control").exit_code == 0
    return w


def test_csv_and_jsonl_round_trip_nasty_text_exactly(wr: Warroom, tmp_path: Path) -> None:
    shown = wr.json("show", "INC-1")["timeline"]
    for fmt, read in (("csv", read_csv), ("jsonl", read_jsonl)):
        out = tmp_path / f"inc-1.{fmt}"
        r = wr("export", "INC-1", "--format", fmt, "-o", str(out))
        assert r.exit_code == 0, r.output
        assert r.stdout == f"Export written to {out}\n"
        raw = out.read_bytes().decode("utf-8")
        records = read(raw)
        assert [rec["text"] for rec in records] == [e["text"] for e in shown]
        assert records[-2]["text"] == NASTY[0] and records[-1]["text"] == NASTY[1]
        assert [list(rec) for rec in records] == [list(FIELDS)] * len(shown)
        assert {rec["ref"] for rec in records} == {"INC-1"}
        assert all(report.ok for report in verify_records(records))  # an auditor re-verifies
        stdout = wr("export", "INC-1", "--format", fmt).stdout_bytes
        if fmt == "jsonl":  # the closing checkpoint is signed at its own moment
            assert raw.splitlines()[-1].startswith('{"checkpoint": ')
            stdout, raw = stdout.rsplit(b"\n", 2)[0], raw.rsplit("\n", 2)[0]
        assert stdout == raw.encode()  # stdout too, byte for byte
    jsonl = (tmp_path / "inc-1.jsonl").read_text(encoding="utf-8")
    assert len(jsonl.splitlines()) == len(shown) + 1  # one object a line, and the checkpoint
    assert "\x1b" not in jsonl and "\u2028" not in jsonl and "\x85" not in jsonl
    with (tmp_path / "inc-1.csv").open(newline="", encoding="utf-8") as f:
        assert [row["text"] for row in csv.DictReader(f)][-2:] == NASTY


def test_all_covers_every_incident_and_a_tampered_row_fails_reverification(
    wr: Warroom,
) -> None:
    r = wr("export", "--all", "--format", "jsonl")
    assert r.exit_code == 0, r.output
    records = read_jsonl(r.stdout)
    counts = {ref: sum(1 for rec in records if rec["ref"] == ref) for ref in ("INC-1", "INC-2")}
    assert counts == {"INC-1": len(wr.json("show", "INC-1")["timeline"]), "INC-2": 1}
    assert [(rec["ref"], rec["seq"]) for rec in records] == sorted(
        (rec["ref"], rec["seq"]) for rec in records
    )
    records[1]["text"] = "edited in the file"
    reports = {rep.ref: rep for rep in verify_records(records)}
    assert reports["INC-1"].problem == "entry 2 was altered after it was written"
    assert reports["INC-2"].ok
    header = wr("export", "--all", "--format", "csv").stdout.splitlines()[0]
    assert header == ",".join(FIELDS)


def test_bad_input_writes_nothing(wr: Warroom, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    r = wr("export", "INC-9", "--format", "csv", "-o", str(out))
    assert (r.exit_code, r.stderr) == (
        2,
        "warroom: no incident INC-9 in this database (see warroom list).\n",
    )
    assert not out.exists()
    r = wr("export", "INC-1", "--format", "csv", "-o", str(tmp_path / "missing" / "x.csv"))
    assert r.exit_code == 2 and "does not exist. Nothing was written." in r.stderr
    assert wr("export", "--format", "csv").exit_code == 2  # neither REF nor --all
    assert wr("export", "INC-1", "--all", "--format", "csv").exit_code == 2
    assert wr("export", "INC-1", "--format", "xml").exit_code == 2
    assert list(tmp_path.glob(".x.csv*")) == []
