"""The database chain, its signed head, the checkpoints and the witness; the incident row as
a projection of its timeline; the migration that links an existing database."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select

from tests.data import T0, commands_on
from warroom.audit import chain, witness
from warroom.audit.keys import PRIVATE, audit_dir
from warroom.audit.verify import verify_database
from warroom.cli import cli
from warroom.clock import ManualClock
from warroom.incident.commands import Commands
from warroom.incident.mutation import Mutation
from warroom.incident.timeline import GENESIS, entry_fields, entry_hash
from warroom.models import AuditCheckpoint, ChainHead, Incident, TimelineEntry
from warroom.policy import Policies
from warroom.store import Store


async def _audit(store: Store) -> list[str]:
    async with store.read() as s:
        audit = await verify_database(s)
    return [p for i in audit.incidents for p in i.problems] + audit.chain.problems


async def test_every_entry_links_the_whole_database_and_the_head_is_signed(
    commands: Commands, store: Store, clock: ManualClock
) -> None:
    one = await commands.declare("Checkout down", 2, ic="alice")
    two = await commands.declare("Search slow", 3)
    clock.advance(minutes=2)
    await commands.log(one.ref or "", "rolled back")
    await commands.log(two.ref or "", "reindexing")
    async with store.read() as s:
        rows = (await s.execute(select(TimelineEntry).order_by(TimelineEntry.gseq))).scalars()  # type: ignore[arg-type]
        links = [(e.gseq, e.incident_id, e.seq, e.prior_incident_id, e.prior_seq) for e in rows]
        head = await s.get(ChainHead, 1)
    assert links == [
        (1, 1, 1, None, None),  # INC-1 declared
        (2, 1, 2, 1, 1),  # its IC
        (3, 2, 1, 1, 2),  # INC-2 declared: after INC-1's entry 2
        (4, 1, 3, 2, 1),
        (5, 2, 2, 1, 3),
    ]
    assert head is not None and (head.gseq, head.incident_id, head.seq) == (5, 2, 2)
    assert head.signature
    key = audit_dir() / PRIVATE
    assert key.stat().st_mode & 0o777 == 0o600 and audit_dir().stat().st_mode & 0o777 == 0o700
    seen = witness.heads_of(head.database_id)
    assert seen[-1].head.gseq == len(links) and seen[-1].valid  # one head a commit
    assert await _audit(store) == []


async def test_the_row_is_what_the_timeline_says_even_after_later_entries(
    commands: Commands, store: Store
) -> None:
    """An edit of the row is not laundered by the entries written after it."""
    inc = await commands.declare("Checkout down", 2, ic="alice")
    await commands.mitigate(inc.ref or "")
    con = sqlite3.connect(store.url.split("///", 1)[1])
    con.execute("UPDATE incident SET status = 'closed', drill = 1")
    con.execute("UPDATE role_assignment SET person = 'mallory'")
    con.commit()
    con.close()
    await commands.log(inc.ref or "", "a later note")
    await commands.set_milestone(inc.ref or "", "started", T0 - timedelta(minutes=5))
    assert await _audit(store) == [
        'status is "closed" in the incident row but "mitigated" in its timeline',
        "drill is true in the incident row but false in its timeline",
        'roles.ic is "mallory" in the incident row but "alice" in its timeline',
    ]


async def test_a_change_made_after_the_last_entry_is_still_vouched_for(
    commands: Commands, store: Store
) -> None:
    inc = await commands.declare("Checkout down", 2)

    async def work(m: Mutation) -> None:
        await m.lock(inc.id or 0)
        await m.entry("note", "renaming")
        m.incident.title = "Checkout and cart down"  # after the entry, same transaction

    await commands.write(work)
    assert await _audit(store) == []
    async with store.read() as s:
        assert (await s.get(Incident, inc.id)).title == "Checkout and cart down"  # type: ignore[union-attr]


async def test_checkpoints_go_into_the_history_every_so_many_entries(
    commands: Commands, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chain, "CHECKPOINT_EVERY", 4)
    inc = await commands.declare("Checkout down", 4)
    for n in range(9):
        await commands.log(inc.ref or "", f"note {n}")
    async with store.read() as s:
        places = [c.gseq for c in (await s.execute(select(AuditCheckpoint))).scalars()]
    assert places == [4, 8]
    assert await _audit(store) == []


async def test_writers_on_several_connections_make_one_unbroken_chain(
    db_path: Path, policies: Policies, clock: ManualClock
) -> None:
    stores = [await Store.open(db_path, clock) for _ in range(4)]
    try:
        incs = [
            await Commands(stores[0], policies, "ic", UTC).declare(f"i{n}", 3) for n in range(4)
        ]

        async def writer(i: int) -> None:
            c = Commands(stores[i], policies, f"w{i}", UTC)
            for n in range(15):
                await c.log(incs[(i + n) % 4].ref or "", f"w{i} {n}")

        await asyncio.gather(*(writer(i) for i in range(4)))
        assert await _audit(stores[0]) == []
    finally:
        for s in stores:
            await s.close()


async def test_writers_on_postgres_make_one_unbroken_chain(
    pg_url: str, policies: Policies, clock: ManualClock
) -> None:
    from tests.tamper_helpers import fresh_pg_database

    url = await asyncio.to_thread(fresh_pg_database, pg_url)
    stores = [await Store.open(url, clock) for _ in range(4)]
    try:
        incs = [
            await Commands(stores[0], policies, "ic", UTC).declare(f"i{n}", 3) for n in range(4)
        ]

        async def writer(i: int) -> None:
            c = Commands(stores[i], policies, f"w{i}", UTC)
            for n in range(15):
                await c.log(incs[(i + n) % 4].ref or "", f"w{i} {n}")

        await asyncio.gather(*(writer(i) for i in range(4)))
        assert await _audit(stores[0]) == []
    finally:
        for s in stores:
            await s.close()


def test_another_key_is_not_trusted_until_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "w.db")

    async def seed() -> None:
        async with commands_on(db) as c:
            await c.declare("Checkout down", 2)

    asyncio.run(seed())
    pem = tmp_path / "alice.pem"
    runner = CliRunner()
    pem.write_text(runner.invoke(cli, ["keys", "export"]).stdout)
    monkeypatch.setenv("WARROOM_AUDIT_DIR", str(tmp_path / "auditor"))  # another machine
    r = runner.invoke(cli, ["--db", db, "verify"])
    assert r.exit_code == 1 and "which is not trusted here" in r.stdout
    r = runner.invoke(cli, ["--db", db, "verify", "--key", str(pem)])
    assert r.exit_code == 0, r.stdout
    assert r.stdout.endswith("; the witness here has not seen this database\n")
    assert runner.invoke(cli, ["keys", "trust", str(pem), "--name", "alice"]).exit_code == 0
    assert runner.invoke(cli, ["--db", db, "verify"]).exit_code == 0


def test_the_witness_stays_small_and_keeps_the_newest_heads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warroom.audit.checkpoint import Head, sign
    from warroom.audit.keys import signing_key

    monkeypatch.setattr(witness, "COMPACT_AT", 4096)
    key = signing_key(tmp_path)
    assert key is not None
    for n in range(1, 200):
        for db in ("a" * 32, "b" * 32):
            witness.append(sign(key, Head(db, n, GENESIS)), tmp_path)
    assert witness.witness_path(tmp_path).stat().st_size < 4096 + 600
    kept = witness.heads_of("a" * 32, tmp_path)
    assert kept[-1].head.gseq == 199 and kept[-1].valid and len(kept) > 1


def test_the_migration_links_an_existing_database_in_recorded_order(tmp_path: Path) -> None:
    from alembic import command

    from warroom.store import _config

    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    engine.dispose()
    con = sqlite3.connect(path)
    when = lambda m: (T0 + timedelta(minutes=m)).strftime("%Y-%m-%d %H:%M:%S.%f")  # noqa: E731
    for n, title in ((1, "Checkout down"), (2, "Search slow")):
        con.execute(
            "INSERT INTO incident (id, ref, title, severity, status, phase, war_room, drill, "
            "created_by, declared_at, detected_at) VALUES (?, ?, ?, 2, 'open', 'declare', 0, 0, "
            "'alice', ?, ?)",
            (n, f"INC-{n}", title, when(n), when(n)),
        )
    # (incident, seq, minute recorded): INC-2's first entry was recorded between INC-1's.
    prev: dict[int, str] = {}
    for iid, seq, minute in ((1, 1, 1), (1, 2, 5), (2, 1, 2), (2, 2, 6), (1, 3, 7)):
        at = T0 + timedelta(minutes=minute)
        fields = entry_fields(iid, seq, at, at, "alice", None, "note", f"e{seq}", False, None)
        digest = entry_hash(fields, prev.get(iid, GENESIS))
        con.execute(
            "INSERT INTO timeline_entry (incident_id, seq, at, recorded_at, author, kind, text, "
            "key_event, prev_hash, hash) VALUES (?, ?, ?, ?, 'alice', 'note', ?, 0, ?, ?)",
            (iid, seq, when(minute), when(minute), f"e{seq}", prev.get(iid, GENESIS), digest),
        )
        prev[iid] = digest
    con.commit()
    con.close()

    async def check() -> None:
        async with await Store.open(path, ManualClock(T0 + timedelta(hours=1))) as store:
            async with store.read() as s:
                q = select(TimelineEntry.incident_id, TimelineEntry.seq).order_by(
                    TimelineEntry.gseq
                )  # type: ignore[call-overload]
                order = [tuple(r) for r in (await s.execute(q)).all()]
                reasons = [c.reason for c in (await s.execute(select(AuditCheckpoint))).scalars()]
            assert order == [(1, 1), (2, 1), (1, 2), (2, 2), (1, 3)]
            assert reasons == ["migration"]
            assert await _audit(store) == []

    asyncio.run(check())
    last = json.loads(
        sqlite3.connect(path)
        .execute("SELECT state FROM timeline_entry WHERE gseq = 5")
        .fetchone()[0]
    )
    assert last["title"] == "Checkout down" and last["roles"] == {}


@pytest.mark.parametrize(
    "state", [None, '{"roles":{"ic":"alice"}}', 'x"\\\x1b\u2028 é 🚨', "\udcff lone"]
)
def test_the_link_hash_is_the_documented_canonical_json(state: str | None) -> None:
    """``link_hash`` writes the JSON out by hand for speed; it is the same bytes."""
    import hashlib

    from warroom.audit.projection import canonical

    for prior in ((None, None), (3, 7)):
        args = (12, "ab" * 32, *prior, 2, 9, "cd" * 32, state)
        doc = {
            "gseq": 12,
            "gprev_hash": "ab" * 32,
            "prior": None if prior[0] is None else list(prior),
            "incident_id": 2,
            "seq": 9,
            "hash": "cd" * 32,
            "state": state,
        }
        want = hashlib.sha256(canonical(doc).encode("utf-8", "surrogatepass")).hexdigest()
        assert chain.link_hash(*args) == want


async def test_a_role_left_after_the_last_entry_is_still_left(
    commands: Commands, store: Store
) -> None:
    inc = await commands.declare("Checkout down", 2, ic="alice")
    await commands.assign(inc.ref or "", "comms", "bob")

    async def work(m: Mutation) -> None:
        await m.lock(inc.id or 0)
        await m.entry("note", "bob steps out")
        (await m.roles())["comms"].ended_at = m.at  # after the entry, same transaction

    await commands.write(work)
    assert await _audit(store) == []
