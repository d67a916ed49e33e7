"""Readable without colour: every piece of text on the key screens has a contrast of at
least 4.5:1 (WCAG 2, relative luminance) against the background behind it, in the dark
and the light theme (``screens/themes.py``), in truecolor and on a 256-colour terminal,
and under NO_COLOR (Textual turns every colour into its grey); under NO_COLOR the states
are told apart by words, not only by colour.

The screens are rendered headless at 120x40 and read back from their SVG screenshots
(``tests/svg_contrast.py``): the home board with incidents of every severity and
overdue follow-ups, the war room with an entry of every kind, a backdated one, one being
saved, one that failed, the "new entries below" bar and an overdue status update, the
declare modal (placeholders, then its error line), the help screen and a toast of each
severity. Behind a modal only the modal itself and the footer are read: the screen under
it is dimmed on purpose. One console run per NO_COLOR setting (Textual reads it when the
App is made) takes every screen in both themes, switching the theme (as ctrl+t does) at
each: a widget that keeps the colours of the theme it was drawn in fails too.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
from textual.geometry import Region
from textual.notifications import SeverityLevel
from textual.pilot import Pilot
from textual.widgets import Footer

from screens.app import WarroomApp
from screens.declare import DeclareScreen
from screens.help import HelpScreen
from screens.themes import DARK, LIGHT
from screens.war_room import WarRoomScreen
from tests.console_helpers import SIZE, ConsoleFactory, open_room, paste, settle
from tests.data import DATA_DIR, POLICIES_DIR, T0, commands_on
from tests.oncall_helpers import policies_with_roster
from tests.svg_contrast import Run, describe, screen_text, text_runs, worst
from warroom.clock import ManualClock
from warroom.errors import WarroomError
from warroom.incident.mutation import Mutation
from warroom.policy import Policies, load_policies
from widgets.scribe_input import ScribeInput
from widgets.timeline_lines import PendingRow
from widgets.timeline_view import TimelineView

MINIMUM = 4.5
THEMES = {"dark": DARK.name, "light": LIGHT.name}
TOASTS: tuple[SeverityLevel, ...] = ("information", "warning", "error")
# What tells each state apart in words (NO_COLOR leaves only these and shades of grey).
WORDS = {
    "war room: saving, not saved, placeholder": (
        "saving… saving line",
        "not saved: the database is busy · ENG: failed line",
        "Type an entry",
    ),
    "war room: timeline focused, new entries below": (
        "08:11* SCRIBE",  # backdated, and the legend says what * means
        "(* backdated)",
        "IC alice DECISION",
        "COMMS alice STATUS",
        "1 new entry",
    ),
    "war room: status update overdue": ("STATUS UPDATE OVERDUE",),
    "war room: toasts": ("Error", "Warning", "Information"),
    "home": ("SEV1", "SEV3", "SEV4", "OVERDUE", "DUE "),
    "declare": ("What is broken, in a few words",),
    "declare: error": ("Type a title",),
}


async def seed(db: Path, clock: ManualClock, policies: Policies) -> int:
    """Incidents of every severity (for the home board) and, in the SEV1 the war room
    shows, an entry of every colour group of the timeline; returns the SEV1's id."""
    async with commands_on(db, clock, policies, actor="alice") as alice:
        clock.set(T0 - timedelta(days=9))
        done = await alice.declare("Search slow", 2, ic="alice")
        await alice.resolve(done.ref or "")
        await alice.add_action(done.ref or "", "Add a search latency alert", owner="bob", due="+2d")
        clock.set(T0 - timedelta(minutes=50))
        await alice.declare("Nightly export delayed", 3, ic="erin")
        await alice.declare("Typo on the status page", 4, ic="erin")
        clock.set(T0 - timedelta(minutes=45))
        inc = await alice.declare("Checkout API returns 500 for EU customers", 1, ic="alice")
        ref = inc.ref or ""
        clock.advance(minutes=1)
        await alice.ack(ref)
        await alice.assign(ref, "comms", "carol")
        await alice.log(ref, "Error rate 40% on checkout-api since deploy 4812", role="tech")
        await alice.log(ref, "Rolling back deploy 4812", kind="decision", role="ic")
        await alice.log(ref, "Investigating: EU checkout failing", kind="status", role="comms")
        at = clock.now() - timedelta(minutes=5)
        await alice.log(ref, "First alert fired (backdated)", role="scribe", at=at)

        async def page(m: Mutation) -> None:
            await m.entry("page", "paged dave via sms (no acknowledgement in 5 min)")

        await alice.mutate(ref, page)
        await alice.set_severity(ref, 2)
        await alice.set_severity(ref, 1)
        for n in range(1, 25):
            await alice.log(ref, f"Update {n}: replica lag {n * 3}s, watching", role="tech")
        await alice.mitigate(ref)
        clock.set(T0)
        assert inc.id is not None
        return inc.id


