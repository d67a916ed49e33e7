"""On-call health, one test per rule of policies/oncall.yaml, shown when a rotation or an
override is created (not only afterwards)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result

from tests.cli_helpers import Warroom
from tests.oncall_helpers import demo_roster, record_pages, utc
from warroom.clock import ManualClock
from warroom.incident.commands import Commands
from warroom.oncall.overrides import OnCallCommands
from warroom.oncall.rest import load_entries, rest_flags
from warroom.oncall.summary import health_report
from warroom.policy import Policies, load_policies
from warroom.policy.roster import Roster
from warroom.store import Store

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def pol(pol_dir: Path) -> Policies:
    return load_policies(pol_dir)


@pytest.fixture
def roster(pol_dir: Path) -> Roster:
    return demo_roster(pol_dir)


@pytest.fixture
async def oc(store: Store, pol: Policies, roster: Roster) -> AsyncIterator[OnCallCommands]:
    yield OnCallCommands(store, pol, roster, "frank", LONDON)


def rules(violations: list) -> list[tuple[str, str | None]]:
    return [(v.rule, v.person) for v in violations]


async def test_the_demo_schedule_is_healthy(store: Store, pol: Policies, roster: Roster) -> None:
    # Each member is secondary one week then primary the next, then off for three.
    report = await health_report(store, roster, pol, utc(2026, 3, 4, 12), weeks_ahead=26)
    assert report.violations == []


def test_team_size_below_the_minimum(tmp_path: Path, db_path: Path, pol_dir: Path) -> None:
    wr = Warroom(db_path, actor="frank", policies=pol_dir)
    before = (pol_dir / "roster.yaml").read_bytes()
    r = wr(
        "oncall",
        "rotation",
        "add",
        "db",
        "--members",
        "alice,bob,carol,dave",
        "--zone",
        "Europe/London",
        "--start",
        "2026-03-02",
    )
    assert r.exit_code == 2
    assert "has 4 members; the on-call policy asks for at least 5" in r.stderr
    assert (pol_dir / "roster.yaml").read_bytes() == before  # nothing stored
    # A roster written by hand with a small rotation is warned about on every `oncall`.
    text = before.decode().replace(
        "members: [alice, bob, carol, dave, erin]\n  - id: platform-secondary",
        "members: [alice, bob, carol]\n  - id: platform-secondary",
    )
    (pol_dir / "roster.yaml").write_text(text)
    data = wr.json("oncall", "--at", "2026-03-04T12:00")
    assert [w["rule"] for w in data["warnings"]] == ["min_team_size"]
    assert "rotation 'platform-primary' has 3 members" in data["warnings"][0]["message"]


async def test_more_consecutive_weeks_than_allowed_is_warned_at_creation(
    oc: OnCallCommands,
) -> None:
    # dave: secondary 23 Feb, primary 2 Mar; covering the secondary week of 9 Mar
    # makes three weeks in a row (the policy allows 2).
    result = await oc.cover(
        "dave", start=utc(2026, 3, 9, 10), end=utc(2026, 3, 16, 10), rotation="secondary"
    )
    assert ("max_consecutive_weeks", "dave") in rules(result.warnings)
    msg = next(w.message for w in result.warnings if w.rule == "max_consecutive_weeks")
    assert "dave would be on call 3.0 weeks in a row" in msg and "allows 2" in msg
    assert result.rows[0].id is not None  # a warning, not a refusal


async def test_too_few_weeks_between_rotations_is_warned_at_creation(oc: OnCallCommands) -> None:
    # dave's stretch ends 9 Mar; covering alice's primary week of 16 Mar leaves him 1 week off.
    result = await oc.cover("dave", start=utc(2026, 3, 16, 10), end=utc(2026, 3, 23, 9))
    assert rules(result.warnings) == [("min_weeks_between_rotations", "dave")]
    assert "only 1.0 weeks off" in result.warnings[0].message
    # Someone covering a night of dave's own shift is a relief, not a short break.
    relief = await oc.cover("frank", start=utc(2026, 3, 5, 22), end=utc(2026, 3, 6, 7))
    assert relief.warnings == []


async def test_one_person_on_two_rotations_at_once_is_warned(oc: OnCallCommands) -> None:
    result = await oc.cover(
        "dave", start=utc(2026, 3, 4, 18), end=utc(2026, 3, 5, 8), rotation="secondary"
    )
    assert ("double_booked", "dave") in rules(result.warnings)


async def _page(store: Store, incident_id: int, person: str, at: datetime) -> None:
    key = f"k{at.isoformat()}{person}"
    await record_pages(store, incident_id, key, at, {person: ("push", "sms")}, fired_by="test")


async def test_pages_per_week_overload_with_a_suggested_rebalance(
    store: Store, pol: Policies, roster: Roster, commands: Commands, clock: ManualClock
) -> None:
    inc = await commands.declare("Checkout errors", 2, at=utc(2026, 3, 2, 8))
    assert inc.id is not None
    clock.set(utc(2026, 3, 8, 12))
    # dave, primary from 2 March: 11 pages (each by push then SMS), 4 of them at night
    # (dave is in Asia/Kolkata, +05:30: 22:00 to 07:00 there is 16:30 to 01:30 UTC).
    nights = [utc(2026, 3, 2, 17), utc(2026, 3, 3, 20), utc(2026, 3, 4, 23), utc(2026, 3, 6, 1)]
    days = [utc(2026, 3, d, 9) for d in range(3, 8)] + [utc(2026, 3, 3, 12), utc(2026, 3, 8, 5)]
    for at in nights + days:
        await _page(store, inc.id, "dave", at)
    await _page(store, inc.id, "erin", utc(2026, 3, 3, 3))  # 14:00 in Sydney
    report = await health_report(store, roster, pol, clock.now(), weeks_back=2)
    week = report.weeks[-1]
    assert week[0] == utc(2026, 3, 2, 10)
    assert week[2]["dave"] == {"total": 11, "night": 4, "day": 7}
    assert week[2]["erin"] == {"total": 1, "night": 0, "day": 1}
    over = [v for v in report.violations if v.rule == "max_pages_per_week"]
    assert [(v.person, v.at) for v in over] == [("dave", utc(2026, 3, 2, 10))]
    assert "paged 11 times" in over[0].message and "(4 at night)" in over[0].message
    # The suggestion hands dave's next shift to the calmest member, as a ready command.
    assert over[0].suggestion is not None
    assert "warroom oncall swap dave alice --rotation platform-primary" in over[0].suggestion
    # Ten is within the limit.
    report9 = await health_report(store, roster, pol, utc(2026, 3, 5, 0), weeks_back=1)
    assert [v for v in report9.violations if v.rule == "max_pages_per_week"] == []


async def _night(commands: Commands, ref: str, start, minutes: list[int]) -> None:  # type: ignore[no-untyped-def]
    for m in minutes:
        await commands.log(ref, f"still on it ({m})", at=start + timedelta(minutes=m))


async def test_rest_rule_across_midnight(
    store: Store, pol: Policies, roster: Roster, policies: Policies, clock: ManualClock
) -> None:
    rule = pol.oncall.health.rest_rule
    clock.set(utc(2026, 3, 12, 12))
    alice = Commands(store, policies, "alice", LONDON)
    erin = Commands(store, policies, "erin", LONDON)
    inc = await alice.declare("Database failover", 1, at=utc(2026, 3, 2, 22, 30))
    ref = inc.ref or ""
    # alice (London, GMT): declared 22:30, then an entry every half hour 23:00 to 03:30.
    await _night(alice, ref, utc(2026, 3, 2, 23), list(range(0, 271, 30)))
    # erin (Sydney, AEDT +11): 21:00 to 00:30 local, 2.5 h of it after 22:00: not enough.
    await _night(erin, ref, utc(2026, 3, 3, 10), list(range(0, 211, 30)))
    # alice again, 22:30 to 03:00 but with a 2-hour silence: two short engagements.
    await _night(alice, ref, utc(2026, 3, 9, 22, 30), [0, 30, 60, 180, 210, 240, 270])
    entries = await load_entries(store, utc(2026, 3, 1), clock.now())
    flags = rest_flags(entries, roster, rule)
    assert [(f.person, f.engaged_from, f.engaged_until) for f in flags] == [
        ("alice", utc(2026, 3, 2, 22, 30), utc(2026, 3, 3, 3, 30)),
    ]
    f = flags[0]
    assert f.night_hours == pytest.approx(5.0)  # from the declaration at 22:30
    assert f.late_start_at == utc(2026, 3, 3, 11)  # night ends 07:00, plus 4 hours
    assert "late start the next day, not before Tue 11:00 Europe/London" in f.message(LONDON)
    # 22:00 to 02:00 in Sydney (11:00 to 15:00 UTC): exactly 4 h counts, 3.5 h does not,
    # and two entries 4 h apart are two engagements, not one.
    dense = [("erin", utc(2026, 3, 4, 11) + timedelta(minutes=m)) for m in range(0, 241, 30)]
    assert [x.night_hours for x in rest_flags(dense, roster, rule)] == [4.0]
    assert rest_flags(dense[:-1], roster, rule) == []
    assert rest_flags([dense[0], dense[-1]], roster, rule) == []


async def test_rest_rule_is_shown_when_an_override_would_break_it(
    store: Store, pol: Policies, roster: Roster, policies: Policies, clock: ManualClock
) -> None:
    clock.set(utc(2026, 3, 3, 8))
    alice = Commands(store, policies, "alice", LONDON)
    inc = await alice.declare("Database failover", 1, at=utc(2026, 3, 2, 22, 30))
    await _night(alice, inc.ref or "", utc(2026, 3, 2, 23), list(range(0, 271, 30)))
    oc = OnCallCommands(store, pol, roster, "frank", LONDON)
    result = await oc.cover("alice", start=utc(2026, 3, 3, 9), end=utc(2026, 3, 3, 17))
    rest = [w for w in result.warnings if w.rule == "rest_rule"]
    assert [w.person for w in rest] == ["alice"]
    assert "but the override starts Tue 2026-03-03 09:00 GMT" in rest[0].message
    report = await health_report(store, roster, pol, clock.now())
    assert [f.person for f in report.rest] == ["alice"]


def test_cli_prints_health_warnings_when_an_override_is_created(
    db_path: Path, pol_dir: Path
) -> None:
    wr = Warroom(db_path, actor="frank", tz="Europe/London", policies=pol_dir)
    r: Result = wr("oncall", "override", "dave", "--shift", "2026-03-18")
    assert r.exit_code == 0
    assert "override #1: dave on platform-primary for alice" in r.stdout
    assert "warning: dave would have only 1.0 weeks off between shifts" in r.stderr
    health = wr.json("oncall", "health", "--at", "2026-03-04T12:00")
    # one week off before the cover, and one after it until his secondary week of 30 March
    assert [v["rule"] for v in health["violations"]] == ["min_weeks_between_rotations"] * 2
