"""Checklists that tick themselves: a line the policy binds to an event (``auto:``) is
ticked by that event, ``auto`` and the time of its proof; the rest stay manual. Moving
on to a later phase records what was left open; resolving over open lines asks once
(the console: press again; the CLI: exit 2 naming them unless --force)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.cli_helpers import Warroom
from tests.console_helpers import ConsoleFactory, open_room, settle
from tests.data import T0, commands_on
from warroom.clock import ManualClock
from warroom.errors import PolicyError
from warroom.escalation import EscalationLoop
from warroom.incident.commands import Commands
from warroom.incident.queries import load_view
from warroom.incident.verbs import Command, perform
from warroom.models import ChecklistItem
from warroom.notify import DrillSender
from warroom.policy import Policies, load_policies
from warroom.policy.roster import load_roster
from widgets.scribe_input import ScribeInput


async def lines(c: Commands, ref: str = "INC-1") -> dict[str, ChecklistItem]:
    return {i.text: i for i in (await load_view(c.store, ref)).checklist}


async def test_declaring_ticks_what_the_declaration_proves(
    commands: Commands, clock: ManualClock
) -> None:
    await commands.declare("Checkout down", 1, ic="alice")  # SEV1: the war room opens
    got = await lines(commands)
    for text in (
        "Declare the incident with a severity",
        "Open the war-room channel and bridge",
        "Assign the incident commander",
    ):
        assert got[text].done and got[text].done_by == "auto" and got[text].done_at == T0
    assert not got["Page the on-call engineer"].done  # nobody was paged yet
    assert not got["Confirm customer impact and scope"].done  # manual lines stay manual
    entries = (await load_view(commands.store, "INC-1")).timeline
    assert [e.kind for e in entries] == ["declared", "decision", "assign"]  # no extra rows


async def test_each_event_ticks_its_line_at_the_time_of_its_proof(
    commands: Commands, clock: ManualClock
) -> None:
    inc = await commands.declare("Invoice export delayed", 3)  # no IC, no war room
    ref = inc.ref or ""
    got = await lines(commands, ref)
    assert not got["Assign the incident commander"].done
    clock.advance(minutes=4)
    await commands.assign(ref, "ic", "erin")
    got = await lines(commands, ref)
    assert got["Assign the incident commander"].done_at == T0 + timedelta(minutes=4)
    assert not got["Open the war-room channel and bridge"].done  # a SEV3 has none
    clock.advance(minutes=1)
    await commands.ack(ref)
    for role, who in (("tech", "bob"), ("comms", "carol"), ("scribe", "dave")):
        await perform(
            Commands(commands.store, commands.policies, "erin"),
            ref,
            Command("assign", who, role=role),
        )
    clock.advance(minutes=2)
    await commands.record_status(
        ref, "Exports are late; finance informed.", at=T0 + timedelta(minutes=6)
    )
    got = await lines(commands, ref)
    assert got["Assign technical lead, communications lead and scribe"].done_by == "auto"
    first = got["Send the first status update"]
    assert first.done and first.done_at == T0 + timedelta(minutes=6)  # the update's own time


async def test_moving_on_records_what_the_phase_left_open(
    commands: Commands, clock: ManualClock
) -> None:
    inc = await commands.declare("Invoice export delayed", 3, ic="alice")
    clock.advance(minutes=3)
    outcome = await perform(commands, inc.ref or "", Command("ack"))
    left = "Declare: Open the war-room channel and bridge, Page the on-call engineer"
    assert outcome.message == f"INC-1 acknowledged. Left open: {left}."  # the console's line
    last = (await load_view(commands.store, "INC-1")).timeline[-1]
    assert last.kind == "checklist" and last.text == f"Left open: {left}"
    outcome = await perform(commands, "INC-1", Command("phase", "mitigate"))
    assert "Left open: Assess: Confirm customer impact and scope" in outcome.message


async def test_action_items_tick_recorded_and_owned_and_an_unowned_one_unticks(
    commands: Commands, clock: ManualClock
) -> None:
    inc = await commands.declare("Checkout down", 1, ic="alice")
    ref = inc.ref or ""
    await commands.resolve(ref)
    item = await commands.add_action(ref, "Alert on p99 latency")
    got = await lines(commands, ref)
    assert got["Record follow-up action items"].done_by == "auto"
    assert not got["Assign an owner to every action item"].done
    clock.advance(minutes=5)
    await commands.update_action(item.id or 0, owner="bob")
    owned = (await lines(commands, ref))["Assign an owner to every action item"]
    assert owned.done and owned.done_at == T0 + timedelta(minutes=5)
    await commands.add_action(ref, "Runbook for the rollback")  # nobody owns this one
    assert not (await lines(commands, ref))["Assign an owner to every action item"].done
    await commands.save_sections(ref, {"impact": "EU checkout failed."})
    assert (await lines(commands, ref))["Start the post-mortem draft"].done_by == "auto"


async def test_a_page_that_reached_someone_ticks_the_page_line(
    pol_dir: Path, db_path: Path, clock: ManualClock
) -> None:
    policies = load_policies(pol_dir)
    roster = load_roster(pol_dir)
    async with commands_on(db_path, clock, policies) as c:
        await c.declare("Checkout down", 1, ic="alice")
        clock.advance(seconds=5)
        loop = EscalationLoop(c.store, policies, roster, clock, sender=DrillSender())
        await loop.tick()
        await loop.drain()
        clock.advance(minutes=2)
        await c.ack("INC-1")
        page = (await lines(c))["Page the on-call engineer"]
        assert page.done and page.done_by == "auto" and page.done_at == T0 + timedelta(seconds=5)
        assert not any(
            e.text.startswith("Left open") for e in (await load_view(c.store, "INC-1")).timeline
        )


def test_resolving_from_the_cli_names_the_open_lines_unless_forced(tmp_path: Path) -> None:
    wr = Warroom(tmp_path / "w.db")
    assert wr("declare", "--sev", "2", "--title", "Search slow", "--ic", "alice").exit_code == 0
    r = wr("resolve", "INC-1")
    assert r.exit_code == 2
    assert "Confirm metrics are back to normal" in r.output and "--force" in r.output
    assert wr.json("show", "INC-1")["status"] == "open"  # nothing changed
    assert wr("checklist", "INC-1", "Confirm metrics").exit_code == 0
    r = wr("resolve", "INC-1", "--force")
    assert r.exit_code == 0, r.output
    shown = wr.json("show", "INC-1")
    assert shown["status"] == "resolved"
    left = [e["text"] for e in shown["timeline"] if e["text"].startswith("Left open")]
    assert left and "Send the all-clear status update" in left[-1]


async def test_the_console_names_the_open_lines_on_the_first_resolve_key(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    async with commands_on(db_path, clock, policies, actor="tester") as c:
        await c.declare("Checkout down", 1, ic="tester")
        await c.mitigate("INC-1")
    async with console() as (app, pilot):
        room = await open_room(app, pilot, 1)
        await pilot.press("f4")
        await settle(app, pilot)
        said = str(room.query_one(ScribeInput).query_one("#scribe-status").render())
        assert "again" in said and "Confirm metrics are back to normal" in said
        await pilot.press("f4")
        await settle(app, pilot)
        view = await load_view(app.store, "INC-1")
        assert view.incident.status == "resolved"
        assert "Left open: Resolve: Confirm metrics" in view.timeline[-1].text


def test_a_bad_auto_event_is_named_with_its_file_and_key(
    tmp_path: Path, policies_dir: Path
) -> None:
    import shutil

    folder = tmp_path / "p"
    shutil.copytree(policies_dir, folder)
    path = folder / "warroom.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("auto: declared", "auto: declaired"), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"warroom.yaml: at workflow.phases.0.checklist.0.*auto"):
        load_policies(folder)
    path.write_text(
        text.replace("- Confirm or adjust the severity", "- Confirm customer impact and scope"),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match="written twice"):
        load_policies(folder)
