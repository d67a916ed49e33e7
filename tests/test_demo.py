"""`warroom demo`: the demo database it builds (from data/ through the command layer),
and that it never touches the user's own database."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from warroom.cli import cli
from warroom.clock import ManualClock
from warroom.drills.demo import DemoSummary, build_demo, prepare_policies
from warroom.incident.commands import Commands
from warroom.incident.milestones import MILESTONES
from warroom.incident.queries import IncidentView, load_view
from warroom.incident.timeline import verify_chain
from warroom.models import ActionItem, EscalationFiring, Incident, TimelineEntry
from warroom.policy import Policies
from warroom.policy.loader import bundled_dir
from warroom.policy.roster import load_roster
from warroom.store import Store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Built:
    summary: DemoSummary
    incidents: list[Incident]
    views: dict[str, IncidentView]
    actions: list[ActionItem]
    firings: list[EscalationFiring]
    entries: int


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    home = tmp_path_factory.mktemp("demo")
    policies_dir = prepare_policies(bundled_dir("policies"), bundled_dir("data"), home / "pol")

    async def go() -> Built:
        summary = await build_demo(home / "demo.db", policies_dir, bundled_dir("data"), NOW)
        async with await Store.open(home / "demo.db", ManualClock(NOW)) as store:
            async with store.read() as s:
                incidents = list(
                    (await s.execute(select(Incident).order_by(Incident.id))).scalars()  # type: ignore[arg-type]
                )
                actions = list((await s.execute(select(ActionItem))).scalars())
                firings = list((await s.execute(select(EscalationFiring))).scalars())
                entries = len(list((await s.execute(select(TimelineEntry.id))).scalars()))  # type: ignore[call-overload]
            views = {i.ref or "": await load_view(store, i.ref or "") for i in incidents}
        return Built(summary, incidents, views, actions, firings, entries)

    yield asyncio.run(go())


def test_the_roster_of_six_comes_with_the_demo_policies(built: Built) -> None:
    roster = load_roster(built.summary.policies_dir)
    assert roster is not None and len(roster.people) == 6
    assert built.summary.actor == "alice"


def test_an_open_sev1_in_the_middle_of_its_mitigation(built: Built) -> None:
    ref = built.summary.open_refs[0]
    view = built.views[ref]
    inc = view.incident
    assert inc.severity == 1 and inc.status == "open" and inc.phase == "mitigate"
    assert inc.acknowledged_at is not None and inc.mitigated_at is None
    assert inc.war_room and inc.channel and inc.bridge
    assert NOW - inc.declared_at == timedelta(minutes=48)
    assert {r: a.person for r, a in view.roles.items()} == {
        "ic": "alice",
        "tech": "bob",
        "scribe": "dave",
        "comms": "erin",
    }
    kinds = Counter(e.kind for e in view.timeline)
    assert 30 <= len(view.timeline) <= 120
    assert kinds["severity"] == 1 and kinds["decision"] >= 3 and kinds["status"] >= 2
    assert kinds["page"] >= 1  # the team lead was paged by the engine at 30 minutes
    assert sum(1 for e in view.timeline if e.at < e.recorded_at) >= 1  # a backdated entry
    assert len(view.status_updates) >= 2 and len(view.actions) >= 1
    assert any(c.done for c in view.checklist if c.phase == "mitigate")
    assert verify_chain(ref, view.timeline).ok


def test_an_open_sev3(built: Built) -> None:
    view = built.views[built.summary.open_refs[1]]
    assert view.incident.severity == 3 and view.incident.resolved_at is None
    assert len(view.timeline) >= 4


def test_three_months_of_closed_incidents_of_every_severity(built: Built) -> None:
    closed = [i for i in built.incidents if i.status == "closed"]
    assert len(closed) == built.summary.closed >= 12
    assert {i.severity for i in closed} == {1, 2, 3, 4}
    oldest = min(i.declared_at for i in built.incidents)
    assert timedelta(days=80) <= NOW - oldest <= timedelta(days=95)
    for inc in closed:
        times = [getattr(inc, m) for m in MILESTONES]
        assert None not in times, f"{inc.ref} lacks a milestone"
        assert times[0] <= times[1] <= times[2] <= times[3]  # started..acknowledged
        assert inc.mitigated_at <= inc.resolved_at <= inc.closed_at  # type: ignore[operator]
        assert inc.closed_at <= NOW  # type: ignore[operator]
        view = built.views[inc.ref or ""]
        assert "ic" in view.roles
        assert verify_chain(inc.ref or "", view.timeline).ok


def test_action_items_and_pages_for_the_metrics(built: Built) -> None:
    statuses = Counter(a.status for a in built.actions)
    assert statuses["done"] >= 5 and statuses["open"] >= 3
    assert any(f.step_key.startswith("sev1-unresolved") for f in built.firings)
    assert built.entries == built.summary.entries


def test_demo_never_touches_the_users_database(tmp_path: Path, policies: Policies) -> None:
    user_db = tmp_path / "mine.db"
    env = {"WARROOM_DB": str(user_db), "WARROOM_USER": "zoe"}
    home = tmp_path / "demo"
    home.mkdir()

    async def an_old_demo() -> None:
        async with await Store.open(home / "demo.db", ManualClock(NOW)) as store:
            await Commands(store, policies, "x", UTC).declare("left over from last time", 4)

    asyncio.run(an_old_demo())
    runner = CliRunner()
    result = runner.invoke(cli, ["demo", "--dir", str(home), "--no-console"], env=env)
    assert result.exit_code == 0, result.output
    assert "Demo database" in result.output
    assert not user_db.exists()
    assert (home / "demo.db").exists() and (home / "policies" / "roster.yaml").exists()
    if os.name == "posix":
        assert (home / "demo.db").stat().st_mode & 0o077 == 0
    listing = runner.invoke(
        cli, ["--db", str(home / "demo.db"), "list", "--all", "--json"], env=env
    )
    assert listing.exit_code == 0, listing.output
    assert "left over" not in listing.output  # rebuilt, not added to
    data = bundled_dir("data") / "demo"
    expected = sum(
        len(yaml.safe_load((data / f).read_text())["incidents"])
        for f in ("open.yaml", "history.yaml")
    )
    assert listing.output.count('"ref"') == expected


def test_join_without_a_demo_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["demo", "--dir", str(tmp_path / "none"), "--join", "--no-console"]
    )
    assert result.exit_code == 2
    assert "run `warroom demo` first" in result.output
