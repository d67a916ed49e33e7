"""Rotation arithmetic in local calendar time, over a year in three zones."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.oncall_helpers import rotation, utc
from warroom.oncall.schedule import handoff_instant, next_handoffs, shift, shift_at, shift_index

# zone -> {local Monday starting a week that holds a daylight-saving change: its hours}
ZONES = {
    "Europe/London": {date(2026, 3, 23): 167, date(2026, 10, 19): 169},
    "America/New_York": {date(2026, 3, 2): 167, date(2026, 10, 26): 169},
    "Australia/Sydney": {date(2026, 3, 30): 169, date(2026, 9, 28): 167},
}


@pytest.mark.parametrize("zone", list(ZONES))
def test_a_year_of_weekly_handoffs_stays_at_ten_local(zone: str) -> None:
    rot = rotation(zone)
    tz = ZoneInfo(zone)
    shifts = [shift(rot, n) for n in range(53)]
    hours_by_week: dict[date, float] = {}
    for sh in shifts:
        local = sh.starts_at.astimezone(tz)
        assert (local.weekday(), local.hour, local.minute) == (0, 10, 0), local
        assert sh.ends_at.astimezone(tz).time().hour == 10
        hours_by_week[local.date()] = (sh.ends_at - sh.starts_at).total_seconds() / 3600
    for a, b in itertools.pairwise(shifts):
        assert a.ends_at == b.starts_at  # no gap, no overlap
    # Every week is 168 hours except the two that hold the daylight-saving changes.
    odd = {d: h for d, h in hours_by_week.items() if h != 168}
    assert odd == ZONES[zone]
    # The members take turns in order.
    assert [s.person for s in shifts[:6]] == ["alice", "bob", "carol", "dave", "erin", "alice"]


@pytest.mark.parametrize("zone", list(ZONES))
def test_every_hour_of_the_year_has_exactly_one_shift(zone: str) -> None:
    rot = rotation(zone)
    t = handoff_instant(rot, 0)
    end = t + timedelta(days=366)
    while t < end:
        sh = shift_at(rot, t)
        assert sh is not None and sh.starts_at <= t < sh.ends_at
        t += timedelta(minutes=37)  # lands on every minute offset over the year


def test_dst_change_weeks_in_detail() -> None:
    london = rotation("Europe/London")
    # Clocks go forward on Sunday 29 March 2026: 10:00 GMT is 10:00 UTC, 10:00 BST is 09:00.
    sh = shift_at(london, utc(2026, 3, 28, 12))
    assert sh is not None
    assert (sh.starts_at, sh.ends_at) == (utc(2026, 3, 23, 10), utc(2026, 3, 30, 9))
    # and back on Sunday 25 October.
    sh = shift_at(london, utc(2026, 10, 25, 12))
    assert sh is not None
    assert (sh.starts_at, sh.ends_at) == (utc(2026, 10, 19, 9), utc(2026, 10, 26, 10))
    sydney = rotation("Australia/Sydney")
    # Southern hemisphere: summer time ends 5 April 2026 (AEDT +11 -> AEST +10).
    sh = shift_at(sydney, utc(2026, 4, 5, 0))
    assert sh is not None
    assert (sh.starts_at, sh.ends_at) == (utc(2026, 3, 29, 23), utc(2026, 4, 6, 0))
    ny = rotation("America/New_York")
    nxt = next_handoffs(ny, utc(2026, 3, 1), 2)
    assert [h.starts_at for h in nxt] == [utc(2026, 3, 2, 15), utc(2026, 3, 9, 14)]


@pytest.mark.parametrize(
    ("start", "handoff", "expected", "shown"),
    [
        # the 7th handoff is on Sunday 8 March 2026, when 02:00-03:00 does not exist
        (date(2026, 3, 1), "02:30", utc(2026, 3, 8, 7, 30), "03:30 EDT"),
        # ... and on Sunday 1 November 2026, when 01:00-02:00 happens twice
        (date(2026, 10, 25), "01:30", utc(2026, 11, 1, 5, 30), "01:30 EDT"),
    ],
    ids=["gap", "repeat"],
)
def test_handoff_time_in_a_gap_moves_forward_by_the_gap_and_a_repeat_takes_the_first(
    start: date, handoff: str, expected: datetime, shown: str
) -> None:
    # The written rule (schedule.py, policies/oncall.yaml): 02:30 on the night the clocks
    # jump from 02:00 to 03:00 happens at 03:30; 01:30 on the night 01:00-02:00 repeats
    # happens at the first 01:30 (still summer time).
    rot = rotation(
        "America/New_York", start=start, period="daily", handoff_weekday=None, handoff_time=handoff
    )
    at = handoff_instant(rot, 7)
    assert at == expected
    assert at.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M %Z") == shown
    # Around it, shifts still tile time.
    for n in range(3, 12):
        assert shift(rot, n).ends_at == shift(rot, n + 1).starts_at


def test_before_the_first_handoff_nobody_is_on_call() -> None:
    rot = rotation("Europe/London", start=date(2026, 6, 1))
    assert shift_at(rot, datetime(2026, 5, 31, tzinfo=ZoneInfo("UTC"))) is None
    assert shift_index(rot, utc(2026, 6, 1, 8, 59)) == -1
    assert shift_index(rot, utc(2026, 6, 1, 9)) == 0  # 10:00 BST
