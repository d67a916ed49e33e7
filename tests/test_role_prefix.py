"""One ``ROLE:`` prefix grammar (warroom/incident/prefix.py) for ``warroom log`` and the
console's scribe line: every case of one table goes through both, and both store the
same role and text (or refuse with the same message)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import pytest

from tests.cli_helpers import Warroom
from warroom.clock import SystemClock
from warroom.errors import BadInput
from warroom.incident.commands import Commands
from warroom.incident.prefix import split_role_prefix
from warroom.incident.scribe import parse
from warroom.incident.verbs import perform
from warroom.policy import Policies
from warroom.store import Store


@dataclass(frozen=True)
class Case:
    line: str  # what the scribe types, and (unless ``cli``) the text given to warroom log
    role: str | None  # the stored role label; None: no role
    text: str | None  # the stored text; None: refused, nothing stored
    cli: tuple[str, ...] = ()  # warroom log's arguments after REF, when not just the line
    at: str | None = None  # the stored time of day (a backdated entry)


CASES = [
    Case("IC: x", "IC", "x"),
    Case("ic: x", "IC", "x"),
    Case("IC:x", "IC", "x"),
    Case("IC : x", None, "IC : x"),  # a space before the colon: not a prefix
    Case("ic:  two spaces", "IC", "two spaces"),
    Case("Eng:\ttab", "ENG", "tab"),
    Case("comms: \t mixed run", "COMMS", "mixed run"),
    Case("SCRIBE: kept  exactly \t", "SCRIBE", "kept  exactly \t"),
    Case("COMMS:", None, None),
    Case("IC:   ", None, None),
    Case("NOTAROLE: x", None, "NOTAROLE: x"),
    Case(" IC: leading space", None, " IC: leading space"),
    Case("IC: ENG: nested", "IC", "ENG: nested"),
    Case("http://x", None, "http://x"),
    Case("Note: the cache", None, "Note: the cache"),
    Case("@14:02 IC: backdated", "IC", "backdated", cli=("IC: backdated", "--at", "14:02"),
         at="14:02:00"),
]  # fmt: skip


@dataclass(frozen=True)
class Stored:
    role: str | None
    text: str | None
    at: str | None = None  # time of day, when backdated
    refusal: str | None = None


def _stored(entry: dict[str, str]) -> Stored:
    backdated = entry["at"] < entry["recorded_at"]
    return Stored(entry["role"], entry["text"], entry["at"][11:19] if backdated else None)


def _last_entry(wr: Warroom) -> dict[str, str]:
    r = wr("show", "INC-1", "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["timeline"][-1]


def _via_cli(wr: Warroom, case: Case) -> Stored:
    before = _last_entry(wr)
    r = wr("log", "INC-1", *(case.cli or (case.line,)))
    if r.exit_code != 0:
        assert r.exit_code == 2, r.output
        assert _last_entry(wr) == before  # nothing was stored
        return Stored(None, None, refusal=r.stderr.strip().removeprefix("warroom: "))
    return _stored(_last_entry(wr))


def _via_console(wr: Warroom, policies: Policies, case: Case) -> Stored:
    async def go() -> str | None:
        clock = SystemClock()
        async with await Store.open(wr.db, clock) as store:
            prefixes = policies.warroom.rules.message_prefixes
            try:
                parsed = parse(case.line, prefixes=prefixes, tz=UTC, now=clock.now())
            except BadInput as err:
                return err.message
            await perform(Commands(store, policies, "alice", UTC), "INC-1", parsed)
            return None

    before = _last_entry(wr)
    refusal = asyncio.run(go())
    if refusal is not None:
        assert _last_entry(wr) == before
        return Stored(None, None, refusal=refusal)
    return _stored(_last_entry(wr))


@pytest.fixture
def wr(tmp_path: Path) -> Warroom:
    w = Warroom(tmp_path / "w.db")
    # No --ic: alice holds no role, so an entry without a prefix has no role.
    assert w("declare", "--sev", "3", "--title", "Prefixes").exit_code == 0
    return w


@pytest.mark.parametrize("case", CASES, ids=[repr(c.line) for c in CASES])
def test_cli_and_console_store_the_same_role_and_text(
    wr: Warroom, policies: Policies, case: Case
) -> None:
    cli = _via_cli(wr, case)
    console = _via_console(wr, policies, case)
    assert (cli.role, cli.text, cli.at) == (case.role, case.text, case.at)
    assert console == cli
    if case.text is None:
        assert cli.refusal is not None and "nothing to record after" in cli.refusal


def test_role_option_stores_the_text_unparsed(wr: Warroom) -> None:
    assert wr("log", "INC-1", "IC: as typed", "--role", "comms").exit_code == 0
    entry = _last_entry(wr)
    assert (entry["role"], entry["text"]) == ("COMMS", "IC: as typed")


@pytest.mark.parametrize("case", [c for c in CASES if not c.cli], ids=repr)
def test_the_grammar_alone(policies: Policies, case: Case) -> None:
    prefixes = policies.warroom.rules.message_prefixes
    if case.text is None:
        with pytest.raises(BadInput, match="nothing to record after"):
            split_role_prefix(case.line, prefixes)
        return
    role, text = split_role_prefix(case.line, prefixes)
    labels: dict[str, str] = {v: k for k, v in prefixes.items()}
    assert (labels.get(role) if role else None, text) == (case.role, case.text)
