"""Time as the scribe means it: ``@HH:MM`` is read in the zone the war room shows (UTC
after ctrl+g), and a backdate that was probably not meant (before the incident began,
more than 12 hours back) asks first, with the full date, time and zone it would
record; Enter again records it once, an edit or Escape disarms, a paste loses nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from screens.war_room import WarRoomScreen
from tests.console_helpers import ConsoleFactory, open_room, paste, settle, type_line
from tests.data import T0, seed_sev1
from warroom.clock import ManualClock
from warroom.errors import BadInput
from warroom.incident.backdate import incident_began, moment, odd_backdate, other_day, span
from warroom.incident.queries import load_view
from warroom.policy import Policies
from warroom.store import Store
from widgets.scribe_input import ScribeInput

NY = ZoneInfo("America/New_York")

# --- the rules, without the console ------------------------------------------------------

NOW = datetime(2026, 3, 2, 9, 10, tzinfo=UTC)
BEGAN = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)


def ask(at: datetime, *, tz=UTC, began=BEGAN, typed: str | None = "@x") -> str | None:  # type: ignore[no-untyped-def]
    return odd_backdate(at, now=NOW, tz=tz, began=began, typed=typed)


def test_a_recent_backdate_inside_the_incident_is_recorded_at_once() -> None:
    assert ask(NOW - timedelta(minutes=5)) is None
    assert ask(NOW) is None
    assert ask(NOW + timedelta(minutes=1)) is None  # clock skew between two machines
    # "@09:00" is the minute the incident began at 09:00:30, not a time before it
    assert ask(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) is None


def test_a_backdate_before_the_start_says_the_full_date_and_the_start() -> None:
    q = ask(datetime(2026, 3, 2, 8, 50, tzinfo=UTC), typed="@08:50")
    assert q == (
        "@08:50 would record Mon 2 Mar 08:50 UTC, 20 min ago and before the incident began at 09:00"
    )


def test_more_than_twelve_hours_back_asks_even_inside_the_incident() -> None:
    long_ago = NOW - timedelta(hours=12, minutes=1)
    assert ask(long_ago, began=None, typed="@21:09") == (
        "@21:09 would record Sun 1 Mar 21:09 UTC, 12 h 01 min ago"
    )
    assert ask(NOW - timedelta(hours=12), began=None) is None  # 12 h exactly: at once


def test_yesterday_late_evening_typed_in_the_afternoon_names_the_day_and_zone() -> None:
    """The issue's case: ``@23:59`` at 14:58 New York time was silently yesterday."""
    now = datetime(2026, 3, 2, 19, 58, tzinfo=UTC)  # 14:58 in New York
    began = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)  # 14:00 in New York
    at = datetime(2026, 3, 2, 4, 59, tzinfo=UTC)  # 23:59 on Sunday in New York
    q = odd_backdate(at, now=now, tz=NY, began=began, typed="@23:59")
    assert q == (
        "@23:59 would record Sun 1 Mar 23:59 America/New_York, 14 h 59 min ago and before "
        "the incident began Mon 2 Mar 14:00"
    )


def test_a_time_in_the_future_is_refused_with_the_moment_it_means() -> None:
    with pytest.raises(BadInput, match=r"Mon 2 Mar 12:00 UTC, 2 h 50 min from now; entries"):
        ask(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), typed="@2026-03-02T12:00Z")


def test_the_moment_shows_seconds_and_another_year_when_they_matter() -> None:
    assert moment(datetime(2025, 12, 31, 23, 59, 30, tzinfo=UTC), UTC, NOW) == (
        "Wed 31 Dec 2025 23:59:30 UTC"
    )
    assert moment(NOW, ZoneInfo("Europe/Berlin"), NOW) == "Mon 2 Mar 10:10 Europe/Berlin"
    assert [span(timedelta(seconds=s)) for s in (40, 1500, 54000, 7500, 273600)] == [
        "40 s",
        "25 min",
        "15 h",
        "2 h 05 min",
        "3 days 4 h",
    ]


def test_the_incident_began_at_its_earliest_known_milestone() -> None:
    declared = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    started = declared - timedelta(minutes=40)
    assert incident_began(None, None, declared) == declared
    assert incident_began(started, None, declared) == started
    assert incident_began(None, None, None) is None


def test_another_day_is_named_in_the_zone_shown() -> None:
    late = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # Monday in UTC, Sunday in New York
    assert other_day(late, now=NOW, tz=UTC) is None
    assert other_day(late, now=NOW, tz=NY) == "Sun 1 Mar"
    assert other_day(None, now=NOW, tz=NY) is None


