"""The database chain: every timeline entry of every incident in one sequence, like a
transparency log, so a removed entry, a removed incident or a cut tail breaks it.

Each entry gets ``gseq`` (its place among all entries, from 1), ``prior_incident_id``
and ``prior_seq`` (the entry before it there), ``state`` (what it changed in its
incident, :mod:`warroom.audit.projection`), ``gprev_hash`` (the link before it; 64
zeros for the first) and ``ghash``: the SHA-256 of the canonical JSON of::

    {"gseq": N, "gprev_hash": PREV, "prior": [INCIDENT, SEQ] or null,
     "incident_id": I, "seq": S, "hash": THE ENTRY'S OWN HASH, "state": STATE or null}

The entry's own ``hash`` (per incident, :mod:`warroom.incident.timeline`) covers its
text, author and times, so the link covers everything the entry says.

:func:`link` is called by the one append helper with the chain head locked (one row,
``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write lock serialises writers), in
the entry's own transaction. When that transaction commits, its head is written back
and signed (:func:`_seal`), every :data:`CHECKPOINT_EVERY` entries also into the
checkpoint history, and after the commit the signed head is appended to the witness.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.orm import Session

from warroom.audit import projection, witness
from warroom.audit.checkpoint import Head, Signed, sign
from warroom.audit.keys import signing_key
from warroom.incident import timeline
from warroom.models import AuditCheckpoint, ChainHead, TimelineEntry

GENESIS = "0" * 64
CHECKPOINT_EVERY = 100
_CHANGES = "warroom.audit.changes"
_PENDING = "warroom.audit.pending"
_SIGNED = "warroom.audit.signed"


def link_hash(
    gseq: int,
    gprev_hash: str,
    prior_incident_id: int | None,
    prior_seq: int | None,
    incident_id: int,
    seq: int,
    entry_hash: str,
    state: str | None,
) -> str:
    """The SHA-256 of the canonical JSON above; written out by hand (the keys in sorted
    order, the same bytes ``json.dumps(..., sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`` gives) as ``verify`` computes it for every entry."""
    prior = "null" if prior_incident_id is None else f"[{prior_incident_id},{_num(prior_seq)}]"
    quoted = "null" if state is None else json.dumps(state, ensure_ascii=False)
    payload = (
        f'{{"gprev_hash":{json.dumps(gprev_hash)},"gseq":{gseq},"hash":{json.dumps(entry_hash)},'
        f'"incident_id":{incident_id},"prior":{prior},"seq":{seq},"state":{quoted}}}'
    )
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def _num(n: int | None) -> str:
    return "null" if n is None else str(n)


def set_link(entry: Any, gseq: int, gprev: str, prior: tuple[int | None, int | None]) -> str:
    """Give ``entry`` its place after ``gprev`` (entry ``prior``); returns its link hash."""
    entry.gseq, entry.gprev_hash = gseq, gprev
    entry.prior_incident_id, entry.prior_seq = prior
    entry.ghash = link_hash(
        gseq, gprev, prior[0], prior[1], entry.incident_id, entry.seq, entry.hash, entry.state
    )
    return str(entry.ghash)


@dataclass
class _Pending:
    """The chain as this transaction leaves it (the head row is locked meanwhile)."""

    database: str
    start: int
    gseq: int
    ghash: str
    prior: tuple[int | None, int | None]
    at: datetime | None = None
    missing_head: bool = False
    entries: list[TimelineEntry] = field(default_factory=list)


async def _head(session: Any) -> _Pending:
    q = select(ChainHead.__table__).where(ChainHead.__table__.c.id == 1).with_for_update()  # type: ignore[attr-defined]
    row = (await session.execute(q)).first()
    if row is not None:
        return _Pending(row.database_id, row.gseq, row.gseq, row.ghash, (row.incident_id, row.seq))
    # The head row is gone (a damaged database): carry on from the newest link, under a
    # new database id; verify reports the break.
    t = TimelineEntry.__table__  # type: ignore[attr-defined]
    last = (
        await session.execute(
            select(t.c.gseq, t.c.ghash, t.c.incident_id, t.c.seq)
            .where(t.c.gseq.is_not(None))
            .order_by(t.c.gseq.desc())
            .limit(1)
        )
    ).first()
    n, h, prior = (last[0], last[1], (last[2], last[3])) if last else (0, GENESIS, (None, None))
    return _Pending(uuid.uuid4().hex, n, n, h, prior, missing_head=True)


def _tail_query() -> Any:
    t, h = TimelineEntry.__table__, ChainHead.__table__  # type: ignore[attr-defined]
    newest = t.c.incident_id == bindparam("incident_id")
    last_seq = select(t.c.seq).where(newest).order_by(t.c.seq.desc()).limit(1)
    last_hash = select(t.c.hash).where(newest).order_by(t.c.seq.desc()).limit(1)
    return (
        select(h, last_seq.scalar_subquery().label("l_seq"), last_hash.scalar_subquery())
        .where(h.c.id == 1)
        .with_for_update(of=h)
    )


# Built once: building a statement costs more than running it from the compiled cache.
_TAIL = _tail_query()
_HEAD_UPDATE = update(ChainHead.__table__).where(ChainHead.__table__.c.id == 1)  # type: ignore[attr-defined]
_CHECKPOINT = insert(AuditCheckpoint.__table__)  # type: ignore[attr-defined]


async def tail(session: Any, incident_id: int) -> tuple[int, str] | None:
    """The seq and hash of the incident's last entry, where its next one chains on. On the
    transaction's first append the chain head is locked and read in the same query."""
    if _PENDING in session.info:
        return (await session.execute(timeline.last_link(incident_id))).first()  # type: ignore[no-any-return]
    row = (await session.execute(_TAIL, {"incident_id": incident_id})).first()
    if row is None:
        session.info[_PENDING] = await _head(session)
        return (await session.execute(timeline.last_link(incident_id))).first()  # type: ignore[no-any-return]
    session.info[_PENDING] = _Pending(
        row.database_id, row.gseq, row.gseq, row.ghash, (row.incident_id, row.seq)
    )
    return None if row.l_seq is None else (row.l_seq, row[-1])


async def link(session: Any, entry: TimelineEntry) -> None:
    """Put ``entry`` (its incident fields and hash set, not yet added) at the end of the
    database chain, with what this transaction changed in its incident. The session's
    pending changes must be flushed (the append helper's query did it)."""
    info = session.info
    pending: _Pending | None = info.get(_PENDING)
    if pending is None:
        pending = info[_PENDING] = await _head(session)
    changes: dict[int, projection.Changes] = info.get(_CHANGES, {})
    entry.state = projection.encode(changes.pop(entry.incident_id, None))
    pending.gseq += 1
    pending.ghash = set_link(entry, pending.gseq, pending.ghash, pending.prior)
    pending.prior = (entry.incident_id, entry.seq)
    pending.at = entry.recorded_at
    pending.entries.append(entry)


# --- the session's events ------------------------------------------------------------------


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _ctx: Any) -> None:
    if session.new or session.dirty:
        projection.collect(session.new, session.dirty, session.info.setdefault(_CHANGES, {}))


