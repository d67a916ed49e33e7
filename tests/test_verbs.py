"""The verb registry: one entry per verb, read by the scribe line, run by perform(), and
the one event format of the demo and the drills."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from pydantic import ValidationError

from tests.data import T0
from warroom.clock import ManualClock
from warroom.drills.events import Event, run_event
from warroom.errors import BadInput
from warroom.incident.commands import Commands
from warroom.incident.scribe import ALIASES, COMMANDS, NO_ARGUMENT, help_lines, parse
from warroom.incident.verbs import VERBS, Command, Note, lookup, perform

PREFIXES = {"IC": "ic", "COMMS": "comms", "ENG": "tech", "SCRIBE": "scribe"}


def test_the_scribe_commands_are_the_registrys() -> None:
    scribe_verbs = {n for n, v in VERBS.items() if v.scribe}
    assert set(COMMANDS) == scribe_verbs | {"help"}
    assert {"close", "ack", "sev", "assign", "action", "status", "decision"} <= scribe_verbs
    assert "close" in NO_ARGUMENT and ALIASES["severity"] == "sev"
    assert any(line.startswith("/close") for line in help_lines())
    assert lookup("Resolve") is VERBS["resolved"] and lookup("log") is VERBS["note"]


async def test_close_is_one_registry_entry_away(commands: Commands, clock: ManualClock) -> None:
    inc = await commands.declare("db down", 3, ic="alice")
    ref = inc.ref or ""
    for line in ("/ack", "/resolved", "/close"):
        clock.advance(timedelta(minutes=5))
        outcome = await perform(
            commands, ref, parse(line, prefixes=PREFIXES, tz=UTC, now=clock.now())
        )
    assert outcome.message == f"{ref} closed."
    assert outcome.result.closed_at == T0 + timedelta(minutes=15)


async def test_outcomes_say_what_happened(commands: Commands, clock: ManualClock) -> None:
    ref = (await commands.declare("db down", 3, ic="alice")).ref or ""
    acked = (await perform(commands, ref, Command("ack"))).message
    assert acked.startswith(f"{ref} acknowledged. Left open: Declare: ")  # what it left open
    assert (await perform(commands, ref, Command("sev", "2"))).message == f"{ref} is now SEV2."
    saved = await perform(commands, ref, Note("x", at=T0 - timedelta(minutes=1)))
    assert saved.message == f"Saved #{saved.result.seq} at 08:59:00 (backdated)"
    added = await perform(commands, ref, Command("action", "add a canary"))
    assert (
        added.message
        == f"Action item AI-{added.result.id} added: P2, preventive, no owner yet, due 2026-04-01."
    )


async def test_an_action_item_cannot_be_backdated_anywhere(commands: Commands) -> None:
    ref = (await commands.declare("db down", 3)).ref or ""
    with pytest.raises(BadInput, match="an action item cannot be backdated; type /action TEXT"):
        await perform(commands, ref, Command("action", "x", at=T0))


async def test_unknown_verb(commands: Commands) -> None:
    with pytest.raises(BadInput, match="unknown verb 'frob'"):
        await perform(commands, "INC-1", Command("frob"))


def test_an_event_takes_only_the_fields_of_its_verb() -> None:
    ok = Event.model_validate(
        {"at_min": 3, "as": "alice", "do": "assign", "role": "tech", "person": "bob"}
    )
    assert ok.call(T0) == Command("assign", "bob", role="tech")
    for bad, message in [
        ({"at_min": 1, "do": "frob"}, "unknown verb 'frob'"),
        ({"at_min": 1, "do": "ack", "text": "x"}, "ack does not take text"),
        ({"at_min": 1, "do": "log"}, "log needs text"),
        ({"at_min": 1, "do": "severity", "to": 9}, "bad severity 9"),
        ({"at_min": 1, "do": "action", "text": "x", "when_min": 0}, "does not take when_min"),
        ({"at_min": 1, "do": "ack", "by": "bob"}, "Extra inputs are not permitted"),
    ]:
        with pytest.raises(ValidationError, match=message):
            Event.model_validate(bad)


async def test_events_run_through_the_registry(commands: Commands, clock: ManualClock) -> None:
    inc = await commands.declare("db down", 2, ic="alice")
    ref, start = inc.ref or "", inc.declared_at
    clock.advance(timedelta(minutes=5))
    backdated = Event.model_validate(
        {"at_min": 5, "do": "log", "role": "ENG", "when_min": 2, "text": "seen at 2"}
    )
    entry = (await run_event(commands, ref, backdated, start)).result
    assert (entry.at, entry.role, entry.text) == (start + timedelta(minutes=2), "ENG", "seen at 2")
    tick = Event.model_validate({"at_min": 5, "do": "checklist", "item": "Confirm or adjust"})
    assert (await run_event(commands, ref, tick, start)).message.startswith("Done: Confirm or")
    assert (await run_event(commands, ref, tick, start)).message.startswith("Already done")
    sev = Event.model_validate({"at_min": 5, "do": "severity", "to": 1})
    assert (await run_event(commands, ref, sev, start)).result.severity == 1