class Shot(NamedTuple):
    what: str
    look: str  # "dark" or "light"
    svg: str
    regions: tuple[Region, ...]  # where to read (none: everywhere)


async def shots_of(app: WarroomApp, pilot: Pilot, what: str, *, modal: str = "") -> list[Shot]:
    """The screen as it is, in each theme (the one it is in first, then the other, which
    it stays in); behind ``modal`` only its box and the footer (two regions, not their
    bounding box: that would take in the dimmed screen)."""
    regions: tuple[Region, ...] = ()
    if modal:
        regions = (app.screen.query_one(modal).region, app.screen.query_one(Footer).region)
    looks = sorted(THEMES, key=lambda look: THEMES[look] != app.theme)
    taken = []
    for look in looks:
        if app.theme != THEMES[look]:
            app.theme = THEMES[look]
            await pilot.pause()
        taken.append(Shot(what, look, app.export_screenshot(), regions))
    return taken


def runs_in(shot: Shot) -> list[Run]:
    runs = text_runs(shot.svg)
    if not shot.regions:
        return runs
    return [r for r in runs if any(reg.contains(r.col, r.line) for reg in shot.regions)]


async def screenshots(
    console: ConsoleFactory, incident_id: int, pol_dir: Path, db_path: Path
) -> list[Shot]:
    """The key screens in both themes, in one console run."""
    shots: list[Shot] = []
    policies = load_policies(pol_dir)
    app = console.app(actor="alice", policies=policies)
    async with app.run_test(size=SIZE, notifications=True) as pilot:  # toasts: off by default
        await settle(app, pilot)
        shots += await shots_of(app, pilot, "home")
        room = await open_room(app, pilot, incident_id)
        room.query_one(ScribeInput).entry.cursor_blink = False
        release = await pending_and_failed_lines(app, room, pilot)
        shots += await shots_of(app, pilot, "war room: saving, not saved, placeholder")
        release()
        await settle(app, pilot)
        await pilot.press("ctrl+o", "home")  # scrolled up: new entries show a bar
        async with commands_on(db_path, app.clock, policies, actor="carol") as carol:
            await carol.log("INC-4", "Status page updated", kind="status", role="comms")
        await app.check_changes()
        await settle(app, pilot)
        assert room.query_one(TimelineView).new_count == 1
        shots += await shots_of(app, pilot, "war room: timeline focused, new entries below")
        app.clock.set(T0 + timedelta(minutes=30))  # type: ignore[attr-defined]
        await pilot.press("i", "ctrl+u")
        await settle(app, pilot)
        shots += await shots_of(app, pilot, "war room: status update overdue")
        for severity in TOASTS:
            app.notify(f"A {severity} toast.", title=severity.title(), severity=severity)
        await pilot.pause()
        shots += await shots_of(app, pilot, "war room: toasts")
        app.clear_notifications()
        await pilot.press("escape")
        await settle(app, pilot)
        app.action_declare()
        await settle(app, pilot)
        assert isinstance(app.screen, DeclareScreen)
        shots += await shots_of(app, pilot, "declare", modal="#dialog")
        await pilot.press("enter")  # no title: the error line
        await pilot.press("down")
        await settle(app, pilot)
        shots += await shots_of(app, pilot, "declare: error", modal="#dialog")
        await pilot.press("escape")
        await settle(app, pilot)
        app.action_help()
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        shots += await shots_of(app, pilot, "help", modal="#help-dialog")
    return shots


