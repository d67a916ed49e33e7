"""``warroom compliance``: the auditor's checklist judged against hand-built incidents."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli_helpers import Warroom
from warroom.clock import ManualClock
from warroom.compliance import evaluate
from warroom.errors import PolicyError
from warroom.incident.commands import Commands
from warroom.policy import Policies, load_policies
from warroom.store import Store


def at(hhmm: str, day: int = 2) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(2026, 3, day, h, m, tzinfo=UTC)


def tamper(db: Path, sql: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(sql)


SECTIONS = {
    k: "Written."
    for k in (
        "executive_summary",
        "impact",
        "root_cause",
        "detection",
        "response",
        "lessons_learned",
    )
}


async def build(commands: Commands, clock: ManualClock, db: Path) -> None:
    """INC-1 passes every check; INC-2..INC-7 each fail exactly one; INC-8 is a drill."""
    c = commands
    clock.set(at("12:30"))
    # INC-1: SEV1 by the book: an IC, updates every <30 min, owned action item,
    # post-mortem Final two hours after resolution.
    await c.declare("Checkout down", 1, ic="alice", at=at("09:00"))
    for t in ("09:20", "09:45", "10:10"):
        await c.record_status("INC-1", "Still on it", at=at(t))
    await c.resolve("INC-1", at=at("10:30"))
    await c.add_action("INC-1", "Add a canary", owner="bob", due="2026-03-20")
    await c.save_sections("INC-1", SECTIONS)
    await c.move_postmortem_status("INC-1", "in_review")
    await c.move_postmortem_status("INC-1", "final")
    # INC-2: SEV2 that never had an incident commander.
    await c.declare("Search slow", 2, at=at("09:00"))
    await c.resolve("INC-2", at=at("09:30"))
    # INC-3: SEV3 whose first timeline entry was edited in the database afterwards.
    await c.declare("Report job late", 3, at=at("09:00"))
    # INC-4: SEV3 with an action item nobody owns (due: the policy's default for a P2).
    await c.declare("Dashboard down", 3, at=at("09:00"))
    await c.add_action("INC-4", "Fix the dashboard")
    # INC-5: SEV1 resolved fast, no post-mortem started: overdue on March 4 at 09:20.
    await c.declare("API errors", 1, ic="alice", at=at("09:00"))
    await c.resolve("INC-5", at=at("09:20"))
    # INC-6: SEV1 with 75 minutes between two status updates (cadence 30).
    await c.declare("Login fails", 1, ic="alice", at=at("10:00"))
    for t in ("10:30", "11:45"):
        await c.record_status("INC-6", "Update", at=at(t))
    await c.resolve("INC-6", at=at("12:00"))
    # INC-7: SEV3 whose severity was corrupted to 0 in the database.
    await c.declare("Typo", 3, at=at("09:00"))
    # INC-8: a drill breaking rules: never counted.
    await c.declare("Drill: DB failover", 1, at=at("09:00"), drill=True)
    tamper(db, "UPDATE timeline_entry SET text = 'Nothing happened' WHERE incident_id = 3")
    tamper(db, "UPDATE incident SET severity = 0 WHERE id = 7")


async def test_each_check_passes_the_good_incident_and_fails_one_for_its_reason(
    commands: Commands, clock: ManualClock, store: Store, policies: Policies, db_path: Path
) -> None:
    await build(commands, clock, db_path)
    report = await evaluate(store, policies, now=at("10:00", day=4))
    assert report.incidents == [f"INC-{n}" for n in range(1, 8)]  # no drill
    failures = {c.id: {f.ref: f.reason for f in c.failed} for c in report.checks}
    assert failures == {
        "severity-set": {"INC-7": "severity 0 is not one of SEV1..SEV4"},
        "ic-assigned": {"INC-2": "no incident commander was ever assigned"},
        "timeline-intact": {
            "INC-3": "the timeline hash chain is broken: entry 1 was altered after it was written"
        },
        "postmortem-on-time": {
            "INC-5": "no post-mortem was started, 40m 00s past its deadline "
            "(2026-03-04 09:20, 48 h after resolution)"
        },
        "action-items-owned": {"INC-4": "AI-2 has no owner"},
        "updates-on-cadence": {
            "INC-6": "no status update between 10:30 and 11:45, 45 min over the 30-min cadence"
        },
    }
    assert all("INC-1" in c.passed for c in report.checks)
    counts = {c.id: (len(c.passed), len(c.failed), len(c.not_applicable)) for c in report.checks}
    assert counts["ic-assigned"] == (3, 1, 3)  # SEV1/SEV2 only
    assert counts["timeline-intact"] == (6, 1, 0)
    assert counts["postmortem-on-time"] == (1, 1, 5)  # INC-2, INC-6 not due yet
    assert not report.ok

    since = await evaluate(store, policies, now=at("10:00", day=4), since=at("09:30"))
    assert since.incidents == ["INC-6"]


def test_cli_exit_codes_and_json(tmp_path: Path) -> None:
    wr = Warroom(tmp_path / "w.db")
    assert wr("declare", "--sev", "3", "--title", "Queue backlog").exit_code == 0
    ok = wr("compliance")
    assert ok.exit_code == 0, ok.output
    assert "PASS  timeline-intact" in ok.stdout and "All 6 checks passed." in ok.stdout

    tamper(wr.db, "UPDATE timeline_entry SET author = 'mallory'")
    r = wr("compliance")
    assert r.exit_code == 1
    assert "FAIL  timeline-intact" in r.stdout
    assert "- INC-1: the timeline hash chain is broken: entry 1 was altered" in r.stdout
    data = json.loads(wr("compliance", "--json").stdout)
    check = next(c for c in data["checks"] if c["id"] == "timeline-intact")
    assert (data["ok"], check["state"], check["failed"]) == (False, "fail", 1)
    assert check["failures"][0]["ref"] == "INC-1"
    assert wr("compliance", "--since", "yesterday-ish").exit_code == 2


def test_an_unknown_check_id_is_refused_when_the_policies_load(
    policies_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "policies"
    shutil.copytree(policies_dir, folder)
    path = folder / "compliance.yaml"
    path.write_text(path.read_text().replace("id: ic-assigned", "id: ic-asigned"))
    with pytest.raises(PolicyError) as err:
        load_policies(folder)
    msg = err.value.message
    assert msg.startswith(f"{path}: at checks.1.id:")
    assert "did you mean 'ic-assigned'?" in msg
    assert "severity-set, ic-assigned, timeline-intact, postmortem-on-time" in msg
