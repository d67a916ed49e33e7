"""The tamper matrix: every way an attacker with the database (or an export) but without
the audit key can change the log is detected by ``warroom verify``, on SQLite and on
PostgreSQL, and the message names the incident and the entry or field.

The attacker recomputes every hash the formats document (``tests/tamper_helpers.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.pg_server import find_bin
from tests.tamper_helpers import (
    H,
    I,
    T,
    Template,
    delete_incident,
    entries,
    forge_entry,
    rechain_everything,
    tamper,
    template,
)
from warroom.cli import cli


def warroom(db: str, *args: str) -> Result:
    base = ["--db", db, "--as", "alice", "--tz", "UTC"]
    return CliRunner().invoke(cli, [*base, *args], catch_exceptions=False)


# --- the attacks on the database: (what it does, what verify must name) ---------------------


async def _update(conn: AsyncConnection) -> None:
    await conn.execute(
        update(T).where(T.c.incident_id == 1, T.c.seq == 3).values(text="nothing happened")
    )


async def _delete(conn: AsyncConnection) -> None:
    await conn.execute(delete(T).where(T.c.incident_id == 2, T.c.seq == 2))


async def _insert(conn: AsyncConnection) -> None:
    await forge_entry(conn, 1, "all good, no customer impact")


async def _swap(conn: AsyncConnection) -> None:
    await conn.execute(update(T).where(T.c.incident_id == 2, T.c.seq == 2).values(seq=-1))
    await conn.execute(update(T).where(T.c.incident_id == 2, T.c.seq == 3).values(seq=2))
    await conn.execute(update(T).where(T.c.incident_id == 2, T.c.seq == -1).values(seq=3))


async def _rechain(conn: AsyncConnection) -> None:
    await conn.execute(
        update(T).where(T.c.incident_id == 1, T.c.seq == 3).values(text="nothing happened")
    )
    await rechain_everything(conn)


async def _truncate(conn: AsyncConnection) -> None:
    rows = await entries(conn)
    for r in rows[-3:]:
        await conn.execute(delete(T).where(T.c.id == r["id"]))
    await rechain_everything(conn)  # the head row points at the new end


async def _delete_incident(conn: AsyncConnection) -> None:
    await delete_incident(conn, 2)


async def _edit_row(conn: AsyncConnection) -> None:
    await conn.execute(update(I).where(I.c.id == 1).values(severity=4, title="minor blip"))


async def _delete_head(conn: AsyncConnection) -> None:
    await conn.execute(delete(H))


DATABASE_ATTACKS: dict[str, tuple[Callable[[AsyncConnection], object], list[str]]] = {
    "update": (_update, ["INC-1  9 entries  BROKEN: entry 3 was altered after it was written"]),
    "delete": (
        _delete,
        [
            "INC-2  4 entries  BROKEN: entry 2 is missing",
            "database entry 5 is missing (it was INC-2 #2, as database entry 6 (INC-1 #4) says)",
        ],
    ),
    "insert": (_insert, ["database entry 21 (INC-1 #10) is not covered by a signed checkpoint"]),
    "swap": (_swap, ["INC-2  5 entries  BROKEN: entry 2 does not follow entry 1"]),
    "rechain": (_rechain, ["is not the link the witness signed there", "computed again"]),
    "truncate_tail": (_truncate, ["the witness saw database entry 20 (INC-1 #9)", "removed"]),
    "delete_incident": (
        _delete_incident,
        [
            "database entry 3 is missing (it was INC-2 #1, as database entry 4 (INC-1 #3) "
            "says); INC-2 is gone from the database",
            "database entry 19 is missing (it was INC-2 #5",
        ],
    ),
    "edit_row": (
        _edit_row,
        [
            'INC-1  9 entries  BROKEN: title is "minor blip" in the incident row but '
            '"Checkout down" in its timeline',
            "severity is 4 in the incident row but 2 in its timeline",
        ],
    ),
    "delete_head": (_delete_head, ["the chain head row is missing"]),
}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def history(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The history, built once per backend; each test tampers with its own copy."""
    pg_url = None
    if request.param == "postgres":
        if find_bin() is None:
            pytest.skip("PostgreSQL is not installed")
        pg_url = request.getfixturevalue("pg_url")
    return template(tmp_path_factory.mktemp(f"history-{request.param}"), pg_url)


@pytest.fixture
def database(history: Template, tmp_path: Path) -> str:
    return history.copy(tmp_path)


def test_the_untouched_history_verifies(database: str) -> None:
    r = warroom(database, "verify")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[-1].startswith(
        "database  20 entries  ok; signed up to database entry 20 (INC-1 #9)"
    )


@pytest.mark.parametrize("attack", list(DATABASE_ATTACKS))
def test_every_change_to_the_database_is_detected_and_named(database: str, attack: str) -> None:
    work, named = DATABASE_ATTACKS[attack]
    tamper(database, work)  # type: ignore[arg-type]
    r = warroom(database, "verify")
    assert r.exit_code == 1, r.output
    for text in named:
        assert text in r.stdout, r.stdout


# --- the attacks on an export -------------------------------------------------------------


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]


def _edit_export(path: Path) -> None:
    lines = _lines(path)
    rec = json.loads(lines[2])
    assert (rec["ref"], rec["seq"]) == ("INC-1", 3)
    rec["text"] = "nothing happened"
    lines[2] = json.dumps(rec, ensure_ascii=False).encode()
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def _truncate_export(path: Path) -> None:
    path.write_bytes(b"".join(line + b"\n" for line in _lines(path)[:-3]))


def _drop_incident(path: Path) -> None:
    lines = [line for line in _lines(path) if b'"ref": "INC-2"' not in line]
    path.write_bytes(b"".join(line + b"\n" for line in lines))


EXPORT_ATTACKS: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "edit_export": (
        _edit_export,
        [
            "INC-1  9 entries  BROKEN: entry 3 was altered after it was written",
            "its lines are not the ones its checkpoint signed: lines were edited",
        ],
    ),
    "truncate_export": (_truncate_export, ["no signed checkpoint at its end", "after INC-3 #4"]),
    "drop_incident_from_export": (
        _drop_incident,
        [
            "INC-2 is missing from the export (its checkpoint lists 5 entries)",
            "it holds 15 records, its checkpoint signed 20",
            "database entry 3 is missing (it was INC-2 #1, as database entry 4 (INC-1 #3) "
            "says); INC-2 is gone from the export",
        ],
    ),
}


@pytest.mark.parametrize("attack", list(EXPORT_ATTACKS))
def test_every_change_to_an_export_is_detected_and_named(
    database: str, attack: str, tmp_path: Path
) -> None:
    out = tmp_path / "audit.jsonl"
    assert warroom(database, "export", "--all", "--format", "jsonl", "-o", str(out)).exit_code == 0
    assert warroom(database, "verify", "--file", str(out)).exit_code == 0
    edit, named = EXPORT_ATTACKS[attack]
    edit(out)
    r = warroom(database, "verify", "--file", str(out))
    assert r.exit_code == 1, r.output
    for text in named:
        assert text in r.stdout, r.stdout
