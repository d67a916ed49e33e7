"""The headless CLI end to end: a replayed incident, refusals, and every bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import Warroom


@pytest.fixture
def wr(tmp_path: Path) -> Warroom:
    return Warroom(tmp_path / "w.db")


def test_replayed_incident_has_the_given_milestones(wr: Warroom) -> None:
    r = wr(
        "declare",
        "--sev",
        "1",
        "--title",
        "Checkout down",
        "--ic",
        "alice",
        "--started-at",
        "2026-03-02T09:52",
        "--detected-at",
        "2026-03-02T10:00",
        "--at",
        "2026-03-02T10:03",
    )
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("INC-1  SEV1  Checkout down  #incident-2026-03-02-checkout-down")
    assert wr("ack", "INC-1", "--at", "2026-03-02T10:05").exit_code == 0
    assert wr("assign", "INC-1", "tech", "bob", "--at", "2026-03-02T10:06").exit_code == 0
    assert (
        wr(
            "log", "INC-1", "rolled back deploy 4411", "--role", "ENG", "--at", "2026-03-02T10:20"
        ).exit_code
        == 0
    )
    assert wr("severity", "INC-1", "2", "--at", "2026-03-02T10:25").exit_code == 0
    assert wr("mitigate", "INC-1", "--at", "2026-03-02T10:30").exit_code == 0
    assert wr("resolve", "INC-1", "--at", "2026-03-02T11:00", "--force").exit_code == 0
    assert wr("close", "INC-1", "--at", "2026-03-02T12:00").exit_code == 0
    data = wr.json("show", "INC-1")
    assert data["ref"] == "INC-1" and data["severity"] == 2 and data["status"] == "closed"
    assert data["started_at"] == "2026-03-02T09:52:00Z"
    assert data["detected_at"] == "2026-03-02T10:00:00Z"
    assert data["declared_at"] == "2026-03-02T10:03:00Z"
    assert data["acknowledged_at"] == "2026-03-02T10:05:00Z"
    assert data["mitigated_at"] == "2026-03-02T10:30:00Z"
    assert data["resolved_at"] == "2026-03-02T11:00:00Z"
    assert data["closed_at"] == "2026-03-02T12:00:00Z"
    assert data["roles"] == {"ic": "alice", "comms": None, "tech": "bob", "scribe": None}
    assert data["time_to_detect_min"] == 8
    assert data["time_to_ack_min"] == 5
    assert data["time_to_resolve_min"] == 60
    kinds = [e["kind"] for e in data["timeline"]]
    assert kinds[0] == "declared" and "severity" in kinds and kinds[-1] == "closed"
    note = next(e for e in data["timeline"] if e["text"] == "rolled back deploy 4411")
    assert note["role"] == "ENG" and note["author"] == "alice"
    assert note["at"].endswith(":20:00Z") and note["recorded_at"] != note["at"]
    assert set(data["timeline"][0]) >= {"at", "recorded_at", "author", "role", "kind", "text"}
    assert wr("verify", "INC-1").exit_code == 0


def test_text_output_is_readable(wr: Warroom) -> None:
    wr("declare", "--sev", "2", "--title", "Search slow")
    out = wr("list").stdout
    assert "INC-1" in out and "SEV2" in out and "Search slow" in out
    show = wr("show", "INC-1").stdout
    assert "SEV2" in show and "(vacant)" in show


def test_only_the_ic_may_resolve_or_change_severity(wr: Warroom) -> None:
    wr("declare", "--sev", "1", "--title", "x", "--ic", "alice")
    r = wr("resolve", "INC-1", actor="mallory")
    assert r.exit_code == 3
    assert "only the incident commander" in r.stderr and "alice" in r.stderr
    r = wr("severity", "INC-1", "3", actor="mallory")
    assert r.exit_code == 3 and "may change the severity of it;" in r.stderr
    assert wr("close", "INC-1", actor="mallory").exit_code == 3
    assert wr.json("show", "INC-1")["status"] == "open"
    # an IC handoff moves the right
    assert wr("assign", "INC-1", "ic", "bob").exit_code == 0
    assert wr("resolve", "INC-1", actor="alice").exit_code == 3
    assert wr("resolve", "INC-1", "--force", actor="BOB").exit_code == 0


def test_chronology_is_kept(wr: Warroom) -> None:
    wr("declare", "--sev", "2", "--title", "x", "--at", "2026-03-02T10:00")
    r = wr("resolve", "INC-1", "--at", "2026-03-02T09:00")
    assert r.exit_code == 2
    assert (
        "resolved at 2026-03-02 09:00:00" in r.stderr
        and "detected at 2026-03-02 10:00:00" in r.stderr
    )
    assert wr.json("show", "INC-1")["resolved_at"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "INC-99"], "no incident INC-99"),
        (["show", "banana"], "not an incident reference"),
        (["declare", "--sev", "7", "--title", "x"], "bad severity"),
        (["declare", "--sev", "1", "--title", "   "], "title is empty"),
        (["declare", "--sev", "1", "--title", "a\x1b[2Jb"], "control characters"),
        (["assign", "INC-1", "janitor", "bob"], "unknown role"),
        (["log", "INC-1", "x", "--at", "yesterday-ish"], "is not a time"),
        (["log", "INC-1", "x", "--at", "2099-01-01T00:00Z"], "in the future"),
        (["log", "INC-1", "x" * 100_000], "the limit is"),
        (["log", "INC-1", "red \x1b[31malert"], "control characters"),
        (["log", "INC-1", ""], "empty"),
        (["--tz", "Mars/Olympus", "list"], "unknown time zone"),
        (["ack", "INC-1"], "already acknowledged"),
        # a typed note must not pose as a milestone or a page (post-mortem, escalations)
        (["log", "INC-1", "I think it is fixed", "--kind", "resolved"], "warroom resolve"),
        (["log", "INC-1", "called bob", "--kind", "page"], "note, decision"),
        (["log", "INC-1", "x", "--at", "2026-03-02T10:00", "--kind", "declared"], "note, decision"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(wr: Warroom, args: list[str], message: str) -> None:
    wr("declare", "--sev", "3", "--title", "base", "--at", "2026-03-02T10:00")
    wr("ack", "INC-1", "--at", "2026-03-02T10:01")
    before = wr.json("show", "INC-1")
    r = wr(*args)
    assert r.exit_code == 2, r.output
    assert message in r.stderr
    assert "Traceback" not in r.output
    assert wr.json("show", "INC-1") == before


def test_control_characters_can_be_stored_exactly_on_request(wr: Warroom) -> None:
    wr("declare", "--sev", "3", "--title", "base")
    text = "red \x1b[31malert\x07 [bold]not markup[/] \x9b2J del\x7f caf\u00e9"
    assert wr("log", "INC-1", text, "--allow-control").exit_code == 0
    assert wr.json("show", "INC-1")["timeline"][-1]["text"] == text
    shown = wr("show", "INC-1").stdout
    assert "\x1b" not in shown and "\\x1b[31malert" in shown
    raw = wr("show", "INC-1", "--json").stdout  # what a terminal would get
    assert not any(c in raw for c in "\x1b\x07\x9b\x7f") and "caf\u00e9" in raw


def test_database_in_a_missing_folder(tmp_path: Path) -> None:
    wr = Warroom(tmp_path / "missing" / "w.db")
    r = wr("list")
    assert r.exit_code == 2 and "does not exist" in r.stderr


def test_corrupt_database_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    path.write_bytes(b"garbage" * 1000)
    r = Warroom(path)("list")
    assert r.exit_code == 1 and "not a readable warroom database" in r.stderr
    assert path.read_bytes() == b"garbage" * 1000


def test_verify_detects_tampering(wr: Warroom) -> None:
    import sqlite3

    wr("declare", "--sev", "3", "--title", "base")
    wr("log", "INC-1", "original")
    con = sqlite3.connect(wr.db)
    con.execute("UPDATE timeline_entry SET text = 'forged' WHERE text = 'original'")
    con.commit()
    con.close()
    r = wr("verify", "INC-1")
    assert r.exit_code == 1 and "altered" in r.stdout


def test_locked_database_gives_a_message_and_loses_nothing(
    wr: Warroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    import warroom.store

    wr("declare", "--sev", "2", "--title", "base")
    monkeypatch.setattr(warroom.store, "BUSY_TIMEOUT_MS", 100)
    holder = sqlite3.connect(wr.db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        r = wr("log", "INC-1", "typed while locked")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.exit_code == 1
    assert "locked" in r.stderr and "nothing was changed" in r.stderr
    assert "Traceback" not in r.output
    assert wr("log", "INC-1", "typed after").exit_code == 0
    texts = [e["text"] for e in wr.json("show", "INC-1")["timeline"]]
    assert "typed after" in texts and "typed while locked" not in texts


def test_output_piped_into_head_ends_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    from warroom.cli.context import guard

    def closed_pipe() -> None:
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(SystemExit) as ended:
        guard(closed_pipe)
    assert ended.value.code == 0  # `warroom list | head` is not an error
    assert capsys.readouterr().err == ""


def test_a_severity_change_backdated_before_the_latest_one_is_refused(wr: Warroom) -> None:
    """The severity shown and the one the escalation follows must never disagree."""
    day = "2026-03-02T"
    wr("declare", "--sev", "2", "--title", "Checkout slow", "--ic", "alice", "--at", day + "08:00Z")
    assert wr("severity", "INC-1", "1", "--at", day + "08:30Z").exit_code == 0
    r = wr("severity", "INC-1", "3", "--at", day + "08:20Z")
    assert r.exit_code == 2 and "would come before it" in r.stderr
    shown = wr.json("show", "INC-1")
    assert shown["severity"] == 1
    assert [(c["from"], c["to"]) for c in shown["severity_history"]] == [(None, 2), (2, 1)]
