"""Tab in the scribe line: completes the command, role prefix, role, person, phase,
audience or stage being typed; several candidates are completed as far as they agree
and listed under the line; a line with text keeps the focus; Right still takes the grey
suggestion; the help says so."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from screens.app import WarroomApp
from screens.help import HelpScreen
from tests.console_helpers import ConsoleFactory, open_room, paste, settle
from tests.data import seed_sev1
from warroom.clock import ManualClock
from warroom.incident.scribe import candidates, complete, tab_complete
from warroom.policy import Policies, load_policies
from widgets.scribe_input import ScribeInput

PREFIXES = {"IC": "ic", "COMMS": "comms", "ENG": "tech", "SCRIBE": "scribe"}
WORDS = {
    "prefixes": PREFIXES,
    "people": ["alice", "alan", "bob"],
    "phases": ["triage", "mitigate", "monitor"],
    "audiences": ["internal", "customers"],
    "stages": ["investigating", "identified"],
}


# --- the grammar, without the UI -----------------------------------------------------


def test_one_candidate_is_completed_whole_with_what_follows_it() -> None:
    assert tab_complete("/as", **WORDS).line == "/assign "
    assert tab_complete("/assign t", **WORDS).line == "/assign tech "
    assert tab_complete("/assign ic b", **WORDS).line == "/assign ic bob"
    assert tab_complete("CO", **WORDS).line == "COMMS: "
    assert tab_complete("@14:02 SC", **WORDS).line == "@14:02 SCRIBE: "
    assert tab_complete("IC: /mit", **WORDS).line == "IC: /mitigated"  # takes no argument
    assert tab_complete("/status cu", **WORDS).line == "/status customers "
    assert tab_complete("/status customers ide", **WORDS).line == ("/status customers identified ")
    assert tab_complete("/ASS", **WORDS).line == "/assign "  # the command as it is spelled


def test_several_candidates_complete_their_common_part_and_are_listed() -> None:
    found = tab_complete("/assign ic a", **WORDS)
    assert found.line == "/assign ic al"
    assert found.candidates == ["alice", "alan"]
    again = tab_complete("/assign ic al", **WORDS)  # nothing more in common: only the list
    assert (again.line, again.candidates) == ("/assign ic al", ["alice", "alan"])
    assert tab_complete("/phase m", **WORDS).candidates == ["mitigate", "monitor"]
    assert {"/ack", "/assign", "/action"} <= set(candidates("/a", **WORDS))


def test_nothing_to_complete_leaves_the_line_as_it_is() -> None:
    for line in ("the database is slow", "hello", "/zz", "//as", "/assign ic zed", "DB"):
        found = tab_complete(line, **WORDS)
        assert (found.line, found.candidates) == (line, []), line


def test_the_grey_suggestion_still_only_adds_text() -> None:
    assert complete("/as", **WORDS) == "/assign "
    assert complete("/assign ic a", **WORDS) == "/assign ic alice"
    assert complete("CO", **WORDS) == "COMMS: "
    assert complete("hello", **WORDS) is None


# --- in the console --------------------------------------------------------------------


def roster_with_alan(pol_dir: Path) -> Policies:
    """The demo roster plus alan, so that "al" is alice or alan."""
    roster = pol_dir / "roster.yaml"
    text = roster.read_text()
    alan = (
        "  - name: alan\n"
        '    handle: "@alan"\n'
        "    team: platform\n"
        "    tz: Europe/London\n"
        "    contacts:\n"
        '      push: "json://pager.example.com/push/alan"\n'
    )
    roster.write_text(text.replace("people:\n", "people:\n" + alan, 1))
    return load_policies(pol_dir)


def status_text(scribe: ScribeInput) -> str:
    return str(scribe.query_one("#scribe-status").render())


async def typed(app: WarroomApp, pilot: Pilot, text: str) -> ScribeInput:
    scribe = app.screen.query_one(ScribeInput)
    scribe.entry.focus()
    await paste(pilot, text)
    return scribe


async def test_tab_completes_the_command_in_the_war_room(room) -> None:
    app, pilot, _ = room
    scribe = await typed(app, pilot, "/as")
    await pilot.press("tab")
    assert scribe.value == "/assign "
    assert app.focused is scribe.entry


async def test_tab_lists_several_people_and_completes_what_they_share(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, pol_dir: Path
) -> None:
    policies = roster_with_alan(pol_dir)
    iid = await seed_sev1(db_path, clock, policies)
    async with console(policies=policies, size=(80, 24)) as (app, pilot):
        await open_room(app, pilot, iid)
        scribe = await typed(app, pilot, "/assign ic a")
        await pilot.press("tab")
        await pilot.pause()
        assert scribe.value == "/assign ic al"
        listed = status_text(scribe)
        assert "alice" in listed and "alan" in listed
        await pilot.press("i", "tab")  # one letter more: one candidate
        await pilot.pause()
        assert scribe.value == "/assign ic alice"
        assert "alan" not in status_text(scribe)  # the list goes with the choice


async def test_tab_on_a_role_prefix(room) -> None:
    app, pilot, _ = room
    scribe = await typed(app, pilot, "CO")
    await pilot.press("tab")
    assert scribe.value == "COMMS: "


async def test_tab_on_plain_text_keeps_the_focus_and_changes_nothing(room) -> None:
    app, pilot, _ = room
    scribe = await typed(app, pilot, "database is slow")
    before = status_text(scribe)
    await pilot.press("tab")
    await settle(app, pilot)
    assert app.focused is scribe.entry
    assert scribe.value == "database is slow"
    assert scribe.entry.cursor_position == len("database is slow")
    assert status_text(scribe) == before


async def test_tab_in_a_burst_completes_the_word_before_it(room) -> None:
    """Keys of one burst: the Tab completes what was typed before it, not after."""
    app, pilot, _ = room
    scribe = await typed(app, pilot, "")
    await pilot.press("/", "a", "s", "tab", "i", "c")
    assert scribe.value == "/assign ic"


async def test_tab_in_an_empty_line_moves_on_and_shift_tab_leaves(room) -> None:
    app, pilot, _ = room
    scribe = await typed(app, pilot, "")
    await pilot.press("tab")
    assert app.focused is not scribe.entry
    await typed(app, pilot, "some text")
    await pilot.press("shift+tab")
    assert app.focused is not scribe.entry
    assert scribe.value == "some text"


async def test_right_still_takes_the_grey_suggestion(room) -> None:
    app, pilot, _ = room
    scribe = await typed(app, pilot, "/as")
    await settle(app, pilot)  # the suggestion is computed in the background
    await pilot.press("right")
    assert scribe.value == "/assign "


async def test_help_says_tab_completes(room) -> None:
    app, pilot, _ = room
    scribe = await typed(app, pilot, "/help")
    await pilot.press("enter")
    await settle(app, pilot)
    assert "Tab completes" in status_text(scribe)
    assert isinstance(app.screen, HelpScreen)
    table = app.screen.query_one("#help-keys")
    rows = [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]  # type: ignore[attr-defined]
    assert any(r.startswith("tab ") and "Complete" in r for r in rows)
    assert any(r.startswith("right ") and "grey" in r for r in rows)
    assert any(r.startswith("/assign") for r in rows)  # the scribe's commands too
    await pilot.press("escape")
    await settle(app, pilot)
    assert app.focused is scribe.entry
