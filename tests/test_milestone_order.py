"""Milestones stay in order: mitigating or resolving an unacknowledged incident
acknowledges it at the same moment (so the no-ack pages stop); an ack after the
mitigation is refused naming both times; a mitigated incident never re-pages "no ack"."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.cli_helpers import Warroom
from tests.data import T0
from warroom.clock import ManualClock
from warroom.durations import incident_durations
from warroom.escalation import plan
from warroom.escalation.snapshot import load_snapshot
from warroom.incident.commands import Commands
from warroom.incident.queries import load_view
from warroom.models import Incident
from warroom.policy import Policies


async def test_mitigating_an_unacknowledged_incident_acknowledges_it(
    commands: Commands, clock: ManualClock, policies: Policies
) -> None:
    inc = await commands.declare("Checkout down", 1, ic="alice")
    clock.advance(minutes=3)
    await commands.mitigate("INC-1")
    view = await load_view(commands.store, "INC-1")
    i = view.incident
    assert i.acknowledged_at == i.mitigated_at == T0 + timedelta(minutes=3)
    assert i.acknowledged_by == "alice"
    milestones = [e for e in view.timeline if e.kind in ("ack", "mitigated")]
    assert [e.kind for e in milestones] == ["ack", "mitigated"]
    assert milestones[0].text == "Acknowledged by alice (with the mitigation)"
    d = incident_durations(i)
    assert d["time_to_ack_min"] is not None and d["time_to_mitigate_min"] is not None
    assert d["time_to_ack_min"] <= d["time_to_mitigate_min"]
    # the 15-minute no-ack re-page never comes
    assert inc.id is not None
    snap = await load_snapshot(commands.store, inc.id)
    due = plan(policies, snap, T0 + timedelta(minutes=20)).due
    assert [s.step_id for s in due if s.condition == "no_ack"] == []


async def test_resolving_an_unacknowledged_incident_acknowledges_it(
    commands: Commands, clock: ManualClock
) -> None:
    await commands.declare("Checkout down", 2, ic="alice")
    clock.advance(minutes=7)
    await commands.resolve("INC-1")
    i = (await load_view(commands.store, "INC-1")).incident
    assert i.acknowledged_at == i.mitigated_at == i.resolved_at


async def test_a_mitigated_unacknowledged_incident_from_an_old_database_never_pages_no_ack(
    commands: Commands, clock: ManualClock, policies: Policies
) -> None:
    inc = await commands.declare("Checkout down", 1, ic="alice")
    clock.advance(minutes=3)
    await commands.mitigate("INC-1")

    async def unack(s: AsyncSession) -> None:  # a row as written before the fix
        await s.execute(update(Incident).values(acknowledged_at=None, acknowledged_by=None))

    await commands.store.transaction(unack)
    assert inc.id is not None
    snap = await load_snapshot(commands.store, inc.id)
    p = plan(policies, snap, T0 + timedelta(minutes=20))
    assert "sev1-no-ack-15" not in [s.step_id for s in p.due + p.upcoming]


def test_an_ack_after_the_mitigation_is_refused_naming_both_times(tmp_path: Path) -> None:
    wr = Warroom(tmp_path / "w.db")
    assert wr("declare", "--sev", "1", "--title", "x", "--at", "2026-03-02T10:00").exit_code == 0
    assert wr("mitigate", "INC-1", "--at", "2026-03-02T10:30").exit_code == 0
    r = wr("ack", "INC-1", "--at", "2026-03-02T10:40")
    assert r.exit_code == 2, r.output
    assert "mitigated at 2026-03-02 10:30:00" in r.stderr
    assert "acknowledgment at 2026-03-02 10:40:00" in r.stderr
    shown = wr.json("show", "INC-1")
    assert shown["acknowledged_at"] == "2026-03-02T10:30:00Z"
    assert shown["time_to_ack_min"] <= shown["time_to_mitigate_min"]


def test_a_backdated_ack_before_the_mitigation_replaces_the_implied_one(tmp_path: Path) -> None:
    wr = Warroom(tmp_path / "w.db")
    assert wr("declare", "--sev", "1", "--title", "x", "--at", "2026-03-02T10:00").exit_code == 0
    assert wr("mitigate", "INC-1", "--at", "2026-03-02T10:30").exit_code == 0
    r = wr("ack", "INC-1", "--at", "2026-03-02T10:05", actor="bob")
    assert r.exit_code == 0, r.output
    shown = wr.json("show", "INC-1")
    assert shown["acknowledged_at"] == "2026-03-02T10:05:00Z"
    assert shown["time_to_ack_min"] == 5
    # once an explicit ack is recorded, another is refused
    assert wr("ack", "INC-1", "--at", "2026-03-02T10:01").exit_code == 2


def test_mitigating_before_a_recorded_ack_is_refused(tmp_path: Path) -> None:
    wr = Warroom(tmp_path / "w.db")
    assert wr("declare", "--sev", "1", "--title", "x", "--at", "2026-03-02T10:00").exit_code == 0
    assert wr("ack", "INC-1", "--at", "2026-03-02T10:20").exit_code == 0
    r = wr("mitigate", "INC-1", "--at", "2026-03-02T10:10")
    assert r.exit_code == 2
    assert "mitigated at 2026-03-02 10:10:00" in r.stderr
    assert "acknowledged at 2026-03-02 10:20:00" in r.stderr
