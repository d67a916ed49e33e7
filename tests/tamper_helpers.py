"""What an attacker with write access to the database (but not the audit key) does: edit
rows directly, and recompute every hash the documented formats define.

Used by ``test_tamper_matrix.py`` and ``test_audit_chain.py``. Statements go through a
plain engine of their own (no warroom store, no foreign keys on SQLite), with the
table definitions only so that times are written in the store's own format.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from tests.data import T0, commands_on
from warroom.audit.chain import GENESIS, link_hash
from warroom.audit.keys import ENV
from warroom.clock import ManualClock
from warroom.incident.timeline import entry_fields, entry_hash
from warroom.models import ChainHead, Incident, TimelineEntry

T = TimelineEntry.__table__  # type: ignore[attr-defined]
H = ChainHead.__table__  # type: ignore[attr-defined]
I = Incident.__table__  # type: ignore[attr-defined]  # noqa: E741


def build_history(db: str) -> None:
    """Three incidents whose entries interleave (INC-1: 8 entries, INC-2: 5, INC-3: 5)."""

    async def go() -> None:
        clock = ManualClock(T0)
        async with commands_on(db, clock) as c:
            one = await c.declare("Checkout down", 2, ic="alice")
            two = await c.declare("Search slow", 3)
            for n, (ref, text_) in enumerate(
                [
                    ("INC-1", "rolled back 4411"),
                    ("INC-2", "index rebuilding"),
                    ("INC-1", "error rate falling"),
                    ("INC-2", "p99 at 800 ms"),
                ]
            ):
                clock.advance(minutes=1 + n)
                await c.log(ref, text_)
            three = await c.declare("Login errors", 1, ic="carol")
            await c.ack(one.ref or "")
            for ref in ("INC-3", "INC-1", "INC-2", "INC-3", "INC-1"):
                clock.advance(minutes=1)
                await c.log(ref, f"update on {ref}")
            await c.assign(three.ref or "", "comms", "bob")
            await c.log(two.ref or "", "last of INC-2")
            await c.log(one.ref or "", "last of INC-1")

    asyncio.run(go())


def tamper(db: str, work: Callable[[AsyncConnection], Awaitable[Any]]) -> None:
    """Run ``work`` on a connection of the attacker's own, and commit."""
    url = db if "://" in db else f"sqlite+aiosqlite:///{db}"

    async def go() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await work(conn)
        finally:
            await engine.dispose()

    asyncio.run(go())


async def entries(conn: AsyncConnection) -> list[dict[str, Any]]:
    rows = await conn.execute(select(T).order_by(T.c.gseq, T.c.id))
    return [dict(r._mapping) for r in rows]


async def entry(conn: AsyncConnection, incident_id: int, seq: int) -> dict[str, Any]:
    q = select(T).where(T.c.incident_id == incident_id, T.c.seq == seq)
    return dict((await conn.execute(q)).one()._mapping)


async def rechain_everything(conn: AsyncConnection) -> None:
    """Recompute every per-incident hash and every database link, in the documented
    formats, and point the head row at the new end (its signature cannot be redone)."""
    rows = await entries(conn)
    last_hash: dict[int, str] = {}
    for r in sorted(rows, key=lambda r: (r["incident_id"], r["seq"])):
        prev = last_hash.get(r["incident_id"], GENESIS)
        fields = entry_fields(
            r["incident_id"],
            r["seq"],
            r["at"],
            r["recorded_at"],
            r["author"],
            r["role"],
            r["kind"],
            r["text"],
            r["key_event"],
            r["corrects_id"],
        )
        r["prev_hash"], r["hash"] = prev, entry_hash(fields, prev)
        last_hash[r["incident_id"]] = r["hash"]
    top = max((r["gseq"] or 0 for r in rows), default=0)
    for r in rows:
        if r["gseq"] is None:
            top += 1
            r["gseq"] = top
    gprev, prior = GENESIS, (None, None)
    for n, r in enumerate(sorted(rows, key=lambda r: r["gseq"]), start=1):
        r["gseq"], r["gprev_hash"] = n, gprev
        r["prior_incident_id"], r["prior_seq"] = prior
        r["ghash"] = gprev = link_hash(
            n, gprev, *prior, r["incident_id"], r["seq"], r["hash"], r["state"]
        )
        prior = (r["incident_id"], r["seq"])
    await conn.execute(update(T).values(gseq=None))  # the unique index, while renumbering
    for r in rows:
        keep = ("prev_hash", "hash", "gseq", "gprev_hash", "prior_incident_id", "prior_seq")
        await conn.execute(
            update(T).where(T.c.id == r["id"]).values(**{k: r[k] for k in (*keep, "ghash")})
        )
    await conn.execute(
        update(H).values(gseq=len(rows), ghash=gprev, incident_id=prior[0], seq=prior[1])
    )


