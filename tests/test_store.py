"""Store: round trips of every table, migrations, storage rules, refusals."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, select, text
from sqlmodel import SQLModel

from warroom.clock import ManualClock
from warroom.errors import BadInput, StoreError
from warroom.incident.commands import Commands
from warroom.models import (
    ActionItem,
    Change,
    ChecklistItem,
    Delivery,
    EscalationFiring,
    Handoff,
    Incident,
    OncallOverride,
    Person,
    Postmortem,
    RoleAssignment,
    SeverityChange,
    StatusUpdate,
    TimelineEntry,
)
from warroom.store import Store, record_change, resolve_url

T0 = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)


async def test_new_database_is_private_wal_and_full_sync(db_path: Path, store: Store) -> None:
    mode = stat.S_IMODE(os.stat(db_path).st_mode)
    assert mode == 0o600
    async with store.read() as s:
        assert (await s.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await s.execute(text("PRAGMA synchronous"))).scalar() == 2  # FULL
        assert (await s.execute(text("PRAGMA busy_timeout"))).scalar() >= 5000


async def test_writes_take_the_write_lock_up_front(store: Store) -> None:
    """BEGIN IMMEDIATE: a second writer waits instead of failing mid-transaction."""
    seen: list[str] = []

    async def work(s):  # type: ignore[no-untyped-def]
        raw = await s.connection()
        dbapi = (await raw.get_raw_connection()).driver_connection
        seen.append(str(dbapi.in_transaction))
        return None

    await store.transaction(work)
    assert seen == ["True"]


async def test_every_table_round_trips(store: Store) -> None:
    async def work(s):  # type: ignore[no-untyped-def]
        inc = Incident(title="db down", severity=1, created_by="alice", declared_at=T0, ref="INC-1")
        s.add(inc)
        await s.flush()
        n = inc.id
        fire = EscalationFiring(
            incident_id=n, step_key="k", due_at=T0, fired_at=T0, fired_by="p1", detail={"a": 1}
        )
        s.add(fire)
        await s.flush()
        s.add_all(
            [
                SeverityChange(incident_id=n, at=T0, to_severity=1, by="alice"),
                RoleAssignment(incident_id=n, role="ic", person="alice", at=T0, by="alice"),
                TimelineEntry(
                    incident_id=n,
                    seq=1,
                    at=T0,
                    recorded_at=T0,
                    author="a",
                    text="x\x1b[31m",
                    prev_hash="0" * 64,
                    hash="1" * 64,
                ),
                ChecklistItem(incident_id=n, phase="declare", position=0, text="do it"),
                ActionItem(
                    incident_id=n, title="fix", created_by="a", created_at=T0, due=date(2026, 4, 1)
                ),
                Delivery(
                    firing_id=fire.id, incident_id=n, person="bob", method="sms", created_at=T0
                ),
                StatusUpdate(incident_id=n, at=T0, audience="internal", text="hi", author="a"),
                Person(name="bob", tz="Europe/London", contacts={"sms": "json://x"}),
                OncallOverride(
                    rotation="p",
                    person="bob",
                    starts_at=T0,
                    ends_at=T0 + timedelta(days=1),
                    arranged_by="a",
                    created_at=T0,
                ),
                Handoff(rotation="p", at=T0, notes="watch the queue"),
                Postmortem(
                    incident_id=n, sections={"root_cause": "x"}, created_at=T0, updated_at=T0
                ),
            ]
        )
        record_change(s, n, "test", T0)
        return n

    n = await store.transaction(work)
    async with store.read() as s:
        for model in (
            SeverityChange,
            RoleAssignment,
            TimelineEntry,
            ChecklistItem,
            ActionItem,
            Delivery,
            StatusUpdate,
            OncallOverride,
            Postmortem,
            EscalationFiring,
            Change,
        ):
            rows = (await s.execute(select(model))).scalars().all()
            assert len(rows) == 1, model
        inc = await s.get(Incident, n)
        assert inc is not None and inc.declared_at == T0 and inc.declared_at.tzinfo is not None
        entry = (await s.execute(select(TimelineEntry))).scalar_one()
        assert entry.text == "x\x1b[31m"
        person = (await s.execute(select(Person))).scalar_one()
        assert person.contacts == {"sms": "json://x"}
        item = (await s.execute(select(ActionItem))).scalar_one()
        assert item.due == date(2026, 4, 1)
        assert (await s.execute(select(Handoff))).scalar_one().notes == "watch the queue"
    assert await store.change_mark() == 1
    assert [c.kind for c in await store.changes_since(0)] == ["test"]


async def test_firing_is_unique_per_incident_and_step(store: Store) -> None:
    async def declare(s):  # type: ignore[no-untyped-def]
        inc = Incident(title="t", severity=1, created_by="a", declared_at=T0)
        s.add(inc)
        await s.flush()
        return inc.id

    n = await store.transaction(declare)

    async def fire(s):  # type: ignore[no-untyped-def]
        s.add(EscalationFiring(incident_id=n, step_key="s1", due_at=T0, fired_at=T0, fired_by="x"))

    await store.transaction(fire)
    with pytest.raises(Exception, match="UNIQUE"):
        await store.transaction(fire)


def test_migrations_match_the_models(db_path: Path, store: Store) -> None:
    engine = create_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    engine.dispose()
    assert diff == []


async def test_reopening_keeps_data_and_does_not_migrate_again(db_path: Path) -> None:
    clock = ManualClock(T0)
    s1 = await Store.open(db_path, clock)

    async def work(s):  # type: ignore[no-untyped-def]
        record_change(s, None, "x", T0)

    await s1.transaction(work)
    await s1.close()
    s2 = await Store.open(db_path, clock)
    assert await s2.change_mark() == 1
    await s2.close()


async def test_database_newer_than_the_code_is_refused(db_path: Path) -> None:
    s = await Store.open(db_path, ManualClock(T0))
    await s.close()
    con = sqlite3.connect(db_path)
    con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer warroom"):
        await Store.open(db_path, ManualClock(T0))


async def test_missing_folder_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="does not exist"):
        await Store.open(tmp_path / "nope" / "w.db", ManualClock(T0))


async def test_corrupt_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    junk = b"this is not sqlite at all" * 100
    path.write_bytes(junk)
    with pytest.raises(StoreError, match="not a readable warroom database"):
        await Store.open(path, ManualClock(T0))
    assert path.read_bytes() == junk


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
async def test_unwritable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    s = await Store.open(path, ManualClock(T0))
    await s.close()
    path.chmod(0o400)
    with pytest.raises(StoreError, match="permission"):
        await Store.open(path, ManualClock(T0))


def test_url_forms(tmp_path: Path) -> None:
    assert resolve_url(tmp_path / "a.db") == f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"
    assert resolve_url("sqlite:///x.db").startswith("sqlite+aiosqlite:///")
    assert resolve_url("postgresql://u:p@h/db").startswith("postgresql+asyncpg://u:p@h/db")
    with pytest.raises(BadInput):
        resolve_url("::not a url://")
    with pytest.raises(BadInput, match=r"SQLite .* or PostgreSQL") as err:
        resolve_url("mysql://me:secret@db/incidents")
    assert "secret" not in err.value.message


def test_closing_under_a_cancelled_read_does_not_hang(tmp_path: Path) -> None:
    """Quitting the console while a screen's query runs used to hang the process forever."""
    script = Path(__file__).with_name("store_close_proc.py")
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "w.db")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=script.parent.parent,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "closed"


async def test_a_write_whose_caller_is_cancelled_still_commits_whole(
    store: Store, commands: Commands
) -> None:
    """A screen closing under its worker must not cut the entry the user typed."""
    inc = await commands.declare("Checkout down", 2)
    task = asyncio.create_task(commands.log(inc.ref, "typed just before quitting"))
    await asyncio.sleep(0)  # the write has started
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await store.close()  # waits for the write in flight
    async with await Store.open(store.url, store.clock) as again, again.read() as s:
        texts = list((await s.execute(select(TimelineEntry.text))).scalars())
    assert texts.count("typed just before quitting") == 1
