"""``warroom verify``: everything the database says about its timelines, checked.

1. Each incident's own chain (:func:`~warroom.incident.timeline.verify_chain`), that
   each of its entries has a place in the database chain, and that its stored row and
   role holders are what its timeline's changes leave (:mod:`warroom.audit.projection`).
2. The database chain in ``gseq`` order: no place missing, each link following the one
   before, each link hash right (:func:`chain_pass`).
3. The anchors: the signed chain head, the checkpoint history and the witness each
   vouch for a link; the chain must hold it unchanged, nothing may have been cut off
   after it, and nothing may stand after the newest one (:mod:`warroom.audit.anchors`).

Two streamed passes over the entries (one in incident order, one in chain order): one
incident's entries in memory at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from warroom.audit import projection
from warroom.audit.anchors import Anchors, check_anchors, load_anchors
from warroom.audit.chain import GENESIS, link_hash
from warroom.audit.checkpoint import entry_name
from warroom.incident.refs import ref_for
from warroom.incident.timeline import entries_by_incident, verify_chain
from warroom.models import Incident, TimelineEntry

BATCH = 5_000
MAX_PROBLEMS = 20  # per incident and for the database chain; the rest are counted


@dataclass
class IncidentAudit:
    ref: str
    entries: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "entries": self.entries, "ok": self.ok, "problems": self.problems}


@dataclass
class ChainAudit:
    """The database chain: its length, its last link and what is wrong with it."""

    entries: int = 0
    last: tuple[int, int | None, int | None, str] = (0, None, None, GENESIS)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seen: dict[int, tuple[int, int, str]] = field(default_factory=dict)
    dropped: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        else:
            self.dropped += 1

    def to_json(self) -> dict[str, Any]:
        gseq, iid, seq, _ = self.last
        return {
            "entries": self.entries,
            "last": entry_name(gseq, iid, seq) if gseq else None,
            "ok": self.ok,
            "problems": self.problems + self._more(),
            "notes": self.notes,
        }

    def _more(self) -> list[str]:
        return [f"... and {self.dropped} more problems"] if self.dropped else []


@dataclass
class Audit:
    incidents: list[IncidentAudit]
    chain: ChainAudit

    @property
    def ok(self) -> bool:
        return self.chain.ok and all(i.ok for i in self.incidents)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "incidents": [i.to_json() for i in self.incidents],
            "database": self.chain.to_json(),
        }


def _incident_audit(n: int, rows: list[Any], stored: projection.Changes | None) -> IncidentAudit:
    ref = ref_for(n)
    audit = IncidentAudit(ref, len(rows))
    report = verify_chain(ref, rows)
    if not report.ok and report.problem:
        audit.problems.append(report.problem)
    unlinked = [r.seq for r in rows if r.gseq is None]
    if unlinked:
        audit.problems.append(
            f"entry {unlinked[0]} is not in the database chain (written outside warroom)"
            + (f", nor are {len(unlinked) - 1} more" if len(unlinked) > 1 else "")
        )
    if stored is None:
        audit.problems.append(f"the incident row is missing ({len(rows)} entries remain)")
    elif not rows:
        audit.problems.append("no timeline entries: its declaration and all after it are gone")
    else:
        audit.problems.extend(
            projection.differences(stored, projection.replay(r.state for r in rows))
        )
    return audit


async def incident_pass(s: AsyncSession, incident_ids: Sequence[int] | None) -> list[IncidentAudit]:
    """Each incident's chain and row (every incident, or these)."""
    stored = await projection.stored_rows(s, list(incident_ids) if incident_ids else None)
    out: dict[int, IncidentAudit] = {}
    async for n, rows in entries_by_incident(s, incident_ids):
        out[n] = _incident_audit(n, rows, stored.get(n))
    for n in incident_ids if incident_ids is not None else stored:
        if n not in out:
            out[n] = _incident_audit(n, [], stored.get(n))
    return [out[n] for n in sorted(out)]


