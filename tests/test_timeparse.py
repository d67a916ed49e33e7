"""Times people type with --at: zones, daylight-saving gaps and repeats, HH:MM shortcuts."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from warroom.errors import BadInput
from warroom.timeparse import parse_time

LONDON = ZoneInfo("Europe/London")


def at(text: str, now: datetime, tz: ZoneInfo = LONDON) -> datetime:
    return parse_time(text, tz=tz, now=now)


def test_a_time_in_the_spring_forward_gap_is_refused() -> None:
    now = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    with pytest.raises(BadInput, match="does not exist"):
        at("2026-03-29T01:30", now)
    with pytest.raises(BadInput, match="does not exist"):
        at("01:30", now)


def test_a_time_in_the_repeated_autumn_hour_needs_an_offset() -> None:
    now = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)
    with pytest.raises(BadInput, match=r"twice.*\+01:00.*\+00:00"):
        at("2026-10-25T01:30", now)
    with pytest.raises(BadInput, match="twice"):
        at("01:30", now)
    assert at("2026-10-25T01:30+00:00", now) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert at("2026-10-25T01:30+01:00", now) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-29T00:59", datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),
        ("2026-03-29T02:00", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        ("2026-10-25T00:59", datetime(2026, 10, 24, 23, 59, tzinfo=UTC)),
        ("2026-10-25T02:00", datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
    ],
)
def test_times_next_to_the_changes_are_read_in_the_right_offset(
    text: str, expected: datetime
) -> None:
    assert at(text, datetime(2026, 10, 26, 12, 0, tzinfo=UTC)) == expected


def test_hhmm_just_after_midnight_means_yesterday_evening() -> None:
    now = datetime(2026, 7, 1, 23, 5, tzinfo=UTC)  # 00:05 BST on 2 July
    assert at("23:50", now) == datetime(2026, 7, 1, 22, 50, tzinfo=UTC)
    assert at("00:01", now) == datetime(2026, 7, 1, 23, 1, tzinfo=UTC)


def test_hhmm_a_few_minutes_ahead_is_refused_not_moved_to_yesterday() -> None:
    now = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert at("10:01", now) == datetime(2026, 7, 1, 9, 1, tzinfo=UTC)  # clock skew tolerated
    with pytest.raises(BadInput, match="future"):
        at("10:05", now)
    with pytest.raises(BadInput, match="future"):
        at("10:45", now)
    assert at("18:00", now) == datetime(2026, 6, 30, 17, 0, tzinfo=UTC)  # yesterday evening


def test_hhmm_on_the_night_the_clocks_go_back_counts_real_time() -> None:
    # 01:10 GMT, the second 01:10 of the night: 00:40 BST (23:40Z) was 90 minutes ago.
    now = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)
    assert at("00:40", now) == datetime(2026, 10, 24, 23, 40, tzinfo=UTC)


def test_iso_with_an_offset_or_z_ignores_the_display_zone() -> None:
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert at("2026-03-02T10:00+05:30", now) == datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
    assert at("2026-03-02T10:00Z", now) == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert at("2026-03-02 10:00", now) == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_hhmm_of_a_planned_or_asked_about_moment_is_today() -> None:
    now = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # 10:00 BST
    for text, hour in (("10:30", 9), ("18:00", 17), ("08:00", 7)):
        got = parse_time(text, tz=LONDON, now=now, future=True)
        assert got == datetime(2026, 7, 1, hour, int(text[3:]), tzinfo=UTC)


def test_local_zone_is_the_systems_named_zone_when_tz_is_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fixed offset would read summer times an hour off in winter."""
    from zoneinfo import ZoneInfo

    from warroom import clock

    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(clock, "_system_zone_name", lambda: "Europe/London")
    assert clock.local_zone() == ZoneInfo("Europe/London")
    monkeypatch.setenv("TZ", "America/New_York")
    assert clock.local_zone() == ZoneInfo("America/New_York")