def _relink(pending: _Pending, changes: dict[int, projection.Changes]) -> None:
    """Changes made after an incident's last entry of the transaction go into that entry;
    the links from it on are computed again."""
    first = None
    for i in range(len(pending.entries) - 1, -1, -1):
        e = pending.entries[i]
        if e.incident_id in changes:
            e.state = projection.merge(e.state, changes.pop(e.incident_id))
            first = i
    if first is None:
        return
    prev = pending.entries[first - 1] if first else None
    gprev = prev.ghash if prev is not None else pending.entries[0].gprev_hash
    for e in pending.entries[first:]:
        gprev = set_link(e, e.gseq or 0, gprev or GENESIS, (e.prior_incident_id, e.prior_seq))
    pending.ghash = gprev or GENESIS


@event.listens_for(Session, "before_commit")
def _seal(session: Session) -> None:
    pending: _Pending | None = session.info.get(_PENDING)
    if pending is None:
        return
    session.flush()
    _relink(pending, session.info.get(_CHANGES, {}))
    at = pending.at.isoformat(timespec="microseconds") if pending.at else None
    head = Head(pending.database, pending.gseq, pending.ghash, *pending.prior, at=at)
    signed: Signed | None = None
    with contextlib.suppress(OSError, ValueError):
        key = signing_key()
        if key is not None:
            signed = sign(key, head, "chain head")
    values = {
        "database_id": head.database,
        "gseq": head.gseq,
        "ghash": head.ghash,
        "incident_id": head.incident_id,
        "seq": head.seq,
        "at": pending.at,
        "key": signed.key if signed else None,
        "signature": signed.signature if signed else None,
    }
    if pending.missing_head:
        session.execute(insert(ChainHead.__table__).values(id=1, **values))  # type: ignore[attr-defined]
    else:
        session.execute(_HEAD_UPDATE, values)
    if signed is not None and pending.start // CHECKPOINT_EVERY != head.gseq // CHECKPOINT_EVERY:
        session.execute(_CHECKPOINT, {"reason": "regular", **values})
    session.info[_SIGNED] = signed


@event.listens_for(Session, "after_commit")
def _witness(session: Session) -> None:
    signed = session.info.pop(_SIGNED, None)
    _forget(session)
    if signed is not None:
        witness.append(signed)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    for k in (_CHANGES, _PENDING, _SIGNED):
        session.info.pop(k, None)
