"""Taking command: once there is an IC, only the IC hands over; anyone else takes
command only explicitly (``--take``, ``warroom take``, ``/take``), recorded as a
takeover; the policy's ``ic_handover`` can lift the rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli_helpers import Warroom
from tests.data import POLICIES_DIR
from warroom.errors import BadInput
from warroom.incident.commands import Commands
from warroom.incident.queries import load_view
from warroom.incident.scribe import parse
from warroom.incident.verbs import Command, perform


@pytest.fixture
def wr(tmp_path: Path) -> Warroom:
    w = Warroom(tmp_path / "w.db")
    assert w("declare", "--sev", "1", "--title", "Checkout down", "--ic", "alice").exit_code == 0
    return w


def test_assigning_ic_over_the_ic_is_refused_and_says_how_to_take_command(wr: Warroom) -> None:
    r = wr("assign", "INC-1", "ic", "carol", actor="carol")
    assert r.exit_code == 2, r.output
    assert "alice is the incident commander of INC-1" in r.stderr
    assert "--take" in r.stderr and "Traceback" not in r.output
    shown = wr.json("show", "INC-1")
    assert shown["roles"]["ic"] == "alice"
    # and carol still may not change the severity
    assert wr("severity", "INC-1", "2", actor="carol").exit_code == 3
    # nor give the role to a third person
    assert wr("assign", "INC-1", "ic", "dave", actor="carol").exit_code == 2
    assert wr.json("show", "INC-1")["roles"]["ic"] == "alice"


@pytest.mark.parametrize(
    "args",
    [("assign", "INC-1", "ic", "carol", "--take"), ("take", "INC-1")],
    ids=["assign --take", "take"],
)
def test_an_explicit_take_is_recorded_as_a_takeover(wr: Warroom, args: tuple[str, ...]) -> None:
    r = wr(*args, actor="carol")
    assert r.exit_code == 0, r.output
    shown = wr.json("show", "INC-1")
    assert shown["roles"]["ic"] == "carol"
    last = shown["timeline"][-1]
    assert last["kind"] == "assign" and last["author"] == "carol"
    assert last["text"] == "IC: alice -> carol (carol took command from alice)"
    # carol is the IC now: the IC's rights moved with the role
    assert wr("severity", "INC-1", "2", actor="carol").exit_code == 0
    assert wr("severity", "INC-1", "1", actor="alice").exit_code == 3


def test_take_is_only_for_yourself(wr: Warroom) -> None:
    r = wr("assign", "INC-1", "ic", "dave", "--take", actor="carol")
    assert r.exit_code == 2 and "taking command yourself" in r.stderr
    r = wr("assign", "INC-1", "tech", "carol", "--take", actor="carol")
    assert r.exit_code == 2
    assert wr.json("show", "INC-1")["roles"]["ic"] == "alice"


def test_the_ic_hands_over_and_a_first_ic_needs_no_take(wr: Warroom) -> None:
    assert wr("assign", "INC-1", "ic", "bob", actor="alice").exit_code == 0
    assert wr.json("show", "INC-1")["timeline"][-1]["text"] == "IC: alice -> bob (handoff)"
    assert wr("declare", "--sev", "2", "--title", "no IC yet").exit_code == 0
    assert wr("assign", "INC-2", "ic", "carol", actor="carol").exit_code == 0
    assert wr("take", "INC-2", actor="carol").exit_code == 2  # already hers


def test_the_policy_can_let_anyone_assign_the_ic(tmp_path: Path) -> None:
    pol = tmp_path / "policies"
    shutil.copytree(POLICIES_DIR, pol)
    f = pol / "warroom.yaml"
    f.write_text(f.read_text().replace("ic_handover: current_ic", "ic_handover: anyone"))
    wr = Warroom(tmp_path / "w.db", policies=pol)
    assert wr("declare", "--sev", "1", "--title", "x", "--ic", "alice").exit_code == 0
    assert wr("assign", "INC-1", "ic", "carol", actor="carol").exit_code == 0
    assert wr.json("show", "INC-1")["roles"]["ic"] == "carol"


async def test_the_scribe_line_refuses_assign_and_takes_with_slash_take(
    commands: Commands,
) -> None:
    await commands.declare("Checkout down", 1, ic="alice")
    carol = Commands(commands.store, commands.policies, "carol", commands.tz)
    now = commands.now()
    prefixes = commands.policies.warroom.rules.message_prefixes

    def line(text: str) -> Command:
        parsed = parse(text, prefixes=prefixes, tz=commands.tz, now=now)
        assert isinstance(parsed, Command)
        return parsed

    with pytest.raises(BadInput, match="/take"):
        await perform(carol, "INC-1", line("/assign ic carol"))
    outcome = await perform(carol, "INC-1", line("/take"))
    assert "carol is now the IC of INC-1" in outcome.message
    view = await load_view(commands.store, "INC-1")
    assert view.roles["ic"].person == "carol"
    assert view.timeline[-1].text == "IC: alice -> carol (carol took command from alice)"