# --- in the war room -------------------------------------------------------------------


async def entries(db: Path, clock: ManualClock, incident_id: int) -> list[tuple[str, datetime]]:
    """The scribe's notes as stored: (text, event time in UTC)."""
    async with await Store.open(db, clock) as store:
        view = await load_view(store, str(incident_id))
    return [(e.text, e.at.astimezone(UTC)) for e in view.timeline if e.kind == "note"]


def status(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#scribe-status").render())


def at_utc(hour: int, minute: int, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


SEEDED = 1  # seed_sev1's own note (its other entry is a decision)


async def test_hhmm_is_read_in_utc_when_the_war_room_shows_utc(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    """``--tz America/New_York``, toggled to UTC: ``@09:05`` is 09:05 UTC; toggled back,
    ``@04:07`` is 04:07 in New York (09:07 UTC). The clock stands at 09:10 UTC."""
    iid = await seed_sev1(db_path, clock, policies)
    async with console(tz=NY) as (app, pilot):
        await open_room(app, pilot, iid)
        await pilot.press("ctrl+g")
        assert "@HH:MM is read in UTC" in status(app)
        await type_line(app, pilot, "@09:05 ENG: failover started")
        await pilot.press("ctrl+g")
        await type_line(app, pilot, "@04:07 ENG: failover done")
    notes = (await entries(db_path, clock, iid))[SEEDED:]
    assert notes == [("failover started", at_utc(9, 5)), ("failover done", at_utc(9, 7))]


async def test_hhmm_in_local_time_is_not_read_as_utc(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    """Untoggled, ``@09:05`` in New York is 14:05 UTC, not yet come: yesterday's, 19 h
    back. It asks, naming the day and the zone, instead of storing it."""
    iid = await seed_sev1(db_path, clock, policies)
    async with console(tz=NY) as (app, pilot):
        await open_room(app, pilot, iid)
        await type_line(app, pilot, "@09:05 failover started")
        said = status(app)
        assert app.screen.query_one(ScribeInput).value == "@09:05 failover started"
    assert "@09:05 would record Sun 1 Mar 09:05 America/New_York, 19 h 05 min ago" in said
    assert len(await entries(db_path, clock, iid)) == SEEDED


async def test_a_backdate_before_the_start_asks_and_enter_again_records_it_once(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    iid = await seed_sev1(db_path, clock, policies)  # declared 09:00, now 09:10 UTC
    async with console() as (app, pilot):
        await open_room(app, pilot, iid)
        scribe = app.screen.query_one(ScribeInput)
        await type_line(app, pilot, "@08:50 first alert fired")
        assert status(app) == (
            "@08:50 would record Mon 2 Mar 08:50 UTC, 20 min ago and before the incident "
            "began at 09:00 — Enter again to record it, esc to edit"
        )
        assert scribe.value == "@08:50 first alert fired"
        assert len(await entries(db_path, clock, iid)) == SEEDED  # not queued
        await pilot.press("enter")
        await settle(app, pilot)
        assert scribe.value == ""
        assert "Saved" in status(app)
        await pilot.press("enter")  # an empty Enter afterwards records nothing more
        await settle(app, pilot)
    notes = (await entries(db_path, clock, iid))[SEEDED:]
    assert notes == [("first alert fired", at_utc(8, 50))]


async def test_an_edit_disarms_the_confirmation(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    iid = await seed_sev1(db_path, clock, policies)
    async with console() as (app, pilot):
        await open_room(app, pilot, iid)
        await type_line(app, pilot, "@08:50 first alert")
        await pilot.press("x", "backspace")  # edited, even if back to the same text
        assert "Enter checks the time again" in status(app)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "would record Mon 2 Mar 08:50 UTC" in status(app)  # asked again
        assert len(await entries(db_path, clock, iid)) == SEEDED
        await pilot.press("enter")  # yes to the question asked again
        await settle(app, pilot)
    assert (await entries(db_path, clock, iid))[SEEDED:] == [("first alert", at_utc(8, 50))]


async def test_escape_disarms_and_keeps_the_line_in_the_war_room(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    iid = await seed_sev1(db_path, clock, policies)
    async with console() as (app, pilot):
        await open_room(app, pilot, iid)
        await type_line(app, pilot, "@08:50 first alert")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)
        assert app.screen.query_one(ScribeInput).value == "@08:50 first alert"
        assert "Not recorded; edit the line" in status(app)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "would record" in status(app)  # asks again, records nothing
    assert len(await entries(db_path, clock, iid)) == SEEDED


async def test_more_than_twelve_hours_back_asks(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    """Fourteen hours into the incident, ``@10:00`` (after the start) is 13 h back."""
    iid = await seed_sev1(db_path, clock, policies)
    clock.advance(hours=14)  # 23:10 UTC
    async with console() as (app, pilot):
        await open_room(app, pilot, iid)
        await type_line(app, pilot, "@10:00 the cache filled up")
        assert status(app).startswith("@10:00 would record Mon 2 Mar 10:00 UTC, 13 h 10 min ago")
        assert "before the incident" not in status(app)
        assert len(await entries(db_path, clock, iid)) == SEEDED
        await pilot.press("enter")
        await settle(app, pilot)
    assert (await entries(db_path, clock, iid))[SEEDED:] == [("the cache filled up", at_utc(10, 0))]


async def test_the_issue_case_yesterday_in_new_york_asks_then_says_the_day(
    console: ConsoleFactory, db_path: Path, policies: Policies
) -> None:
    """``@23:59`` typed at 14:58 New York time, the incident declared at 14:00."""
    clock = ManualClock(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))  # 14:00 in New York
    iid = await seed_sev1(db_path, clock, policies)
    clock.advance(minutes=48)  # 14:58
    async with console(tz=NY, clock=clock) as (app, pilot):
        await open_room(app, pilot, iid)
        await type_line(app, pilot, "@23:59 deploy 4812 went out")
        assert status(app).startswith(
            "@23:59 would record Sun 1 Mar 23:59 America/New_York, 14 h 59 min ago and "
            "before the incident began Mon 2 Mar 14:00"
        )
        await pilot.press("enter")
        await settle(app, pilot)
        assert status(app).endswith("(backdated) · on Sun 1 Mar")
    assert (await entries(db_path, clock, iid))[SEEDED:] == [
        ("deploy 4812 went out", datetime(2026, 3, 2, 4, 59, tzinfo=UTC))
    ]


async def test_a_time_in_the_future_is_refused_not_queued(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    iid = await seed_sev1(db_path, clock, policies)
    async with console() as (app, pilot):
        await open_room(app, pilot, iid)
        await type_line(app, pilot, "@2026-03-02T12:00Z planned failover")
        assert app.screen.query_one(ScribeInput).value == "@2026-03-02T12:00Z planned failover"
        assert "would record Mon 2 Mar 12:00 UTC, 2 h 50 min from now" in status(app)
        await pilot.press("enter")
        await settle(app, pilot)
    assert len(await entries(db_path, clock, iid)) == SEEDED


async def test_a_paste_with_odd_backdates_loses_nothing(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    """Four pasted lines, two backdated before the start: the ordinary ones are queued,
    the first odd one is asked about in the input, the second is kept as not saved
    with its question; each is recorded exactly once when confirmed."""
    iid = await seed_sev1(db_path, clock, policies)
    async with console() as (app, pilot):
        await open_room(app, pilot, iid)
        scribe = app.screen.query_one(ScribeInput)
        scribe.entry.focus()
        await paste(pilot, "line one\r@08:50 early one\rline three\r@08:40 earlier\r")
        await settle(app, pilot)
        assert scribe.value == "@08:50 early one"
        assert [t for t, _ in await entries(db_path, clock, iid)][SEEDED:] == [
            "line one",
            "line three",
        ]
        screen = app.screen
        assert isinstance(screen, WarRoomScreen)
        [kept] = screen.entries.failed
        assert kept.line == "@08:40 earlier"
        assert "would record Mon 2 Mar 08:40 UTC" in (kept.reason or "")
        await pilot.press("enter")  # yes to the one in the input
        await settle(app, pilot)
        await pilot.press("ctrl+e")  # the kept one back, asked again, then yes
        await pilot.press("enter")
        await settle(app, pilot)
        assert "would record Mon 2 Mar 08:40 UTC" in status(app)
        await pilot.press("enter")
        await settle(app, pilot)
        assert not screen.entries.failed
    notes = (await entries(db_path, clock, iid))[SEEDED:]
    assert notes == [
        ("line one", T0 + timedelta(minutes=10)),
        ("line three", T0 + timedelta(minutes=10)),
        ("early one", at_utc(8, 50)),
        ("earlier", at_utc(8, 40)),
    ]
