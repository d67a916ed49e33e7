"""Metrics: hand-built incidents at known times in, the figures managers read out.

The window is the 30 days before T0 (Monday 2026-03-02 09:00 UTC):
[2026-01-31 09:00, 2026-03-02 09:00).
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from textual.widgets import DataTable, Static

from screens.messages import Changes
from screens.metrics import MetricsScreen
from tests.cli_helpers import Warroom
from tests.console_helpers import ConsoleFactory, settle, show
from tests.data import T0, commands_on
from tests.oncall_helpers import utc
from warroom.clock import ManualClock
from warroom.errors import BadInput
from warroom.incident.commands import Commands
from warroom.metrics import compute, load_metrics, window
from warroom.metrics.durations import p90
from warroom.metrics.recurrence import title_words
from warroom.models import ActionItem, Delivery, EscalationFiring, Incident, Postmortem
from warroom.policy import Policies
from warroom.store import Store

WINDOW = window(T0)


def incident(
    n: int,
    title: str,
    sev: int,
    declared: datetime,
    *,
    started: float | None = None,  # minutes before detection
    ack: float | None = None,  # minutes after detection, like the rest
    mitigated: float | None = None,
    resolved: float | None = None,
    drill: bool = False,
) -> Incident:
    def after(m: float | None) -> datetime | None:
        return None if m is None else declared + timedelta(minutes=m)

    return Incident(
        id=n,
        ref=f"INC-{n}",
        title=title,
        severity=sev,
        created_by="alice",
        drill=drill,
        started_at=None if started is None else declared - timedelta(minutes=started),
        detected_at=declared,
        declared_at=declared,
        acknowledged_at=after(ack),
        mitigated_at=after(mitigated),
        resolved_at=after(resolved),
    )


def fleet() -> list[Incident]:
    return [
        incident(1, "Checkout down", 1, utc(2026, 2, 10, 10), started=10, ack=4, mitigated=20,
                 resolved=50),
        # No known start: time to detect unknown, not zero.
        incident(2, "Database failover", 1, utc(2026, 2, 20, 10), ack=8, mitigated=40,
                 resolved=100),
        # Acknowledged, never mitigated nor resolved.
        incident(3, "Search slow", 2, utc(2026, 2, 15, 12), ack=10),
        incident(4, "Game day: checkout", 2, utc(2026, 2, 18), ack=1, drill=True),
        incident(5, "Before the window", 2, utc(2026, 1, 30), ack=1),
        incident(6, "At the window's end", 3, T0, ack=1),  # until is excluded
    ]  # fmt: skip


def test_durations_per_severity_against_the_targets(policies: Policies) -> None:
    report = compute(window=WINDOW, now=T0, policies=policies, incidents=fleet())
    data = report.to_json()
    assert data["count"] == 3  # the drill and the two outside the window are not counted
    assert [i["ref"] for i in data["incidents"]] == ["INC-1", "INC-3", "INC-2"]
    # Unknown milestones are left out (and counted), never taken as zero.
    assert data["mttd_min"] == 10.0
    assert data["mttd"]["known"] == 1 and data["mttd"]["unknown"] == 2
    assert data["mtta_min"] == pytest.approx((4 + 8 + 10) / 3, abs=0.01)
    assert data["mttr_min"] == 75.0
    sev1 = data["by_severity"]["SEV1"]
    assert sev1["count"] == 2
    # SEV1 targets: ack 15 (the response time), mitigate 30, resolve 60 minutes.
    assert sev1["mtta"] == {
        "mean_min": 6.0, "median_min": 6.0, "p90_min": 8.0, "known": 2, "unknown": 0,
        "target_min": 15.0, "met": True, "within_target": 2,
    }  # fmt: skip
    assert sev1["mttm"]["met"] is True and sev1["mttm"]["within_target"] == 1  # 30 <= 30
    assert sev1["mttr_min"] == 75.0 and sev1["mttr"]["met"] is False
    assert sev1["mttr"]["p90_min"] == 100.0
    sev2 = data["by_severity"]["SEV2"]
    assert sev2["mtta_min"] == 10.0 and sev2["mtta"]["met"] is True  # target 30
    assert sev2["mttr_min"] is None and sev2["mttr"]["met"] is None
    assert sev2["mttr"]["unknown"] == 1
    assert data["by_severity"]["SEV4"]["count"] == 0
    assert data["severity_mix"]["SEV1"] == {"count": 2, "share": 0.6667}
    # Every incident against its own severity's target on the all-severities row.
    assert data["mtta"]["within_target"] == 3 and data["mtta"]["met"] is None


def test_p90_is_the_nearest_rank() -> None:
    assert p90([float(v) for v in range(1, 11)]) == 9.0
    assert p90([float(v) for v in range(1, 21)]) == 18.0
    assert p90([3.0]) == 3.0
    assert p90([]) is None


def test_window_bounds_and_bad_input() -> None:
    assert (WINDOW.since, WINDOW.until) == (utc(2026, 1, 31, 9), T0)
    assert window(T0, since=utc(2026, 2, 1)).until == T0
    assert window(T0, until=utc(2026, 2, 1)).since == utc(2026, 1, 2)
    with pytest.raises(BadInput, match=r"--until .* is not after --since"):
        window(T0, since=utc(2026, 2, 1), until=utc(2026, 1, 1))


def test_repeat_incidents_are_named_in_pairs(policies: Policies) -> None:
    assert title_words("Checkout API 500s") == {"checkout", "api"}
    history = [
        incident(10, "Checkout API 500s", 1, utc(2025, 12, 1)),
        incident(11, "Search index stale", 3, utc(2025, 11, 1)),  # over 90 days before
        incident(12, "Checkout API 500s", 2, utc(2026, 2, 1), drill=True),  # a rehearsal
    ]
    inside = [
        incident(20, "search index stale again", 3, utc(2026, 2, 5)),
        incident(21, "checkout api errors (500)", 2, utc(2026, 2, 10)),
        incident(22, "Checkout API 500s", 1, utc(2026, 2, 20)),
        incident(23, "Payment webhook delays", 3, utc(2026, 2, 21)),
    ]
    report = compute(window=WINDOW, now=T0, policies=policies, incidents=inside, history=history)
    rec = report.to_json()["recurrence"]
    pairs = [(p["ref"], p["repeats_ref"], p["similarity"]) for p in rec["pairs"]]
    # The most recent similar real incident is named: INC-22 repeats INC-21, not INC-10.
    assert pairs == [("INC-21", "INC-10", 0.67), ("INC-22", "INC-21", 0.67)]
    assert rec["repeats"] == 2 and rec["rate"] == 0.5
    assert rec["goal_max"] == 0.1 and rec["met"] is False


def test_action_items_and_postmortems_on_time(policies: Policies) -> None:
    def item(n: int, incident_id: int, status: str, due: date | None = None) -> ActionItem:
        return ActionItem(
            id=n, incident_id=incident_id, title=f"item {n}", status=status, due=due,
            created_by="alice", created_at=utc(2026, 2, 21),
            completed_at=utc(2026, 2, 25) if status in ("done", "wont_do") else None,
        )  # fmt: skip

    actions = [
        item(1, 1, "done"),
        item(2, 2, "done"),
        item(3, 2, "wont_do"),
        item(4, 1, "open", date(2026, 2, 27)),  # overdue on 2 March
        item(5, 3, "in_progress", date(2026, 3, 9)),
        item(6, 5, "open", date(2026, 2, 1)),  # an incident outside the window
    ]

    def final(incident_id: int, at: datetime) -> Postmortem:
        return Postmortem(
            incident_id=incident_id, status="final", created_at=at, updated_at=at, final_at=at
        )

    documents = {
        1: final(1, utc(2026, 2, 12, 9)),  # resolved 10 Feb 10:50 + 48 h: on time
        2: final(2, utc(2026, 2, 25)),  # resolved 20 Feb 11:40 + 48 h: late
    }
    report = compute(
        window=WINDOW, now=T0, policies=policies, incidents=fleet(), actions=actions,
        postmortems=documents,
    )  # fmt: skip
    data = report.to_json()
    assert data["action_items"] == {
        "created": 5, "done": 2, "wont_do": 1, "open": 2, "overdue_open": 1,
        "completion_rate": 0.5, "goal": 0.9, "met": False,
    }  # fmt: skip
    # INC-3 (SEV2) is not resolved: pending, out of the rate.
    assert data["postmortems"] == {
        "required": 3, "on_time": 1, "late": 1, "pending": 1, "late_refs": ["INC-2"],
        "on_time_rate": 0.5, "goal": 0.9, "met": False,
    }  # fmt: skip


async def _page(store: Store, incident_id: int, person: str, at: datetime) -> None:
    """One firing reaching ``person`` by push, then SMS a minute later: one page."""

    async def work(s: Any) -> None:
        f = EscalationFiring(
            incident_id=incident_id, step_key=f"k{at.isoformat()}{person}", due_at=at,
            fired_at=at, fired_by="test",
        )  # fmt: skip
        s.add(f)
        await s.flush()
        for i, method in enumerate(("push", "sms")):
            s.add(
                Delivery(
                    firing_id=f.id, incident_id=incident_id, person=person, method=method,
                    status="sent", created_at=at + timedelta(minutes=i),
                )
            )  # fmt: skip

    await store.transaction(work)


async def test_load_from_the_store_backdated_drills_and_pages_per_iso_week(
    store: Store, commands: Commands, policies: Policies
) -> None:
    # Recorded now (2 March) but declared and acknowledged on 16 February: it counts, with
    # the times given, not the times it was typed.
    late = await commands.declare(
        "Checkout errors", 2, at=utc(2026, 2, 16, 8), started_at=utc(2026, 2, 16, 7, 45)
    )
    await commands.ack(late.ref or "", at=utc(2026, 2, 16, 8, 20))
    old = await commands.declare("Old outage", 1, at=utc(2026, 1, 20))
    drill = await commands.declare("Game day", 1, at=utc(2026, 2, 17), drill=True)
    assert late.id and old.id and drill.id
    # dave: 11 pages in ISO week 2026-W08 (16-22 Feb); erin: late Sunday and early Monday.
    for i in range(11):
        await _page(store, late.id, "dave", utc(2026, 2, 16, 9) + timedelta(hours=12 * i))
    await _page(store, late.id, "erin", utc(2026, 2, 22, 23, 30))
    await _page(store, late.id, "erin", utc(2026, 2, 23, 0, 10))
    await _page(store, old.id, "dave", utc(2026, 1, 20, 1))  # before the window
    await _page(store, drill.id, "erin", utc(2026, 2, 17, 1))  # a drill: never counted

    selects: list[str] = []

    def count(_conn: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", count)
    try:
        report = await load_metrics(store, policies, window(T0))
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", count)
    data = report.to_json()
    assert len(selects) <= 4  # incidents, action items, post-mortems, pages: no N+1
    assert data["count"] == 1
    assert data["incidents"][0]["mttd_min"] == 15.0
    assert data["mtta_min"] == 20.0 and data["by_severity"]["SEV2"]["mtta"]["met"] is True
    load = data["oncall_load"]
    assert load["pages"] == 13
    assert (load["max_pages_per_week"], load["max_person"], load["max_week"]) == (
        11, "dave", "2026-W08",
    )  # fmt: skip
    assert load["goal_max"] == 10 and load["met"] is False
    assert [(w["person"], w["week"], w["pages"]) for w in load["over"]] == [
        ("dave", "2026-W08", 11)
    ]
    assert [(w["person"], w["week"], w["pages"]) for w in load["weeks"]] == [
        ("dave", "2026-W08", 11),
        ("erin", "2026-W08", 1),
        ("erin", "2026-W09", 1),
    ]


async def _seed(db: Path, policies: Policies) -> None:
    async with commands_on(db, ManualClock(T0), policies) as c:
        a = await c.declare("Checkout down", 1, at=utc(2026, 2, 10, 10))
        await c.ack(a.ref or "", at=utc(2026, 2, 10, 10, 4))
        await c.mitigate(a.ref or "", at=utc(2026, 2, 10, 10, 20))
        await c.resolve(a.ref or "", at=utc(2026, 2, 10, 11, 30))
        await c.declare("Search slow", 3, at=utc(2026, 2, 20, 10))


def test_cli_json_text_and_bad_input(tmp_path: Path, policies: Policies) -> None:
    wr = Warroom(tmp_path / "w.db")
    asyncio.run(_seed(wr.db, policies))
    span = ("--since", "2026-02-01", "--until", "2026-03-01")
    data = wr.json("metrics", *span)
    assert (data["since"], data["until"]) == ("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")
    for key in (
        "count",
        "mttd_min",
        "mtta_min",
        "mttm_min",
        "mttr_min",
        "by_severity",
        "severity_mix",
        "action_items",
        "postmortems",
        "recurrence",
        "oncall_load",
    ):
        assert key in data, key  # fmt: skip
    assert set(data["by_severity"]) == {"SEV1", "SEV2", "SEV3", "SEV4"}
    assert data["count"] == 2 and data["mttd_min"] is None  # no start given: unknown
    sev1 = data["by_severity"]["SEV1"]
    assert (sev1["mtta_min"], sev1["mttm_min"], sev1["mttr_min"]) == (4.0, 20.0, 90.0)

    text = wr("metrics", *span)
    assert text.exit_code == 0, text.output
    rows = {line.split()[0]: line for line in text.stdout.splitlines() if line[:4] == "SEV1"}
    # mean / target, met or missed, incidents at or under the target / known.
    assert rows["SEV1"].split()[2:] == [
        "-", "/", "5m", "4m", "/", "15m", "✓", "1/1", "20m", "/", "30m", "✓", "1/1",
        "1h30m", "/", "1h", "✗", "0/1",
    ]  # fmt: skip
    assert "Post-mortems" in text.stdout and "On-call load" in text.stdout

    bad = wr("metrics", "--since", "2026-03-01", "--until", "2026-02-01")
    assert bad.exit_code == 2
    assert "--until 2026-02-01T00:00:00Z is not after --since" in bad.stderr
    assert "Traceback" not in bad.output
    assert wr("metrics", "--since", "last tuesday").exit_code == 2


async def test_console_screen_shows_the_figures_and_refreshes(
    console: ConsoleFactory, db_path: Path, policies: Policies
) -> None:
    await _seed(db_path, policies)
    async with console(size=(140, 40), actor="alice") as (app, pilot):
        screen = await show(app, pilot, MetricsScreen())
        table = screen.query_one(DataTable)
        sev1 = [str(c) for c in table.get_row("SEV1")]
        assert sev1[:3] == ["SEV1", "1", "- / 5m"] and sev1[5] == "1h30m / 1h ✗ 0/1"
        head = str(screen.query_one("#metrics-head", Static).render())
        assert "2 incidents" in head
        await app.commands.declare("Queue backlog", 4, at=utc(2026, 2, 25))
        app.data_changed.publish(Changes(frozenset({None}), 0))
        await settle(app, pilot)
        assert "3 incidents" in str(screen.query_one("#metrics-head", Static).render())
        assert "Repeat incidents" in str(screen.query_one("#metrics-figures", Static).render())
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, MetricsScreen)


def test_a_since_in_the_future_is_named_as_such_not_blamed_on_an_until_never_given() -> None:
    with pytest.raises(BadInput, match=r"--since .* is after now") as err:
        window(T0, since=T0 + timedelta(days=1))
    assert "is not after --since" not in err.value.message
