"""`warroom demo` reads like a real team's database: hints that work as printed, texts
that read naturally, post-mortems in the states a team leaves them."""

from __future__ import annotations

import asyncio
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from warroom.cli import cli
from warroom.cli.demo_cmd import join_hints
from warroom.clock import ManualClock
from warroom.drills.demo import build_demo, prepare_policies
from warroom.models import Postmortem, TimelineEntry
from warroom.policy.cached import load_policies
from warroom.policy.loader import bundled_dir
from warroom.policy.roster import load_roster
from warroom.postmortem.overview import PendingPostmortem, pending_postmortems
from warroom.store import Store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Demo:
    home: Path
    refs: dict[str, str]
    people: set[str]
    entries: list[TimelineEntry]
    postmortems: list[Postmortem]
    pending: list[PendingPostmortem]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("demo-realism")
    policies_dir = prepare_policies(bundled_dir("policies"), bundled_dir("data"), home / "pol")
    roster = load_roster(policies_dir)
    assert roster is not None

    async def go() -> Demo:
        summary = await build_demo(home / "demo.db", policies_dir, bundled_dir("data"), NOW)
        async with await Store.open(home / "demo.db", ManualClock(NOW)) as store:
            async with store.read() as s:
                entries = list((await s.execute(select(TimelineEntry))).scalars())
                pms = list((await s.execute(select(Postmortem))).scalars())
            pending = await pending_postmortems(store, load_policies(policies_dir), NOW)
        return Demo(home, summary.refs, {p.name for p in roster.people}, entries, pms, pending)

    yield asyncio.run(go())


def _cli(args: list[str], tmp_path: Path) -> str:
    env = {
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "WARROOM_AUDIT_DIR": str(tmp_path / "audit"),
        "WARROOM_DB": str(tmp_path / "mine.db"),
    }
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _hint(output: str, start: str) -> list[str]:
    line = next(x for x in output.splitlines() if x.startswith(start))
    words = shlex.split(line[len(start) :])
    assert words[0] == "warroom"
    return words[1:]


def test_the_join_hints_work_as_printed_with_dir_and_as(tmp_path: Path) -> None:
    home = tmp_path / "my demo"
    built = _cli(["--as", "bob", "demo", "--dir", str(home), "--no-console"], tmp_path)
    assert "You act as bob." in built
    again = _hint(built, "Open the console on it: ")
    assert again == ["--as", "bob", "demo", "--dir", str(home), "--join"]
    joined = _cli([*again, "--no-console"], tmp_path)
    assert "Building" not in joined and "You act as bob." in joined  # joined, not rebuilt
    other = _hint(built, "Another console on it, as someone else: ")
    assert other == ["--as", "NAME", "demo", "--dir", str(home), "--join"]
    other[1] = "dave"
    assert "You act as dave." in _cli([*other, "--no-console"], tmp_path)


def test_without_dir_the_hint_names_no_folder() -> None:
    hints = join_hints("alice", False, None, Path("/data/demo"), True)
    assert "Open the console on it: warroom demo --join" in hints
    assert any("warroom --as NAME demo --join" in h for h in hints)


def test_texts_read_naturally(demo: Demo) -> None:
    written = [e for e in demo.entries if e.author in demo.people and e.kind == "note"]
    written += [e for e in demo.entries if e.kind == "decision"]
    assert len(written) > 40
    for e in written:
        first = e.text.split()[0].strip(":,").lower()
        assert first != e.author, f"{e.author} repeated in {e.text!r}"
        assert first != e.kind, f"the kind repeated in {e.text!r}"
    assert any(e.author == "carol" and "bridge" in e.text for e in written)


def test_past_post_mortems_in_realistic_states(demo: Demo) -> None:
    statuses = {pm.status for pm in demo.postmortems}
    assert {"final", "in_review", "draft"} <= statuses
    overdue = [p for p in demo.pending if p.deadline.overdue]
    assert 1 <= len(overdue) <= 2, [p.ref for p in overdue]
    assert any(not p.deadline.overdue for p in demo.pending)  # one still due in time
    finals = [pm for pm in demo.postmortems if pm.status == "final"]
    assert len(finals) >= 4 and all(pm.final_at is not None for pm in finals)
    assert all(pm.sections.get("executive_summary") for pm in demo.postmortems)
    assert sum(1 for e in demo.entries if e.kind == "postmortem") >= 2 * len(finals)


def test_the_sev1_plays_on_by_the_consoles_clock(demo: Demo, tmp_path: Path) -> None:
    from warroom.drills.demo_live import LivePlay, load_live
    from warroom.escalation import EscalationLoop
    from warroom.incident.queries import load_view
    from warroom.models import EscalationFiring
    from warroom.notify import DrillSender

    policies_dir = demo.home / "pol"
    policies, roster = load_policies(policies_dir), load_roster(policies_dir)
    for suffix in ("", "-wal", "-shm"):  # a copy of the demo as built, to play on
        if (demo.home / f"demo.db{suffix}").exists():
            shutil.copy2(demo.home / f"demo.db{suffix}", tmp_path / f"demo.db{suffix}")
    assert roster is not None

    async def go() -> None:
        live = load_live(bundled_dir("data"))
        ref = demo.refs[live.key]
        clock = ManualClock(NOW)
        async with await Store.open(tmp_path / "demo.db", clock) as store:
            play = LivePlay(store, policies, ref, live, "alice")
            engine = EscalationLoop(store, policies, roster, clock, sender=DrillSender())
            before = len((await load_view(store, ref)).timeline)
            assert await play.tick(NOW) == 0  # nothing until its minute comes
            authors: set[str] = set()
            for minute in range(1, 17):
                clock.set(NOW + timedelta(minutes=minute))
                await play.tick(clock.now())
                await engine.tick()
                await engine.drain()
                view = await load_view(store, ref)
                if minute == 4:
                    assert len(view.timeline) > before and view.incident.mitigated_at is None
            authors = {e.author for e in view.timeline[before:]}
            assert play.finished and view.incident.mitigated_at is not None
            assert NOW + timedelta(minutes=5) <= view.incident.mitigated_at
            assert view.incident.mitigated_at <= NOW + timedelta(minutes=10)
            assert {"bob", "carol", "erin", "frank"} <= authors  # others act, not you
            assert len(view.status_updates) >= 4
            async with store.read() as s:
                steps = {f.step_key for f in (await s.execute(select(EscalationFiring))).scalars()}
            assert "sev1-unresolved-60" in steps  # the engineering manager was paged

    asyncio.run(go())
