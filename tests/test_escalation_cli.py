"""``warroom escalations``, ``watch``, ``drill`` and ``policies check`` on rosters."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import Warroom
from tests.escalation_support import Receiver, receiver, roster_for
from warroom.clock import ManualClock
from warroom.drills.drill import DrillClock, load_scenario, run_drill, scenario_names
from warroom.notify import DrillSender
from warroom.policy import Policies
from warroom.store import Store

DECLARED = "2026-03-02T09:00Z"


@pytest.fixture
def pdir(tmp_path: Path, policies_dir: Path) -> Path:
    d = tmp_path / "policies"
    shutil.copytree(policies_dir, d)
    return d


def write_roster(pdir: Path, rec: Receiver | None = None, **kw: object) -> None:
    data = roster_for(rec, **kw).model_dump(mode="json", exclude_defaults=True)  # type: ignore[arg-type]
    (pdir / "roster.yaml").write_text(yaml.safe_dump(data))


@pytest.fixture
def wr(tmp_path: Path, pdir: Path) -> Warroom:
    write_roster(pdir)
    w = Warroom(tmp_path / "w.db", policies=pdir)
    r = w("declare", "--sev", "1", "--title", "Checkout down", "--ic", "alice", "--at", DECLARED)
    assert r.exit_code == 0, r.output
    return w


def test_escalations_json_contract(wr: Warroom) -> None:
    data = wr.json("escalations", "INC-1", "--now", "2026-03-02T09:20Z")
    assert data["fired"] == []  # no engine ran: the page at declaration is due too
    assert [s["step_id"] for s in data["due"]] == ["sev1-page", "sev1-no-ack-15"]
    assert [s["step_id"] for s in data["upcoming"]] == [
        "sev1-unresolved-30",
        "sev1-unresolved-60",
        "sev1-unresolved-120",
    ]
    page = data["due"][0]
    assert page["condition"] == "no_ack" and page["after_minutes"] == 0
    assert page["targets"] == ["primary_oncall"] and page["urgency"] == "high"
    assert page["due_at"] == "2026-03-02T09:00:00Z" and page["due_in_min"] == -20
    assert page["people"] == [
        {"person": "carol", "target": "primary_oncall", "label": "primary on-call"}
    ]
    assert data["next_step"]["step_id"] == "sev1-page"
    due = data["due"][1]
    assert due["condition"] == "no_ack"
    assert due["after_minutes"] == 15
    assert due["action"].startswith("Re-page the on-call engineer")
    assert due["targets"] == ["primary_oncall", "secondary_oncall"]
    assert due["due_at"] == "2026-03-02T09:15:00Z"
    assert due["people"] == [
        {"person": "carol", "target": "primary_oncall", "label": "primary on-call"},
        {"person": "dave", "target": "secondary_oncall", "label": "secondary on-call"},
    ]
    nxt = data["upcoming"][0]
    assert nxt["due_at"] == "2026-03-02T09:30:00Z" and nxt["due_in_min"] == 10
    assert data["status_update"] == {
        "every_minutes": 30,
        "last_at": None,
        "next_due_at": "2026-03-02T09:30:00Z",
        "overdue": False,
    }
    assert [lvl["person"] for lvl in data["escalation_policy"]] == ["carol", "dave", "frank"]
    # At the declaration only its page is due, the rest is upcoming; after an ack, the
    # no_ack steps are cancelled.
    early = wr.json("escalations", "INC-1", "--now", "2026-03-02T09:00Z")
    assert [s["step_id"] for s in early["due"]] == ["sev1-page"]
    assert early["due"][0]["due_in_min"] == 0 and len(early["upcoming"]) == 4
    assert wr("ack", "INC-1", "--at", "2026-03-02T09:10Z").exit_code == 0
    later = wr.json("escalations", "INC-1", "--now", "2026-03-02T09:20Z")
    assert later["due"] == []
    assert [(c["step_id"], c["cancelled_by"]) for c in later["cancelled"]] == [
        ("sev1-page", "ack"),
        ("sev1-no-ack-15", "ack"),
    ]


def test_two_zones_show_the_same_due_times(wr: Warroom) -> None:
    ny = Warroom(wr.db, tz="America/New_York", policies=wr.policies)
    kol = Warroom(wr.db, tz="Asia/Kolkata", policies=wr.policies)
    a = ny.json("escalations", "INC-1", "--now", "2026-03-02T04:20")  # 09:20Z in New York
    b = kol.json("escalations", "INC-1", "--now", "2026-03-02T14:50")  # 09:20Z in Kolkata
    assert a == b
    text_ny = ny("escalations", "INC-1", "--now", "2026-03-02T04:20").output
    text_kol = kol("escalations", "INC-1", "--now", "2026-03-02T14:50").output
    assert "2026-03-02 04:30" in text_ny and "2026-03-02 15:00" in text_kol  # 09:30Z


def test_escalations_bad_input(wr: Warroom) -> None:
    r = wr("escalations", "INC-99")
    assert r.exit_code == 2 and "no incident INC-99" in r.stderr
    r = wr("escalations", "INC-1", "--now", "yesterday-ish")
    assert r.exit_code == 2 and "--now" in r.stderr and "Traceback" not in r.output


def test_watch_once_fires_overdue_steps_in_order_and_only_once(wr: Warroom) -> None:
    r = wr("watch", "--once")
    assert r.exit_code == 0, r.output
    lines = [x for x in r.stdout.splitlines() if "Escalation" in x]
    assert [x.split("Escalation ")[1].split(":")[0] for x in lines] == [
        "sev1-page",
        "sev1-no-ack-15",
        "sev1-unresolved-30",
        "sev1-unresolved-60",
        "sev1-unresolved-120",
    ]
    # Declared (with --at) long before this test ran: each step is late, and says why.
    assert all(
        " late (the declaration was entered after the fact, when this step was already due)." in x
        for x in lines
    )
    again = wr("watch", "--once")
    assert again.exit_code == 0 and "Escalation" not in again.stdout
    data = wr.json("escalations", "INC-1")
    assert [s["step_id"] for s in data["fired"]] == [
        "sev1-page",
        "sev1-no-ack-15",
        "sev1-unresolved-30",
        "sev1-unresolved-60",
        "sev1-unresolved-120",
    ]
    assert all(s["late_min"] > 0 for s in data["fired"]) and data["due"] == []


def test_watch_without_roster_says_nobody_can_be_paged(tmp_path: Path) -> None:
    w = Warroom(tmp_path / "w.db")
    w("declare", "--sev", "1", "--title", "Down", "--at", DECLARED)
    r = w("watch", "--once")
    assert r.exit_code == 0 and "no roster" in r.stderr
    assert "nobody could be paged" in r.stdout


def test_three_watch_processes_page_each_step_once(tmp_path: Path, pdir: Path) -> None:
    with receiver() as rec:
        write_roster(pdir, rec, methods=("push",))
        w = Warroom(tmp_path / "w.db", policies=pdir)
        for n in range(3):
            w("declare", "--sev", "1", "--title", f"Down {n}", "--at", DECLARED)
        main = "from warroom.cli import main; main()"
        cmd = [sys.executable, "-c", main, "--db", str(w.db), "--policies", str(pdir)]
        procs = [
            subprocess.Popen(
                [*cmd, "watch", "--once"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(3)
        ]
        outs = [p.communicate(timeout=60) for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], outs
        fired = [
            line for out, _ in outs for line in out.decode().splitlines() if "Escalation" in line
        ]
        assert len(fired) == 15  # 3 incidents x 5 steps, across the three processes
        for n in (1, 2, 3):
            data = w.json("escalations", f"INC-{n}")
            assert len(data["fired"]) == 5 and data["due"] == []
        paths = [p for p, _ in rec.received]
        assert len(paths) == len(set((p, b["message"]) for p, b in rec.received))
        assert len(paths) > 0


def test_policies_check_reports_every_roster_problem_with_file_and_key(pdir: Path) -> None:
    (pdir / "roster.yaml").write_text(
        yaml.safe_dump(
            {
                "people": [
                    {
                        "name": "alice",
                        "contacts": {"push": "nosuchservice://x", "sms": "json://h/x"},
                    },
                    {"name": "bob", "contacts": {"sms": "not a url"}},
                ],
                "rotations": [
                    {
                        "id": "p",
                        "name": "Primary",
                        "kind": "primary",
                        "zone": "Europe/London",
                        "start": "2026-01-05",
                        "members": ["alice", "zed"],
                    }
                ],
                "targets": {"team_lead": ["yolanda"], "engineering_manager": "bob"},
            }
        )
    )
    w = Warroom(pdir.parent / "w.db")
    r = w("policies", "check", str(pdir))
    assert r.exit_code == 2, r.output
    roster, esc = str(pdir / "roster.yaml"), str(pdir / "escalation.yaml")
    for expected in (
        f"{roster}: at people.0.contacts.push: alice's push: apprise does not accept",
        f"{roster}: at people.1.contacts.sms: bob's sms: not an apprise URL",
        f"{roster}: at rotations.0.members.1: 'zed' is not in people",
        f"{roster}: at targets.team_lead.0: 'yolanda' is not in people",
        f"{esc}: at time_based.SEV1.0.targets.1: nobody fills secondary_oncall",
        f"{esc}: at time_based.SEV1.1.targets.0: nobody fills team_lead",
        f"{esc}: at time_based.SEV1.3.targets.0: nobody fills all_hands: add targets.all_hands "
        "to roster.yaml; step 'sev1-unresolved-120' can never page anyone",
        f"{pdir / 'oncall.yaml'}: at escalation_policy.levels.1.target: nobody fills secondary",
    ):
        assert expected in r.stderr, expected
    assert "json://h/x" not in r.stderr  # a good contact is not a problem


def test_policies_check_accepts_the_example_roster(pdir: Path, data_dir: Path) -> None:
    shutil.copy(data_dir / "roster.yaml", pdir / "roster.yaml")
    r = Warroom(pdir.parent / "w.db")("policies", "check", str(pdir))
    assert r.exit_code == 0, r.output
    assert "roster.yaml: ok (6 people, 2 rotations, 4 targets)" in r.stdout


async def _drill(  # type: ignore[no-untyped-def]
    tmp_path: Path,
    policies: Policies,
    wall: ManualClock,
    scenario: str,
    sender: DrillSender | None = None,
):
    """Play ``scenario`` at 30000x on ``wall``; the result and the rows it showed."""
    clock = DrillClock(wall)
    store = await Store.open(tmp_path / "drill.db", clock)

    async def sleep(wall_seconds: float) -> None:  # the drill clock runs 30000x faster
        wall.advance(timedelta(seconds=wall_seconds * 30000))

    shown: list[tuple[object, ...]] = []
    try:
        result = await run_drill(
            store,
            policies,
            roster_for(),
            load_scenario(scenario),
            clock,
            sender=sender or DrillSender(),
            speed=30000,
            sleep=sleep,
            show=shown.append,  # type: ignore[arg-type]
        )
    finally:
        await store.close()
    return result, shown


async def test_drill_plays_a_scenario_on_a_fast_clock(
    tmp_path: Path, policies: Policies, data_dir: Path
) -> None:
    assert {"sev1-full-outage", "sev2-degradation"} <= set(scenario_names())
    sender = DrillSender()
    result, shown = await _drill(tmp_path, policies, ManualClock(), "sev1-full-outage", sender)
    assert result.incident.drill and result.incident.status == "resolved"
    assert result.pages == 5  # at the declaration, then 15, 30, 60 and 120 minutes
    texts = [str(row[6]) for row in shown]
    assert sum(t.startswith("Escalation sev1-") for t in texts) == 5
    assert all(m.title.startswith("[DRILL] SEV1") for _, m in sender.sent)
    assert not any("late" in t for t in texts if t.startswith("Escalation"))
    at = {str(row[6]).split(":")[0]: row[1] for row in shown}
    declared = result.incident.declared_at
    assert at["Escalation sev1-page"] == declared
    assert at["Escalation sev1-no-ack-15"] == declared + timedelta(minutes=15)
    assert at["Escalation sev1-unresolved-120"] == declared + timedelta(minutes=120)


class RunningClock(ManualClock):
    """Drill time that moves on at every reading, as a fast wall clock does while the
    database works (here 20 drill seconds a reading)."""

    def now(self) -> datetime:
        return self.advance(seconds=20)


async def test_drill_page_at_declaration_is_on_time_on_a_running_clock(
    tmp_path: Path, policies: Policies
) -> None:
    result, shown = await _drill(tmp_path, policies, RunningClock(), "sev2-degradation")
    pages = {str(row[6]).split(":")[0]: (row[1], str(row[6])) for row in shown}
    declared = result.incident.declared_at
    at, text = pages["Escalation sev2-page"]
    assert at == declared and "late" not in text
    at, text = pages["Escalation sev2-no-ack-30"]
    assert at == declared + timedelta(minutes=30) and "late" not in text


def test_drill_cli(tmp_path: Path, pdir: Path) -> None:
    w = Warroom(tmp_path / "w.db", policies=pdir)
    listing = w("drill", "--list")
    assert "sev1-full-outage" in listing.stdout and "sev2-degradation" in listing.stdout
    r = w("drill", "nope")
    assert r.exit_code == 2 and "no drill scenario 'nope'" in r.stderr
    db = tmp_path / "drill.db"
    r = w("drill", "sev2-degradation", "--speed", "20000", "--drill-db", str(db))
    assert r.exit_code == 0, r.output
    assert "Escalation sev2-no-ack-30" in r.stdout and "drill over: INC-1" in r.stdout
    assert not w.db.exists() or "INC-1" not in w("list").stdout  # its own database
    shown = Warroom(db).json("show", "INC-1")
    assert shown["drill"] is True


def test_watch_once_that_fails_exits_1_and_says_so_once(
    wr: Warroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warroom.escalation.loop import EscalationLoop

    async def broken(self: EscalationLoop, report: object) -> None:
        raise OSError("disk I/O error")

    monkeypatch.setattr(EscalationLoop, "_tick", broken)
    r = wr("watch", "--once")
    assert r.exit_code == 1, r.output
    assert r.stderr.count("disk I/O error") == 1 and "still running" not in r.stderr
    assert "Traceback" not in r.output