async def forge_entry(conn: AsyncConnection, incident_id: int, text_: str) -> int:
    """Append a forged entry to an incident and re-chain everything; returns its seq."""
    last = (
        (
            await conn.execute(
                select(T).where(T.c.incident_id == incident_id).order_by(T.c.seq.desc()).limit(1)
            )
        )
        .one()
        ._mapping
    )
    row = {k: last[k] for k in last if k not in ("id", "gseq", "state")}
    row.update(seq=last["seq"] + 1, text=text_, kind="note", key_event=False)
    row["at"] = row["recorded_at"] = last["recorded_at"] + timedelta(minutes=1)
    await conn.execute(insert(T).values(**row))
    await rechain_everything(conn)
    return int(row["seq"])


async def delete_incident(conn: AsyncConnection, incident_id: int) -> None:
    """Every row of an incident, children first."""
    for table in (
        "timeline_entry",
        "role_assignment",
        "severity_change",
        "checklist_item",
        "change",
        "status_update",
        "action_item",
    ):
        await conn.execute(
            text(f'DELETE FROM "{table}" WHERE incident_id = :i'), {"i": incident_id}
        )
    await conn.execute(delete(I).where(I.c.id == incident_id))


def fresh_pg_database(pg_url: str, template: str | None = None) -> str:
    """A new database on the test server (each tampered database is its own): empty, or
    a copy of the database ``template`` (a URL)."""
    name = f"tamper_{uuid.uuid4().hex[:12]}"
    like = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""

    async def go() -> None:
        engine = create_async_engine(pg_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(f'CREATE DATABASE "{name}"{like}'))
        finally:
            await engine.dispose()

    asyncio.run(go())
    return pg_url.rsplit("/", 1)[0] + "/" + name


@contextmanager
def audit_folder(folder: Path) -> Iterator[None]:
    """Sign with the key in ``folder`` meanwhile (a fixture wider than one test)."""
    before = os.environ.get(ENV)
    os.environ[ENV] = str(folder)
    try:
        yield
    finally:
        if before is None:
            del os.environ[ENV]
        else:
            os.environ[ENV] = before


@dataclass(frozen=True)
class Template:
    """A built history and the audit folder that signed it, copied for each test."""

    db: str
    audit: Path
    pg_url: str | None = None

    def copy(self, tmp: Path) -> str:
        """A copy of the database, and of the key and witness into this test's folder."""
        shutil.copytree(self.audit, os.environ[ENV], dirs_exist_ok=True)
        if self.pg_url is not None:
            return fresh_pg_database(self.pg_url, self.db)
        target = tmp / "w.db"
        shutil.copy(self.db, target)
        return str(target)


def template(folder: Path, pg_url: str | None = None) -> Template:
    audit = folder / "audit"
    db = fresh_pg_database(pg_url) if pg_url else str(folder / "template.db")
    with audit_folder(audit):
        build_history(db)
    return Template(db, audit, pg_url)
