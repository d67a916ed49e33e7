"""Overrides and swaps change `warroom oncall --at` exactly in their window; bad input
is refused with exit 2 and nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import Warroom
from tests.oncall_helpers import (
    demo_roster,
    override_count,
    stored_overrides,
    utc,
)
from warroom.clock import ManualClock
from warroom.errors import BadInput
from warroom.oncall.overrides import OnCallCommands
from warroom.policy import load_policies
from warroom.store import Store


@pytest.fixture
def wr(db_path: Path, pol_dir: Path) -> Warroom:
    return Warroom(db_path, actor="frank", tz="Europe/London", policies=pol_dir)


def who(wr: Warroom, at: str, kind: str = "primary") -> str:
    return wr.json("oncall", "--at", at)[kind]


def test_oncall_answers_primary_secondary_since_until_and_next_three(wr: Warroom) -> None:
    data = wr.json("oncall", "--at", "2026-03-04T12:00")
    assert (data["primary"], data["secondary"]) == ("dave", "erin")
    primary = data["rotations"][0]
    assert primary["since"] == "2026-03-02T10:00:00Z"
    assert primary["until"] == "2026-03-09T10:00:00Z"
    assert [(h["at"], h["outgoing"], h["incoming"]) for h in primary["next_handoffs"]] == [
        ("2026-03-09T10:00:00Z", "dave", "erin"),
        ("2026-03-16T10:00:00Z", "erin", "alice"),
        ("2026-03-23T10:00:00Z", "alice", "bob"),
    ]
    # After the clocks change, the handoff is still 10:00 London time (09:00 UTC).
    later = wr.json("oncall", "--at", "2026-04-01T12:00")["rotations"][0]
    assert later["since"] == "2026-03-30T09:00:00Z"
    text = wr("--tz", "America/New_York", "oncall", "--at", "2026-04-01T12:00").output
    assert "Mon 2026-04-06 05:00 EDT" in text  # the same handoff, read in New York


def test_a_cover_changes_the_answer_exactly_in_its_window(wr: Warroom) -> None:
    r = wr(
        "oncall", "override", "frank", "--from", "2026-03-05T18:00", "--until", "2026-03-06T08:00"
    )
    assert r.exit_code == 0, r.output
    assert "arranged by frank" in r.output
    assert who(wr, "2026-03-05T17:59:59") == "dave"
    assert who(wr, "2026-03-05T18:00") == "frank"
    assert who(wr, "2026-03-06T07:59:59") == "frank"
    assert who(wr, "2026-03-06T08:00") == "dave"
    during = wr.json("oncall", "--at", "2026-03-05T20:00")["rotations"][0]
    assert during["override"] == {
        "id": 1,
        "kind": "cover",
        "replaces": "dave",
        "arranged_by": "frank",
    }
    assert (during["since"], during["until"]) == ("2026-03-05T18:00:00Z", "2026-03-06T08:00:00Z")
    # The next handoff is now the end of the cover.
    assert during["next_handoffs"][0] == {
        "at": "2026-03-06T08:00:00Z",
        "outgoing": "frank",
        "incoming": "dave",
        "regular": False,
    }
    # The secondary is untouched.
    assert who(wr, "2026-03-05T20:00", "secondary") == "erin"


def test_a_swap_trades_two_whole_shifts(wr: Warroom) -> None:
    r = wr(
        "oncall",
        "swap",
        "dave",
        "alice",
        "--at",
        "2026-03-04T12:00",
        "--their",
        "2026-03-18",
        "--reason",
        "school holiday",
    )
    assert r.exit_code == 0, r.output
    assert r.output.count("arranged by frank") == 2
    # dave's week (2 to 9 March) is alice's now, alice's (16 to 23 March) is dave's.
    assert who(wr, "2026-03-02T09:59:59") == "carol"
    assert who(wr, "2026-03-02T10:00") == "alice"
    assert who(wr, "2026-03-09T09:59:59") == "alice"
    assert who(wr, "2026-03-09T10:00") == "erin"
    assert who(wr, "2026-03-16T09:59:59") == "erin"
    assert who(wr, "2026-03-16T10:00") == "dave"
    assert who(wr, "2026-03-23T09:59:59") == "dave"
    assert who(wr, "2026-03-23T10:00") == "bob"
    listed = wr.json("oncall", "list", "--all")
    assert {(o["person"], o["replaces"], o["kind"]) for o in listed} == {
        ("alice", "dave", "swap"),
        ("dave", "alice", "swap"),
    }
    assert {o["reason"] for o in listed} == {"school holiday"}
    # Cancelling one half cancels the swap.
    r = wr("oncall", "cancel", str(listed[0]["id"]))
    assert r.exit_code == 0 and r.output.count("cancelled #") == 2
    assert who(wr, "2026-03-04T12:00") == "dave"


def test_a_cover_across_a_handoff_replaces_both_people(wr: Warroom) -> None:
    r = wr(
        "oncall", "override", "frank", "--from", "2026-03-08T20:00", "--until", "2026-03-09T20:00"
    )
    assert r.exit_code == 0, r.output
    rows = wr.json("oncall", "list", "--all")
    assert [(o["replaces"], o["starts_at"], o["ends_at"]) for o in rows] == [
        ("dave", "2026-03-08T20:00:00Z", "2026-03-09T10:00:00Z"),
        ("erin", "2026-03-09T10:00:00Z", "2026-03-09T20:00:00Z"),
    ]
    assert who(wr, "2026-03-09T10:30") == "frank"
    assert who(wr, "2026-03-09T20:00") == "erin"


def test_bad_overrides_exit_2_and_store_nothing(wr: Warroom, db_path: Path) -> None:
    ok = wr(
        "oncall", "override", "frank", "--from", "2026-03-05T18:00", "--until", "2026-03-06T08:00"
    )
    assert ok.exit_code == 0
    cases = [
        # overlaps the cover above
        ("oncall", "override", "bob", "--from", "2026-03-06T07:00", "--until", "2026-03-06T09:00"),
        # swap with someone outside the rotation (frank is in the roster, not the rotation)
        ("oncall", "swap", "dave", "frank", "--at", "2026-03-04T12:00"),
        # swap with a stranger
        ("oncall", "swap", "dave", "mallory", "--at", "2026-03-04T12:00"),
        # a person not in the roster covers
        ("oncall", "override", "mallory", "--shift", "2026-03-20"),
        # back to front
        ("oncall", "override", "bob", "--from", "2026-03-20T10:00", "--until", "2026-03-20T09:00"),
        # the scheduled person "covers" themselves
        ("oncall", "override", "alice", "--shift", "2026-03-18"),
        # an unknown rotation
        ("oncall", "override", "bob", "--shift", "2026-03-18", "--rotation", "nope"),
        # a swap whose second half overlaps the cover: the first half is not stored either
        (
            "oncall",
            "swap",
            "bob",
            "dave",
            "--at",
            "2026-01-12T12:00",
            "--their",
            "2026-03-05T19:00",
        ),
        # an unknown zone
        ("--tz", "Mars/Olympus", "oncall", "--at", "2026-03-04T12:00"),
    ]
    for args in cases:
        r = wr(*args)
        assert r.exit_code == 2, (args, r.output)
        assert "Traceback" not in r.output
        assert r.stderr.startswith("warroom: "), r.stderr
    assert stored_overrides(db_path) == 1
    assert who(wr, "2026-03-04T12:00") == "dave"


async def test_swap_refusal_in_the_command_layer(
    pol_dir: Path, db_path: Path, clock: ManualClock
) -> None:
    policies = load_policies(pol_dir)
    store = await Store.open(db_path, clock)
    try:
        cmds = OnCallCommands(store, policies, demo_roster(pol_dir), "frank")
        with pytest.raises(BadInput, match="not a member of rotation platform-primary"):
            await cmds.swap("dave", "frank")
        with pytest.raises(BadInput, match="names carol then, not dave"):
            await cmds.swap("dave", "erin", at=utc(2026, 2, 24))
        result = await cmds.swap("dave", "erin")  # their next shifts from now (2 March)
        assert [(o.person, o.replaces) for o in result.rows] == [("erin", "dave"), ("dave", "erin")]
        assert result.rows[0].starts_at == utc(2026, 3, 2, 10)
        assert result.rows[1].starts_at == utc(2026, 3, 9, 10)
        assert {o.arranged_by for o in result.rows} == {"frank"}
        assert await override_count(store) == 2
    finally:
        await store.close()


def test_a_cover_typed_as_hhmm_is_for_today_not_yesterday(
    wr: Warroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warroom.clock import SystemClock

    monkeypatch.setattr(SystemClock, "now", lambda self: utc(2026, 3, 4, 9, 0))  # Wed 09:00
    r = wr("oncall", "override", "frank", "--from", "14:00", "--until", "18:00", "--json")
    assert r.exit_code == 0, r.output
    assert who(wr, "15:00") == "frank"
    assert who(wr, "2026-03-03T15:00") == "dave"
