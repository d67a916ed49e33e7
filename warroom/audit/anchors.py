"""What vouches for the database chain from outside its reach: signed heads.

- the chain head row (signed at every commit that appended entries);
- the checkpoint history (a signed head every hundred entries, and the migration's);
- the witness beside the audit key (the heads this user's commits and exports signed).

A head counts when its signature is right and its key is trusted here (the own key,
``trusted/*.pem``, ``--key``). Each must be found unchanged in the chain; none may
name a place past the chain's end (a cut tail); and the chain may not go on past the
newest one (entries nobody signed). A re-chained database keeps its links consistent
but cannot sign them: the heads signed before the change no longer match.

The witness is read before the database: a head lands there only after its commit, so
whatever it holds is in the database snapshot read next.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from warroom.audit import witness
from warroom.audit.checkpoint import Head, Signed, entry_name, trust_problem
from warroom.audit.keys import fingerprint, trusted_keys
from warroom.models import AuditCheckpoint, ChainHead

if TYPE_CHECKING:
    from warroom.audit.verify import ChainAudit


@dataclass
class Anchors:
    database: str | None  # None: the chain head row is missing
    head: Head | None
    head_signed: bool
    points: list[Signed] = field(default_factory=list)
    trusted: set[str] = field(default_factory=set)
    witnessed: int = 0

    def places(self) -> set[int]:
        out = {0} | {p.head.gseq for p in self.points}
        if self.head is not None:
            out.add(self.head.gseq)
        return out


async def snapshot(s: AsyncSession) -> None:
    """Read the whole database as of one moment: SQLite's read transaction does already;
    PostgreSQL needs REPEATABLE READ (the session's first statement)."""
    if s.get_bind().dialect.name == "postgresql" and not s.in_transaction():
        await s.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _iso(at: object) -> str | None:
    return (
        at.astimezone(UTC).isoformat(timespec="microseconds") if isinstance(at, datetime) else None
    )


def _signed(row: object, database: str, source: str) -> Signed | None:
    key, signature = getattr(row, "key", None), getattr(row, "signature", None)
    if not key or not signature:
        return None
    r = row  # a row of chain_head or audit_checkpoint
    head = Head(database, r.gseq, r.ghash, r.incident_id, r.seq, _iso(r.at))  # type: ignore[attr-defined]
    return Signed(head, key, signature, source)


async def load_anchors(
    s: AsyncSession, extra_keys: tuple[Ed25519PublicKey, ...] = (), folder: Path | None = None
) -> Anchors:
    witnessed = witness.read_heads(folder)  # first: see the module's note
    trusted = trusted_keys(folder, extra_keys)
    await snapshot(s)
    h = ChainHead.__table__  # type: ignore[attr-defined]
    row = (await s.execute(select(h).where(h.c.id == 1))).first()
    if row is None:
        return Anchors(None, None, False, trusted=trusted)
    database = row.database_id
    head = Head(database, row.gseq, row.ghash, row.incident_id, row.seq, _iso(row.at))
    anchors = Anchors(database, head, False, trusted=trusted)
    signed = _signed(row, database, "signed chain head")
    if signed is not None:
        anchors.head_signed = True
        anchors.points.append(signed)
    cp = AuditCheckpoint.__table__  # type: ignore[attr-defined]
    for r in (await s.execute(select(cp).order_by(cp.c.gseq))).all():
        # A checkpoint row carries its own database id; the signature is checked against
        # the head's, so a row copied from another database does not verify.
        point = _signed(r, database, "checkpoint")
        if point is not None:
            anchors.points.append(point)
    seen = witness.heads_of(database, heads=witnessed)
    anchors.points.extend(seen)
    anchors.witnessed = len(seen)
    return anchors


def check_anchors(a: Anchors, chain: ChainAudit) -> None:
    last_g, last_iid, last_seq, last_hash = chain.last
    end = entry_name(last_g, last_iid, last_seq) if last_g else "nothing (no entries)"

    def name(g: int) -> str:
        seen = chain.seen.get(g)
        return entry_name(g, seen[0], seen[1]) if seen else entry_name(g, None, None)

    if a.head is None:
        chain.problem("the chain head row is missing (deleted from the database)")
    else:
        if a.head.gseq > last_g:
            chain.problem(
                f"the chain head names {a.head.entry}, but the chain ends at {end}: "
                "the entries after it were removed"
            )
        elif a.head.gseq < last_g:
            chain.problem(f"the chain goes on past its head ({a.head.entry}) to {end}")
        elif a.head.ghash != last_hash:
            chain.problem(f"the chain head's link for {a.head.entry} is not the chain's")
        if not a.head_signed and last_g:
            chain.problem("the chain head is not signed (it was written without the audit key)")
    by_source: dict[str, list[Signed]] = defaultdict(list)
    for p in a.points:
        by_source[p.source].append(p)
    good: list[int] = []
    differ: dict[str, Signed] = {}
    for source, points in by_source.items():
        bad = [why for p in points if (why := trust_problem(p, a.trusted))]
        if bad:
            more = f" (and {len(bad) - 1} more like it)" if len(bad) > 1 else ""
            chain.problem(bad[0] + more)
        ok = [p for p in points if not trust_problem(p, a.trusted)]
        beyond = [p for p in ok if p.head.gseq > last_g]
        if beyond:
            p = max(beyond, key=lambda p: p.head.gseq)
            chain.problem(
                f"the {p.source} saw {p.head.entry}, but the chain ends at {end}: "
                "the entries after it were removed"
            )
        for p in sorted(ok, key=lambda p: p.head.gseq):
            seen = chain.seen.get(p.head.gseq)
            if seen is None:
                continue  # past the end (above) or a missing place (the chain pass says)
            if seen[2] == p.head.ghash:
                good.append(p.head.gseq)
            else:
                differ.setdefault(source, p)
    for p in differ.values():
        lower = max((g for g in good if g < p.head.gseq), default=0)
        since = f"after {name(lower)}" if lower else "from the first entry on"
        chain.problem(
            f"{name(p.head.gseq)} is not the link the {p.source} signed there "
            f"(key {fingerprint(bytes.fromhex(p.key))}): entries {since} up to it were "
            "changed and the chain computed again"
        )
    covered = max(good, default=0)
    if last_g > covered:
        after = last_g - covered - 1
        chain.problem(
            f"{name(covered + 1)}"
            + (f" and the {after} entries after it are" if after else " is")
            + " not covered by a signed checkpoint (written outside warroom, or without "
            "the audit key)"
        )
    if good:
        chain.notes.append(f"signed up to {name(covered)}")
    if a.database is not None and not a.witnessed:
        chain.notes.append("the witness here has not seen this database")
