"""`warroom demo` plays its history into a template once a day and copies it
(warroom/drills/demo_cache.py): the demo it gives is the one built without the cache,
each copy is a database of its own that `warroom verify` accepts, and the user's
witness never hears of the template."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from warroom.audit import witness
from warroom.cli import cli
from warroom.drills import demo_cache
from warroom.drills.demo import DemoSummary, build_demo, history_inputs, prepare_policies
from warroom.policy.loader import bundled_dir

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Demos:
    audit: Path
    cache: Path
    policies: Path
    cached: list[DemoSummary]
    plain: DemoSummary


@pytest.fixture(scope="module")
def demos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demos]:
    root = tmp_path_factory.mktemp("demo-cache")
    policies = prepare_policies(bundled_dir("policies"), bundled_dir("data"), root / "pol")
    data, cache = bundled_dir("data"), root / "cache"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WARROOM_AUDIT_DIR", str(root / "audit"))
        mp.setenv("XDG_CACHE_HOME", str(root / "xdg"))

        async def go() -> tuple[list[DemoSummary], DemoSummary]:
            cached = []
            for n, minutes in enumerate((0, 7)):  # the second one later the same day
                at = NOW + timedelta(minutes=minutes)
                db = root / f"cached-{n}.db"
                cached.append(await build_demo(db, policies, data, at, cache_dir=cache))
            plain = await build_demo(root / "plain.db", policies, data, NOW)
            return cached, plain

        cached, plain = asyncio.run(go())
        yield Demos(root / "audit", cache, policies, cached, plain)


def _rows(db: Path, query: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


TIMELINE = "SELECT incident_id, seq, at, author, kind, text, hash FROM timeline_entry ORDER BY id"
INCIDENTS = "SELECT id, title, severity, status, declared_at, closed_at FROM incident ORDER BY id"


def test_the_cached_demo_is_the_demo_built_without_the_cache(demos: Demos) -> None:
    first, plain = demos.cached[0], demos.plain
    assert (first.open_refs, first.closed, first.entries) == (
        plain.open_refs,
        plain.closed,
        plain.entries,
    )
    assert _rows(first.db_path, INCIDENTS) == _rows(plain.db_path, INCIDENTS)
    assert _rows(first.db_path, TIMELINE) == _rows(plain.db_path, TIMELINE)


def test_one_template_a_day(demos: Demos) -> None:
    inputs = history_inputs(demos.policies, bundled_dir("data"))
    key = demo_cache.template_key(NOW.replace(hour=0), inputs)
    assert [p.name for p in demos.cache.glob("demo-history-*")] == [f"demo-history-{key}.db"]


@pytest.mark.parametrize("which", [0, 1])
def test_each_copy_verifies_as_a_database_of_its_own(
    demos: Demos, which: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_AUDIT_DIR", str(demos.audit))
    db = demos.cached[which].db_path
    result = CliRunner().invoke(cli, ["--db", str(db), "verify"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    ids = {_rows(d.db_path, "SELECT database_id FROM chain_head")[0][0] for d in demos.cached}
    assert len(ids) == 2, "two copies of the template share a database id"
    template = next(demos.cache.glob("demo-history-*.db"))
    [(template_id,)] = _rows(template, "SELECT database_id FROM chain_head")
    seen = {s.head.database for s in witness.read_heads(demos.audit)}
    assert ids <= seen and template_id not in seen


def test_a_change_to_the_demo_data_plays_the_history_again(tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(bundled_dir("data"), data)
    day = NOW.replace(hour=0)

    def key() -> str:
        return demo_cache.template_key(day, history_inputs(tmp_path / "pol", data))

    before = key()
    history = data / "demo" / "history.yaml"
    history.write_text(history.read_text().replace("status: final", "status: in_review", 1))
    edited = key()
    assert edited != before
    (data / "demo" / "postmortems-extra.yaml").write_text("incidents: []\n")
    assert key() != edited
