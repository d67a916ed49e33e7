"""Linking entries written without the database chain: those of a database from before
the chain (migration 0004) and those a bulk loader inserts (``tests/bench``).

Entries are linked after the current head in order of ``recorded_at`` and ``id``; each
incident's last newly linked entry carries the incident's full state as its row holds it
then (the migration vouches for the rows as they were). The new head is signed when
the audit key can be had, and kept in the checkpoint history.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from datetime import UTC
from typing import Any

from sqlalchemy import bindparam, create_engine, insert, select, update
from sqlalchemy.engine import Connection

from warroom.audit import projection
from warroom.audit.chain import GENESIS, set_link
from warroom.audit.checkpoint import Head, Signed, sign
from warroom.audit.keys import signing_key
from warroom.models import AuditCheckpoint, ChainHead, Incident, RoleAssignment, TimelineEntry

BATCH = 5_000


class _Row:
    __slots__ = (
        "ghash",
        "gprev_hash",
        "gseq",
        "hash",
        "id",
        "incident_id",
        "prior_incident_id",
        "prior_seq",
        "seq",
        "state",
    )

    def __init__(self, r: Any) -> None:
        self.id, self.incident_id, self.seq, self.hash = r.id, r.incident_id, r.seq, r.hash
        self.state: str | None = None
        self.gseq: int | None = None
        self.gprev_hash: str | None = None
        self.prior_incident_id: int | None = None
        self.prior_seq: int | None = None
        self.ghash: str | None = None


def _states(conn: Connection, incident_ids: set[int]) -> dict[int, str]:
    i, r = Incident.__table__, RoleAssignment.__table__  # type: ignore[attr-defined]
    roles: dict[int, list[Any]] = {}
    q = select(r).where(r.c.ended_at.is_(None)).order_by(r.c.incident_id, r.c.at, r.c.id)
    for row in conn.execute(q):
        roles.setdefault(row.incident_id, []).append(row)
    out = {}
    for row in conn.execute(select(i)):
        if row.id in incident_ids:
            state = projection.full_state(row, projection.holders(roles.get(row.id, [])))
            out[row.id] = projection.canonical(state)
    return out


def link_unchained(conn: Connection, reason: str = "migration") -> int:
    """Link every entry without a place in the database chain; returns how many."""
    t, h = TimelineEntry.__table__, ChainHead.__table__  # type: ignore[attr-defined]
    head = conn.execute(select(h).where(h.c.id == 1)).first()
    prior: tuple[int | None, int | None] = (None, None)
    if head is None:
        database, gseq, ghash = uuid.uuid4().hex, 0, GENESIS
        conn.execute(insert(h).values(id=1, database_id=database, gseq=0, ghash=GENESIS))
    else:
        database, gseq, ghash = head.database_id, head.gseq, head.ghash
        prior = (head.incident_id, head.seq)
    q = (
        select(t.c.id, t.c.incident_id, t.c.seq, t.c.hash, t.c.recorded_at)
        .where(t.c.gseq.is_(None))
        .order_by(t.c.recorded_at, t.c.id)
    )
    rows, at = [], None
    for r in conn.execute(q):
        rows.append(_Row(r))
        at = r.recorded_at
    if not rows:
        return 0
    last: dict[int, _Row] = {}
    for row in rows:
        last[row.incident_id] = row
    for iid, state in _states(conn, set(last)).items():
        last[iid].state = state
    for row in rows:
        gseq += 1
        ghash = set_link(row, gseq, ghash, prior)
        prior = (row.incident_id, row.seq)
    stmt = (
        update(t)
        .where(t.c.id == _bind("rid"))
        .values(
            gseq=_bind("g"),
            gprev_hash=_bind("gp"),
            prior_incident_id=_bind("pi"),
            prior_seq=_bind("ps"),
            state=_bind("st"),
            ghash=_bind("gh"),
        )
    )
    for start in range(0, len(rows), BATCH):
        conn.execute(
            stmt,
            [
                {
                    "rid": r.id,
                    "g": r.gseq,
                    "gp": r.gprev_hash,
                    "pi": r.prior_incident_id,
                    "ps": r.prior_seq,
                    "st": r.state,
                    "gh": r.ghash,
                }
                for r in rows[start : start + BATCH]
            ],
        )
    at = at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at
    stamp = at.astimezone(UTC).isoformat(timespec="microseconds") if at else None
    signed_head = Head(database, gseq, ghash, *prior, at=stamp)
    signed: Signed | None = None
    with contextlib.suppress(OSError, ValueError):
        key = signing_key()
        if key is not None:
            signed = sign(key, signed_head, "chain head")
    values = {
        "database_id": database,
        "gseq": gseq,
        "ghash": ghash,
        "incident_id": prior[0],
        "seq": prior[1],
        "at": at,
        "key": signed.key if signed else None,
        "signature": signed.signature if signed else None,
    }
    conn.execute(update(h).where(h.c.id == 1).values(**values))
    if signed is not None:
        conn.execute(insert(AuditCheckpoint.__table__).values(reason=reason, **values))  # type: ignore[attr-defined]
    return len(rows)


def _bind(name: str) -> Any:
    return bindparam(name)


def link_file(path: str | os.PathLike[str], reason: str = "bulk") -> int:
    """Link the unchained entries of the SQLite file ``path`` (a bulk loader's rows)."""
    engine = create_engine(f"sqlite:///{os.fspath(path)}")
    try:
        with engine.begin() as conn:
            return link_unchained(conn, reason)
    finally:
        engine.dispose()