class ChainWalker:
    """Checks links fed in ``gseq`` order into a :class:`ChainAudit`. ``keep``: places
    whose links the anchors name (kept, with the place after each); ``existing``: the
    incidents that still exist (a gap before a vanished one says so)."""

    def __init__(self, keep: set[int], existing: set[int], where: str = "the database") -> None:
        self.audit = ChainAudit()
        self.where = where
        self.keep = keep | {g + 1 for g in keep}
        self.existing = existing
        self.expected, self.prev_hash = 1, GENESIS
        self.prev: tuple[int | None, int | None] = (None, None)

    def feed(
        self,
        g: int,
        iid: int,
        seq: int,
        h: str,
        state: str | None,
        p_iid: int | None,
        p_seq: int | None,
        gprev: str | None,
        ghash: str | None,
    ) -> None:
        audit = self.audit
        here = entry_name(g, iid, seq)
        if g != self.expected:
            audit.problem(_gap(self.expected, g, here, p_iid, p_seq, self.existing, self.where))
        elif gprev != self.prev_hash or (p_iid, p_seq) != self.prev:
            audit.problem(f"{here} does not follow {entry_name(g - 1, *self.prev)}")
        if link_hash(g, gprev or "", p_iid, p_seq, iid, seq, h, state) != ghash:
            audit.problem(f"{here} was altered after it was written (its link does not match)")
        if g in self.keep:
            audit.seen[g] = (iid, seq, ghash or "")
        audit.entries += 1
        self.expected, self.prev_hash, self.prev = g + 1, ghash or "", (iid, seq)
        audit.last = (g, iid, seq, ghash or "")


async def chain_pass(s: AsyncSession, watch: set[int], existing: set[int]) -> ChainAudit:
    """The database chain in order (see :class:`ChainWalker`)."""
    t = TimelineEntry.__table__  # type: ignore[attr-defined]
    q = (
        select(
            t.c.gseq,
            t.c.incident_id,
            t.c.seq,
            t.c.hash,
            t.c.state,
            t.c.prior_incident_id,
            t.c.prior_seq,
            t.c.gprev_hash,
            t.c.ghash,
        )
        .where(t.c.gseq.is_not(None))
        .order_by(t.c.gseq)
        .execution_options(yield_per=BATCH)
    )
    walker = ChainWalker(watch, existing)
    result = await s.stream(q)
    async for batch in result.partitions(BATCH):
        for row in batch:
            walker.feed(*row)
    return walker.audit


def _gap(
    expected: int,
    g: int,
    here: str,
    p_iid: int | None,
    p_seq: int | None,
    existing: set[int],
    where: str,
) -> str:
    if g < expected:
        return f"{here} appears twice in the database chain"
    places = (
        f"database entry {expected}"
        if g == expected + 1
        else f"database entries {expected}-{g - 1}"
    )
    verb = "is" if g == expected + 1 else "are"
    if p_iid is None:
        return f"{places} {verb} missing (before {here})"
    last = f"{ref_for(p_iid)} #{p_seq}"
    gone = "" if p_iid in existing else f"; {ref_for(p_iid)} is gone from {where}"
    which = "it was" if g == expected + 1 else "the last of them was"
    return f"{places} {verb} missing ({which} {last}, as {here} says){gone}"


async def verify_database(
    s: AsyncSession,
    incident_ids: Sequence[int] | None = None,
    *,
    anchors: Anchors | None = None,
) -> Audit:
    """Verify the incidents ``incident_ids`` (default: all) and the whole database chain."""
    anchors = anchors if anchors is not None else await load_anchors(s)
    incidents = await incident_pass(s, incident_ids)
    i = Incident.__table__  # type: ignore[attr-defined]
    existing = {n for n in (await s.execute(select(i.c.id))).scalars()}
    chain = await chain_pass(s, anchors.places(), existing)
    check_anchors(anchors, chain)
    if chain.dropped:
        chain.problems.extend(chain._more())
    return Audit(incidents, chain)
