"""The scribe's line parser: role prefixes, backdating, slash commands, completion, history."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warroom.errors import BadInput
from warroom.incident.scribe import Command, History, Note, complete, help_lines, parse

PREFIXES = {"IC": "ic", "COMMS": "comms", "ENG": "tech", "SCRIBE": "scribe"}
NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def p(line: str, tz=UTC) -> Note | Command:
    return parse(line, prefixes=PREFIXES, tz=tz, now=NOW)


def test_plain_text_is_a_note_kept_exactly() -> None:
    assert p("  db primary  down ") == Note("  db primary  down ")


@pytest.mark.parametrize(
    ("line", "role"),
    [("IC: roll back", "ic"), ("COMMS: posted", "comms"), ("ENG: roll back", "tech")],
)
def test_role_prefix_sets_the_role(line: str, role: str) -> None:
    note = p(line)
    assert isinstance(note, Note)
    assert note.role == role
    assert note.text == line.split(": ", 1)[1]


def test_prefix_is_case_insensitive_and_only_for_roles() -> None:
    assert p("scribe: noted") == Note("noted", "scribe")
    assert p("Note: the cache") == Note("Note: the cache")
    assert p("http://x") == Note("http://x")


def test_backdating_reads_hhmm_in_the_users_zone() -> None:
    note = p("@14:02 ENG: failover started")
    assert note == Note("failover started", "tech", datetime(2026, 3, 2, 14, 2, tzinfo=UTC))
    paris = p("@15:02 hi", tz=ZoneInfo("Europe/Paris"))
    assert isinstance(paris, Note)
    assert paris.at == datetime(2026, 3, 2, 14, 2, tzinfo=UTC)


def test_backdating_a_later_time_means_yesterday() -> None:
    note = p("@23:50 late")
    assert isinstance(note, Note)
    assert note.at == datetime(2026, 3, 1, 23, 50, tzinfo=UTC)


def test_an_at_mention_is_not_a_time() -> None:
    assert p("@alice please look") == Note("@alice please look")


def test_bad_time_is_refused() -> None:
    with pytest.raises(BadInput, match="not a time of day"):
        p("@25:61 x")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/ack", Command("ack")),
        ("/sev 2", Command("sev", "2")),
        ("/severity SEV1", Command("sev", "1")),
        ("/assign ic Alice Smith", Command("assign", "Alice Smith", role="ic")),
        ("/assign eng bob", Command("assign", "bob", role="tech")),
        ("/mitigated", Command("mitigated")),
        ("/resolve", Command("resolved")),
        ("/action add [bold] alerting", Command("action", "add [bold] alerting")),
        ("/status all  clear", Command("status", "all  clear")),
        ("/phase mitigate", Command("phase", "mitigate")),
        ("/decision roll back", Note("roll back", kind="decision")),
        ("//var/log is full", Note("/var/log is full")),
    ],
)
def test_slash_commands(line: str, expected: Note | Command) -> None:
    assert p(line) == expected


def test_backdated_command() -> None:
    assert p("@14:00 /ack") == Command("ack", at=datetime(2026, 3, 2, 14, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "empty"),
        ("/frobnicate", "unknown command /frobnicate"),
        ("/sev 9", "bad severity"),
        ("/sev", "needs N"),
        ("/assign ic", "a role and a name"),
        ("/assign boss x", "unknown role"),
        ("/ack please", "takes no argument"),
        ("IC:   ", "nothing to record"),
        ("@14:02", "nothing to record"),
    ],
)
def test_mistakes_are_explained(line: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        p(line)


def test_completion() -> None:
    c = {"prefixes": PREFIXES, "phases": ["declare", "mitigate"], "people": ["alice", "Bob"]}
    assert complete("/as", **c) == "/assign "
    assert complete("/assign t", **c) == "/assign tech "
    assert complete("/assign ic b", **c) == "/assign ic bob"
    assert complete("/phase mi", **c) == "/phase mitigate"
    assert complete("@14:02 /res", **c) == "@14:02 /resolved"
    assert complete("SCR", **c) == "SCRIBE: "
    assert complete("hello", **c) is None
    assert complete("/zz", **c) is None


def test_help_lists_every_command() -> None:
    text = "\n".join(help_lines())
    for name in ("/ack", "/sev", "/assign", "/mitigated", "/resolved", "/action", "/status"):
        assert name in text


def test_history_walks_back_and_restores_the_draft() -> None:
    h = History()
    h.add("one")
    h.add("two")
    assert h.previous("draft") == "two"
    assert h.previous("two") == "one"
    assert h.previous("one") is None
    assert h.next() == "two"
    assert h.next() == "draft"
    assert h.next() is None


# --- properties ----------------------------------------------------------------------

TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from("[]/@:\x1b\x00\r")
)


@given(TEXT)
def test_any_line_parses_or_is_refused_with_bad_input(line: str) -> None:
    with contextlib.suppress(BadInput):
        p(line)


@given(TEXT.filter(lambda t: t.strip() and not t.lstrip(" \t").startswith(("/", "@"))))
def test_text_after_a_role_prefix_is_stored_exactly(text: str) -> None:
    body = text.lstrip(" \t")
    result = p("ENG: " + text)
    if any(body.upper().startswith(k + ":") for k in PREFIXES):
        return  # a second prefix; covered elsewhere
    assert result == Note(body, "tech")


@given(TEXT.filter(lambda t: t.strip()))
def test_a_note_without_head_tokens_is_the_line_itself(line: str) -> None:
    try:
        result = p(line)
    except BadInput:
        return
    if isinstance(result, Note) and result.role is None and result.at is None:
        assert result.text in (line, line.lstrip(" \t")[1:])  # '//x' records '/x'