async def pending_and_failed_lines(
    app: WarroomApp, room: WarRoomScreen, pilot: Pilot
) -> Callable[[], None]:
    """One line that failed and one being saved, under the timeline, and the input empty
    (its placeholder shows); returns what lets the one being saved finish."""
    fail, stuck = asyncio.Event(), asyncio.Event()
    calls = 0

    async def busy_then_stuck(parsed: object) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            await fail.wait()  # fails while the next line is typed: it stays in the timeline
            raise WarroomError("the database is busy")
        await stuck.wait()
        return ""

    room._perform = busy_then_stuck  # type: ignore[method-assign]
    room.query_one(ScribeInput).entry.focus()
    await paste(pilot, "ENG: failed line")
    await pilot.press("enter")
    await paste(pilot, "saving line")
    await pilot.press("enter", "x")
    fail.set()
    timeline = room.query_one(TimelineView)
    expected = [PendingRow("ENG: failed line", "the database is busy"), PendingRow("saving line")]
    for _ in range(200):  # the writer is stuck: no settle(), it would wait for it
        if timeline.pending == expected:
            break
        await pilot.pause(0.01)
    assert timeline.pending == expected
    await pilot.press("ctrl+u")  # the placeholder shows
    return stuck.set


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The seeded database, made once for the module (each test works on a copy)."""
    where = tmp_path_factory.mktemp("contrast")
    db = where / "seeded.db"
    policies = load_policies(policies_with_roster(where, POLICIES_DIR, DATA_DIR))
    return db, asyncio.run(seed(db, ManualClock(T0), policies))


@pytest.fixture
def incident(seeded: tuple[Path, int], db_path: Path) -> int:
    db, incident_id = seeded
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{db}{suffix}").exists():
            shutil.copy(f"{db}{suffix}", f"{db_path}{suffix}")
    return incident_id


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_every_text_on_the_key_screens_has_contrast_of_4_5_to_1(
    no_color: bool,
    console: ConsoleFactory,
    incident: int,
    pol_dir: Path,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")  # Textual reads it when the App is made
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    shots = await screenshots(console, incident, pol_dir, db_path)
    suffix = ", NO_COLOR" if no_color else ""
    report = [
        f"{look}{suffix}: text under {MINIMUM}:1 (worst first)\n" + "\n".join(lines)
        for look in THEMES
        if (lines := offenders([s for s in shots if s.look == look]))
    ]
    assert not report, "\n".join(report)
    if no_color:
        for shot in shots:
            text = screen_text(runs_in(shot))
            missing = [w for w in WORDS.get(shot.what, ()) if w not in text]
            assert not missing, f"{shot.what} ({shot.look}, NO_COLOR): no {missing}"


def offenders(shots: list[Shot]) -> list[str]:
    """One line per pair of colours under the minimum: the worst first, with where it
    shows and an example of its text."""
    seen: dict[tuple[str, str], tuple[Run, set[str]]] = {}
    for shot in shots:
        runs = runs_in(shot)
        assert runs, f"{shot.what}: no text read from the screenshot"
        for run in worst(runs, MINIMUM):
            _first, where = seen.setdefault((run.fill, run.background), (run, set()))
            where.add(shot.what)
    ordered = sorted(seen.values(), key=lambda item: item[0].ratio)
    return [f"{describe(run)}  [{'; '.join(sorted(where))}]" for run, where in ordered]
