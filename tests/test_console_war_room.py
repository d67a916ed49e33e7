"""The war-room screen, driven from the keyboard with Pilot; every effect checked in the DB."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from textual.pilot import Pilot

from screens.app import make_app
from screens.war_room import WarRoomScreen
from tests.console_helpers import open_room, paste, settle, type_line
from tests.data import ACTOR, NASTY, T0, commands_on, seed_sev1, sqlite_url
from warroom.clock import ManualClock
from warroom.incident.queries import load_view
from warroom.models import ChecklistItem
from warroom.policy import Policies
from warroom.store import Store
from widgets.checklist import Checklist
from widgets.escalation_pane import EscalationPane
from widgets.scribe_input import ScribeInput
from widgets.timeline_view import TimelineView


async def view(db: Path, clock: ManualClock, incident_id: int):  # type: ignore[no-untyped-def]
    async with await Store.open(db, clock) as store:
        return await load_view(store, str(incident_id))


async def enter_line(app, pilot: Pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """``type_line``, but a text with a line break is put in the input whole (a paste of
    it would be one entry a line: tests/test_scribe_queue.py)."""
    if "\n" not in text and "\r" not in text:
        await type_line(app, pilot, text)
        return
    scribe = app.screen.query_one(ScribeInput)
    scribe.entry.focus()
    scribe.value = text
    await pilot.press("enter")
    await settle(app, pilot)


# ``room`` (conftest): the console in the war room of tests.data.seed_sev1's SEV1.


# --- typing the timeline -------------------------------------------------------------


async def test_typed_entry_with_role_prefix_is_saved_then_cleared(room, db_path, clock) -> None:
    app, pilot, iid = room
    scribe = app.screen.query_one(ScribeInput)
    scribe.entry.focus()
    await paste(pilot, "ENG: failover started")
    await pilot.press("enter")
    await settle(app, pilot)
    last = (await view(db_path, clock, iid)).timeline[-1]
    assert (last.text, last.role, last.author, last.kind) == (
        "failover started",
        "ENG",
        ACTOR,
        "note",
    )
    assert scribe.value == ""
    assert "Saved" in str(scribe.query_one("#scribe-status").render())
    assert app.screen.query_one(TimelineView).rows[-1][6] == "failover started"


async def test_backdated_entry_keeps_both_times(room, db_path, clock) -> None:
    app, pilot, iid = room
    await type_line(app, pilot, "@09:04 IC: paged the DBA")
    last = (await view(db_path, clock, iid)).timeline[-1]
    assert last.text == "paged the DBA"
    assert last.role == "IC"
    assert last.at == T0 + timedelta(minutes=4)
    assert last.recorded_at == clock.now()


async def test_slash_commands_go_through_the_command_layer(room, db_path, clock) -> None:
    app, pilot, iid = room
    for line in (
        "/ack",
        "/sev 2",
        "/assign tech bob",
        "/status Rollback in progress, next update 09:40",
        "/action Add an alert on checkout 5xx",
        "/phase mitigate",
        "/decision Freeze deploys",
        "/mitigated",
    ):
        await type_line(app, pilot, line)
        assert app.screen.query_one(ScribeInput).value == "", line
    v = await view(db_path, clock, iid)
    inc = v.incident
    assert inc.acknowledged_by == ACTOR
    assert inc.severity == 2
    assert v.roles["tech"].person == "bob"
    assert v.status_updates[-1].text == "Rollback in progress, next update 09:40"
    assert [a.title for a in v.actions] == ["Add an alert on checkout 5xx"]
    assert inc.mitigated_at == clock.now()
    kinds = [e.kind for e in v.timeline]
    assert {"ack", "severity", "assign", "status", "action", "phase", "decision"} <= set(kinds)
    await type_line(app, pilot, "/resolved")
    assert (await view(db_path, clock, iid)).incident.status == "resolved"


async def test_a_refused_line_stays_in_the_input_with_the_reason(room, db_path, clock) -> None:
    app, pilot, iid = room
    scribe = app.screen.query_one(ScribeInput)
    before = len((await view(db_path, clock, iid)).timeline)
    await type_line(app, pilot, "/sev 9")
    assert scribe.value == "/sev 9"
    assert "Not saved" in str(scribe.query_one("#scribe-status").render())
    scribe.value = ""
    await type_line(app, pilot, "/phase nowhere")
    assert scribe.value == "/phase nowhere"
    assert "unknown phase" in str(scribe.query_one("#scribe-status").render())
    assert len((await view(db_path, clock, iid)).timeline) == before


async def test_not_permitted_is_explained_and_kept(console, db_path, clock, policies) -> None:
    iid = await seed_sev1(db_path, clock, policies, ic="alice")
    async with console(size=(100, 30)) as (app, pilot):
        await open_room(app, pilot, iid)
        await type_line(app, pilot, "/sev 2")
        scribe = app.screen.query_one(ScribeInput)
        assert scribe.value == "/sev 2"
        assert "only the incident commander" in str(scribe.query_one("#scribe-status").render())
    assert (await view(db_path, clock, iid)).incident.severity == 1


async def test_a_crashing_command_shows_an_error_and_the_console_keeps_running(
    room, db_path, clock, monkeypatch
) -> None:
    app, pilot, iid = room

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(app.commands, "log", broken)
    await type_line(app, pilot, "this will not save")
    scribe = app.screen.query_one(ScribeInput)
    assert scribe.value == "this will not save"
    status = str(scribe.query_one("#scribe-status").render())
    assert "Not saved: unexpected error (RuntimeError: disk on fire)" in status
    assert not any("disk on fire" in str(n.message) for n in app._notifications)  # no toast
    monkeypatch.undo()
    await pilot.press("enter")
    await settle(app, pilot)
    assert (await view(db_path, clock, iid)).timeline[-1].text == "this will not save"
    assert app.is_running


async def test_history_and_completion(room) -> None:
    app, pilot, _ = room
    scribe = app.screen.query_one(ScribeInput)
    await type_line(app, pilot, "first entry")
    await pilot.press("up")
    assert scribe.value == "first entry"
    await pilot.press("down")
    assert scribe.value == ""
    await paste(pilot, "/as")
    await settle(app, pilot)
    await pilot.press("right")
    assert scribe.value == "/assign "


async def test_a_line_typed_while_walking_the_history_is_not_lost(room) -> None:
    app, pilot, _ = room
    scribe = app.screen.query_one(ScribeInput)
    for line in ("one", "two"):
        await type_line(app, pilot, line)
    await pilot.press("up")
    assert scribe.value == "two"
    await pilot.press("ctrl+u")  # the recalled line replaced by a new one
    await paste(pilot, "new")
    await pilot.press("up", "down")
    assert scribe.value == "new"


# --- markup and control characters ---------------------------------------------------


@pytest.mark.parametrize("text", NASTY)
async def test_markup_and_control_characters_are_stored_exactly(
    room, db_path, clock, text: str
) -> None:
    app, pilot, iid = room
    await enter_line(app, pilot, text)
    assert app.is_running
    last = (await view(db_path, clock, iid)).timeline[-1]
    assert last.text == text
    timeline = app.screen.query_one(TimelineView)
    shown = "".join(
        seg.text for y in range(timeline.size.height) for seg in timeline.render_line(y)
    )
    assert "\x1b" not in shown and "\x00" not in shown and "\x07" not in shown
    if "\x1b" in text:
        assert "\\x1b" in shown


TYPED = st.lists(
    st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from(["[", "]", "[/]", "[b]", "[@click=app.quit]", "@", "\x1b", "\x00", "\n"])
    | st.sampled_from(["/", "IC:", "@09:01 ", " "]),
    min_size=1,
    max_size=12,
).map("".join)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=st.lists(TYPED, min_size=1, max_size=3))
async def test_property_whatever_is_typed_is_stored_exactly_or_kept(
    policies: Policies, lines: list[str]
) -> None:
    from warroom.errors import BadInput
    from warroom.incident.scribe import Note, parse

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "w.db"
        clock = ManualClock(T0)
        iid = await seed_sev1(db, clock, policies)
        app = make_app(sqlite_url(db), policies, clock, actor=ACTOR)
        expected: list[str] = []
        prefixes = policies.warroom.rules.message_prefixes
        async with app.run_test(size=(80, 24)) as pilot:
            await open_room(app, pilot, iid)
            scribe = app.screen.query_one(ScribeInput)
            for line in lines:
                scribe.value = ""
                await enter_line(app, pilot, line)
                assert app.is_running
                try:
                    parsed = parse(line, prefixes=prefixes, tz=UTC, now=clock.now())
                except BadInput:
                    assert scribe.value == line or not line.strip()
                    continue
                if isinstance(parsed, Note):
                    expected.append(parsed.text)
                    assert scribe.value == ""
        texts = [e.text for e in (await view(db, clock, iid)).timeline]
        for text in expected:
            assert text in texts


# --- roles, checklist, resolve -------------------------------------------------------


async def test_toggle_checklist_from_the_keyboard(room, db_path, clock) -> None:
    app, pilot, iid = room
    await pilot.press("ctrl+l")
    assert isinstance(app.focused, Checklist)
    await pilot.press("down", "down", "down", "space")  # the page line: no event ticked it
    await settle(app, pilot)
    async with await Store.open(db_path, clock) as store, store.read() as s:
        items = list(
            (
                await s.execute(
                    select(ChecklistItem).where(ChecklistItem.incident_id == iid)  # type: ignore[arg-type]
                )
            ).scalars()
        )
    done = [i for i in items if i.done and i.done_by != "auto"]  # the declaration ticks 3
    assert len(done) == 1
    assert done[0].phase == "declare"
    assert done[0].done_by == ACTOR
    last = (await view(db_path, clock, iid)).timeline[-1]
    assert last.kind == "checklist"
    assert last.text == f"Done: {done[0].text}"
    assert "4/4" in str(app.screen.query_one(Checklist).border_title)


async def test_reassign_roles_from_the_keyboard(room, db_path, clock) -> None:
    app, pilot, iid = room
    await pilot.press("ctrl+r")
    await pilot.press("down", "enter")  # COMMS
    await settle(app, pilot)
    await paste(pilot, "carol")
    await pilot.press("enter")
    await settle(app, pilot)
    await pilot.press("ctrl+r", "home", "enter")  # IC: a handoff
    await settle(app, pilot)
    await paste(pilot, "dave")
    await pilot.press("enter")
    await settle(app, pilot)
    v = await view(db_path, clock, iid)
    assert v.roles["comms"].person == "carol"
    assert v.roles["ic"].person == "dave"
    assert v.timeline[-1].text == f"IC: {ACTOR} -> dave (handoff)"
    assert isinstance(app.screen, WarRoomScreen)


async def test_separate_ic_and_tech_warning(room) -> None:
    app, pilot, _ = room
    await type_line(app, pilot, f"/assign tech {ACTOR}")
    warning = app.screen.query_one("#role-warning")
    assert warning.has_class("-shown")
    assert "both IC and ENG" in str(warning.render())


@pytest.mark.parametrize("pressed_long_ago", [False, True], ids=["fresh", "stale-f4-asks-again"])
async def test_resolve_needs_f4_twice(room, db_path, clock, pressed_long_ago: bool) -> None:
    app, pilot, iid = room
    if pressed_long_ago:
        await pilot.press("f4")
        clock.advance(minutes=20)  # the IC pressed F4 once, long ago
    await pilot.press("f4")
    await settle(app, pilot)
    assert (await view(db_path, clock, iid)).incident.resolved_at is None
    await pilot.press("f4")
    await settle(app, pilot)
    assert (await view(db_path, clock, iid)).incident.status == "resolved"


async def test_f2_acknowledges(room, db_path, clock) -> None:
    app, pilot, iid = room
    await pilot.press("f2")
    await settle(app, pilot)
    assert (await view(db_path, clock, iid)).incident.acknowledged_at == clock.now()


async def test_command_palette_lists_the_war_room_actions(room, db_path, clock) -> None:
    app, pilot, iid = room
    names = [c.title for c in app.get_system_commands(app.screen)]
    assert "Ack" in names  # the F2 binding's own entry: one per action
    assert "Reassign Incident Commander" in names
    await pilot.press("ctrl+p")
    await pilot.pause()
    await paste(pilot, "Ack")
    await settle(app, pilot)  # the palette searches in a worker
    await pilot.press("enter")
    await settle(app, pilot)
    assert (await view(db_path, clock, iid)).incident.acknowledged_by == ACTOR


def test_every_binding_has_an_id() -> None:
    from widgets.checklist import Checklist as C
    from widgets.role_board import RoleList
    from widgets.timeline_view import TimelineView as T

    for cls in (WarRoomScreen, C, RoleList, T):
        for b in cls.BINDINGS:
            assert getattr(b, "id", None), (cls.__name__, b)


# --- countdowns ----------------------------------------------------------------------


async def test_status_update_overdue_cannot_be_missed(room, clock) -> None:
    app, pilot, _ = room
    pane = app.screen.query_one(EscalationPane)
    assert "Status update due in 20:00" in str(pane.render())
    clock.advance(minutes=25)
    app.screen.tick()  # type: ignore[attr-defined]
    await pilot.pause()
    assert pane.has_class("-overdue")
    assert "STATUS UPDATE OVERDUE 05:00" in str(pane.render())
    await type_line(app, pilot, "/status Still rolling back")
    await app.check_changes()
    await settle(app, pilot)
    app.screen.tick()  # type: ignore[attr-defined]
    await pilot.pause()
    # (the pane stays alarmed for the escalation steps due meanwhile: no engine runs here)
    assert "OVERDUE" not in str(pane.render())
    assert "Status update due in 30:00" in str(pane.render())


async def test_header_elapsed_ticks_with_the_clock(room, clock) -> None:
    app, _, _ = room
    header = app.screen.query_one("#header")
    assert "10:00 since declared" in str(header.render().renderables[0])  # type: ignore[attr-defined]
    clock.advance(seconds=65)
    app.screen.tick()  # type: ignore[attr-defined]
    assert "11:05 since declared" in str(header.render().renderables[0])  # type: ignore[attr-defined]


# --- several consoles, following the tail --------------------------------------------


async def test_two_consoles_on_one_database(console, db_path, clock, policies) -> None:
    iid = await seed_sev1(db_path, clock, policies)
    async with console() as (ic, ic_pilot), console(actor="sam", size=(80, 24)) as (scribe, sp):
        await open_room(ic, ic_pilot, iid)
        await open_room(scribe, sp, iid)
        ic_timeline = ic.screen.query_one(TimelineView)
        before = ic_timeline.last_seq
        await type_line(scribe, sp, "SCRIBE: DBA joined the bridge [bold]")
        await ic.check_changes()  # the poll the App also runs four times a second
        await settle(ic, ic_pilot)
        row = ic_timeline.rows[-1]
        assert row[0] == before + 1
        assert (row[3], row[4], row[6]) == ("sam", "SCRIBE", "DBA joined the bridge [bold]")
        await type_line(ic, ic_pilot, "/sev 2")
        await scribe.check_changes()
        await settle(scribe, sp)
        assert "SEV2" in str(scribe.screen.query_one("#header").render().renderables[0])  # type: ignore[attr-defined]


async def test_follows_the_tail_unless_scrolled_up(console, db_path, clock, policies) -> None:
    iid = await seed_sev1(db_path, clock, policies)
    async with commands_on(db_path, clock, policies) as c:
        for n in range(60):
            await c.log(f"INC-{iid}", f"entry {n}")
    async with console(size=(100, 30)) as (app, pilot), commands_on(db_path, clock, policies) as c:
        await open_room(app, pilot, iid)
        timeline = app.screen.query_one(TimelineView)
        assert timeline.following and timeline.scroll_y == timeline.max_scroll_y > 0
        await c.log(f"INC-{iid}", "while following")
        await app.check_changes()
        await settle(app, pilot)
        assert timeline.scroll_y == timeline.max_scroll_y
        timeline.focus()
        await pilot.press("pageup")
        await pilot.pause()
        assert not timeline.following
        await c.log(f"INC-{iid}", "while reading back")
        await c.log(f"INC-{iid}", "and another")
        await app.check_changes()
        await settle(app, pilot)
        assert timeline.new_count == 2
        bar = "".join(s.text for s in timeline.render_line(timeline.size.height - 1))
        assert "2 new entries below" in bar
        await pilot.press("end")
        await pilot.pause()
        assert timeline.following and timeline.new_count == 0


async def test_escape_goes_home_and_keeps_the_draft(room) -> None:
    app, pilot, iid = room
    scribe = app.screen.query_one(ScribeInput)
    scribe.value = "half a thought"
    await pilot.press("escape")
    await pilot.pause()
    assert not isinstance(app.screen, WarRoomScreen)
    screen = await open_room(app, pilot, iid)
    assert screen.query_one(ScribeInput).value == "half a thought"


async def test_utc_toggle(console, db_path, clock, policies) -> None:
    from zoneinfo import ZoneInfo

    iid = await seed_sev1(db_path, clock, policies)
    async with console(tz=ZoneInfo("Asia/Tokyo"), size=(120, 30)) as (app, pilot):
        await open_room(app, pilot, iid)
        timeline = app.screen.query_one(TimelineView)
        first = "".join(s.text for s in timeline._render_row(timeline.rows[0])[0])
        assert first.startswith("18:00")
        await pilot.press("ctrl+g")
        first = "".join(s.text for s in timeline._render_row(timeline.rows[0])[0])
        assert first.startswith("09:00")
        assert "UTC" in str(timeline.border_title)


# --- snapshots -----------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_war_room_snapshot(snap_compare, console, db_path, clock, policies, size) -> None:  # type: ignore[no-untyped-def]
    iid = asyncio.run(seed_sev1(db_path, clock, policies))
    app = console.app()

    async def run_before(pilot: Pilot) -> None:
        await open_room(app, pilot, iid)
        app.screen.query_one(ScribeInput).entry.cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_consoles_in_two_zones_show_the_same_due_times(
    console, db_path, clock, policies
) -> None:
    """New York and Kolkata: the same countdowns, and clock times that are the same instant."""
    from zoneinfo import ZoneInfo

    iid = await seed_sev1(db_path, clock, policies)
    async with (
        console(tz=ZoneInfo("America/New_York")) as (ny, p1),
        console(actor="sam", tz=ZoneInfo("Asia/Kolkata")) as (kol, p2),
    ):
        await open_room(ny, p1, iid)
        await open_room(kol, p2, iid)
        a = str(ny.screen.query_one(EscalationPane).render())
        b = str(kol.screen.query_one(EscalationPane).render())
    # the status update is due at 09:30Z: 04:30 in New York, 15:00 in Kolkata
    assert "Status update due in 20:00 (04:30)" in a
    assert "Status update due in 20:00 (15:00)" in b
    assert a.replace("(04:30)", "") == b.replace("(15:00)", "")


async def test_the_whole_reason_for_a_refused_line_is_readable_at_80x24(
    console, db_path, clock, policies
) -> None:
    iid = await seed_sev1(db_path, clock, policies)
    async with console(size=(80, 24)) as (app, pilot):
        await open_room(app, pilot, iid)
        await type_line(app, pilot, "/phase nope")
        status = app.screen.query_one("#scribe-status")
        shown = " ".join(
            "".join(s.text for s in status.render_line(y)).strip()
            for y in range(status.size.height)
        )
        assert "Not saved: unknown phase 'nope'" in shown
        assert shown.endswith("resolve, follow_up."), shown  # the end says how to fix it
