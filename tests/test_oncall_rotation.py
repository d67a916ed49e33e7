"""`warroom oncall rotation add`: checked in full, written atomically, comments kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import Warroom
from tests.oncall_helpers import demo_roster


@pytest.fixture
def wr(db_path: Path, pol_dir: Path) -> Warroom:
    return Warroom(db_path, actor="frank", tz="UTC", policies=pol_dir)


def add(wr: Warroom, *extra: str, members: str = "alice,bob,carol,dave,erin") -> object:
    return wr(
        "oncall", "rotation", "add", "db-primary", "--name", "Database primary",
        "--members", members, "--zone", "America/New_York", "--start", "2026-03-02", *extra,
    )  # fmt: skip


def test_a_new_rotation_is_added_with_policy_defaults_and_comments_kept(
    wr: Warroom, pol_dir: Path
) -> None:
    r = add(wr, members="bob,Carol,@dave,erin,alice")
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    text = (pol_dir / "roster.yaml").read_text()
    assert text.startswith("# A complete example roster")  # the hand-written comments survive
    rot = demo_roster(pol_dir).rotation("db-primary")
    assert rot is not None
    assert rot.members == ["bob", "carol", "dave", "erin", "alice"]  # names from the roster
    assert (rot.period, rot.handoff_weekday, rot.handoff_time) == ("weekly", "monday", "10:00")
    data = wr.json("oncall", "--at", "2026-03-04T12:00")
    db = next(x for x in data["rotations"] if x["id"] == "db-primary")
    assert db["person"] == "bob" and db["since"] == "2026-03-02T15:00:00Z"  # 10:00 EST


@pytest.mark.parametrize(
    ("extra", "members", "message"),
    [
        ((), "alice,bob,carol,dave", "has 4 members; the on-call policy asks for at least 5"),
        ((), "alice,bob,carol,dave,mallory", "'mallory' is not in the roster's people"),
        ((), "alice,bob,carol,dave,dave", "listed twice"),
        (("--time", "25:00"), "alice,bob,carol,dave,erin", "expected a local time as HH:MM"),
        (("--start", "next monday"), "alice,bob,carol,dave,erin", "is not a date"),
    ],
)
def test_bad_rotations_are_refused_and_nothing_is_written(
    wr: Warroom, pol_dir: Path, extra: tuple[str, ...], members: str, message: str
) -> None:
    before = (pol_dir / "roster.yaml").read_bytes()
    r = add(wr, *extra, members=members)
    assert r.exit_code == 2, r.output  # type: ignore[attr-defined]
    assert message in r.stderr  # type: ignore[attr-defined]
    assert (pol_dir / "roster.yaml").read_bytes() == before


def test_unknown_zone_and_duplicate_id(wr: Warroom, pol_dir: Path) -> None:
    before = (pol_dir / "roster.yaml").read_bytes()
    r = wr(
        "oncall", "rotation", "add", "x", "--members", "alice,bob,carol,dave,erin",
        "--zone", "Europe/Atlantis", "--start", "2026-03-02",
    )  # fmt: skip
    assert r.exit_code == 2 and "unknown time zone 'Europe/Atlantis'" in r.stderr
    r = wr(
        "oncall", "rotation", "add", "platform-primary", "--members", "alice,bob,carol,dave,erin",
        "--zone", "Europe/London", "--start", "2026-03-02",
    )  # fmt: skip
    assert r.exit_code == 2 and "already a rotation 'platform-primary'" in r.stderr
    assert (pol_dir / "roster.yaml").read_bytes() == before


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('handoff_time: "10:00"', "handoff_time: 10:00", 'quote it: "10:00"'),
        ("    zone: Europe/London\n", "    zone: Europe/London\n    zone: UTC\n", "twice"),
        ("    members:", "    offset: true\n    members:", "expected a number"),
    ],
)
def test_a_hand_edited_roster_mistake_is_named_not_guessed(
    wr: Warroom, pol_dir: Path, old: str, new: str, message: str
) -> None:
    path = pol_dir / "roster.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    r = wr("oncall", "--at", "2026-03-04T12:00")
    assert r.exit_code == 2, r.output
    assert "roster.yaml: at rotations.0." in r.stderr and message in r.stderr
