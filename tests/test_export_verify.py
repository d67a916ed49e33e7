"""``warroom verify --file``: an export verified on its own, on another machine with only
the public key; ``warroom keys export``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.cli_helpers import Warroom
from warroom.audit.keys import load_public
from warroom.cli import cli


@pytest.fixture
def wr(tmp_path: Path) -> Warroom:
    w = Warroom(tmp_path / "w.db")
    for title in ("Checkout down", "Search slow"):
        assert w("declare", "--sev", "2", "--title", title).exit_code == 0
    for n in range(3):
        assert w("log", "INC-1", f"note {n}").exit_code == 0
    return w


def _verify(path: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["verify", "--file", str(path), *args])


def _auditor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wr: Warroom) -> Path:
    """The exporter's public key, then "another machine": an audit folder without it."""
    pem = tmp_path / "team.pem"
    r = wr("keys", "export")
    assert r.exit_code == 0 and r.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    pem.write_text(r.stdout)
    load_public(pem)  # a real PEM public key
    monkeypatch.setenv("WARROOM_AUDIT_DIR", str(tmp_path / "auditor"))
    return pem


def test_an_export_verifies_elsewhere_with_only_the_public_key(
    wr: Warroom, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "audit.jsonl"
    assert wr("export", "--all", "--format", "jsonl", "-o", str(out)).exit_code == 0
    pem = _auditor(tmp_path, monkeypatch, wr)
    r = _verify(out)
    assert r.exit_code == 1 and "which is not trusted here" in r.stdout
    r = _verify(out, "--key", str(pem))
    assert r.exit_code == 0, r.stdout
    assert r.stdout.splitlines() == [
        "INC-1  4 entries  ok",
        "INC-2  1 entries  ok",
        r.stdout.splitlines()[-1],
    ]
    assert r.stdout.splitlines()[-1].startswith("export  5 records  ok; signed by key ")
    report = json.loads(_verify(out, "--key", str(pem), "--json").stdout)
    assert report["ok"] and report["records"] == 5


def test_another_key_does_not_vouch_for_an_export(
    wr: Warroom, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "audit.jsonl"
    assert wr("export", "--all", "--format", "jsonl", "-o", str(out)).exit_code == 0
    _auditor(tmp_path, monkeypatch, wr)
    stranger = tmp_path / "stranger.pem"
    stranger.write_text(wr("keys", "export").stdout)  # the auditor's own, new key
    monkeypatch.setenv("WARROOM_AUDIT_DIR", str(tmp_path / "third"))
    r = _verify(out, "--key", str(stranger))
    assert r.exit_code == 1 and "which is not trusted here" in r.stdout


def test_one_incident_export_is_complete_up_to_its_signed_head(wr: Warroom, tmp_path: Path) -> None:
    out = tmp_path / "inc-1.jsonl"
    assert wr("export", "INC-1", "--format", "jsonl", "-o", str(out)).exit_code == 0
    assert _verify(out).exit_code == 0
    lines = out.read_bytes().split(b"\n")[:-1]
    out.write_bytes(b"".join(line + b"\n" for line in [*lines[:-2], lines[-1]]))  # last entry cut
    r = _verify(out)
    assert r.exit_code == 1
    assert (
        "INC-1  3 entries  BROKEN: the export ends at entry 3, its checkpoint lists 4" in r.stdout
    )
    assert "it holds 3 records, its checkpoint signed 4" in r.stdout


def test_an_edited_checkpoint_or_a_foreign_line_fails(wr: Warroom, tmp_path: Path) -> None:
    out = tmp_path / "audit.jsonl"
    assert wr("export", "--all", "--format", "jsonl", "-o", str(out)).exit_code == 0
    lines = out.read_bytes().split(b"\n")[:-1]
    seal = json.loads(lines[-1])
    seal["checkpoint"]["records"] = 3
    edited = [*lines[:3], json.dumps(seal).encode()]
    out.write_bytes(b"".join(line + b"\n" for line in edited))
    r = _verify(out)
    assert r.exit_code == 1 and "its checkpoint does not match its signature" in r.stdout
    out.write_bytes(b"".join(line + b"\n" for line in [b"not json", *lines]))
    r = _verify(out)
    assert r.exit_code == 1 and "line 1 is not a record of a warroom export" in r.stdout


def test_bad_input_is_one_line_and_exit_2(wr: Warroom, tmp_path: Path) -> None:
    r = _verify(tmp_path / "missing.jsonl")
    assert r.exit_code == 2 and "cannot read" in r.stderr
    not_a_key = tmp_path / "key.pem"
    not_a_key.write_text("hello")
    out = tmp_path / "audit.jsonl"
    assert wr("export", "--all", "--format", "jsonl", "-o", str(out)).exit_code == 0
    r = _verify(out, "--key", str(not_a_key))
    assert r.exit_code == 2 and "is not a PEM public key" in r.stderr
    r = wr("verify", "INC-1", "--file", str(out))
    assert r.exit_code == 2
