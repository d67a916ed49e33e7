"""The audit export of timelines: one record per entry, with the hash chain fields, so an
auditor can re-verify every chain from the file alone (:func:`verify_records`).

Records are read in batches (plain column selects, no ORM objects) and formatted batch
by batch: a 100,000-entry incident never sits in memory as one list of rows.

Re-verifying by hand: an entry's ``hash`` is the SHA-256 of the canonical JSON
(sorted keys, no spaces, UTF-8) of ``incident_id, seq, at, recorded_at`` (ISO-8601
with microseconds and ``+00:00``), ``author, role, kind, text, key_event``,
``corrects_id`` (the ``corrects`` column) and ``prev_hash``; the first entry's
``prev_hash`` is 64 zeros and each next one is the hash before it. ``gseq`` ...
``ghash`` are the entry's link in the chain over the whole database
(:mod:`warroom.audit.chain` says how ``ghash`` is computed).

A JSONL export ends with one more line, its signed checkpoint (:mod:`warroom.audit.
seal`): what it holds, up to which link, signed with the exporter's audit key, so
``warroom verify --file`` can tell a complete, unchanged export from a cut or edited
one. JSONL text is byte-exact. CSV cells that a spreadsheet would run as a formula
(beginning with ``=``, ``+``, ``-``, ``@``, tab or CR) get a leading ``'`` unless
``raw`` (the OWASP rule); CSV is for reading, JSONL for verifying.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from warroom.audit.seal import ExportSeal, export_key
from warroom.errors import BadInput, no_incident
from warroom.incident.refs import parse_ref, ref_for
from warroom.incident.timeline import ChainReport, verify_chain
from warroom.models import Incident, TimelineEntry
from warroom.store import Store
from warroom.text import printable, safe_json
from warroom.timeparse import iso_z

FORMATS = ("jsonl", "csv")
FIELDS = (
    "ref",
    "incident_id",
    "seq",
    "at",
    "recorded_at",
    "author",
    "role",
    "kind",
    "text",
    "key_event",
    "corrects",
    "prev_hash",
    "hash",
    "gseq",
    "prior_incident_id",
    "prior_seq",
    "state",
    "gprev_hash",
    "ghash",
)
BATCH = 1_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _record(row: Any) -> dict[str, Any]:
    ref, iid, seq, at, recorded_at, author, role, kind, text, key, corrects, prev, h = row[:13]
    gseq, p_iid, p_seq, state, gprev, ghash = row[13:]
    return {
        "ref": ref or ref_for(iid),
        "incident_id": iid,
        "seq": seq,
        "at": iso_z(at),
        "recorded_at": iso_z(recorded_at),
        "author": author,
        "role": role,
        "kind": kind,
        "text": text,
        "key_event": bool(key),
        "corrects": corrects,
        "prev_hash": prev,
        "hash": h,
        "gseq": gseq,
        "prior_incident_id": p_iid,
        "prior_seq": p_seq,
        "state": state,
        "gprev_hash": gprev,
        "ghash": ghash,
    }


async def _check_ref(store: Store, ref: str) -> int:
    n = parse_ref(ref)
    async with store.read() as s:
        if await s.get(Incident, n) is None:
            raise no_incident(n)
    return n


async def iter_records(
    store: Store,
    incident_id: int | None = None,
    batch: int = BATCH,
    session: AsyncSession | None = None,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Batches of records of one incident (or all), in incident then seq order (in
    ``session``'s transaction when given)."""
    t = TimelineEntry.__table__  # type: ignore[attr-defined]
    i = Incident.__table__  # type: ignore[attr-defined]
    q = (
        select(
            i.c.ref,
            t.c.incident_id,
            t.c.seq,
            t.c.at,
            t.c.recorded_at,
            t.c.author,
            t.c.role,
            t.c.kind,
            t.c.text,
            t.c.key_event,
            t.c.corrects_id,
            t.c.prev_hash,
            t.c.hash,
            t.c.gseq,
            t.c.prior_incident_id,
            t.c.prior_seq,
            t.c.state,
            t.c.gprev_hash,
            t.c.ghash,
        )
        .join(i, i.c.id == t.c.incident_id)
        .order_by(t.c.incident_id, t.c.seq)
        .execution_options(yield_per=batch)
    )
    if incident_id is not None:
        q = q.where(t.c.incident_id == incident_id)
    async with contextlib.AsyncExitStack() as stack:
        s = session if session is not None else await stack.enter_async_context(store.read())
        result = await s.stream(q)
        async for rows in result.partitions(batch):
            yield [_record(r) for r in rows]


def jsonl_lines(records: Iterable[dict[str, Any]]) -> str:
    """One JSON object per line; every control or line-breaking character escaped."""
    return "".join(safe_json(r) + "\n" for r in records)


def neutralise(text: str) -> str:
    """A cell a spreadsheet would take for a formula, made plain text (OWASP: a leading
    single quote); any other text unchanged."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


_RISKY = frozenset(FORMULA_STARTS)


def _csv_row(r: dict[str, Any], raw: bool) -> list[Any]:
    out: list[Any] = []
    for k in FIELDS:
        v = r[k]
        if v is None:
            v = ""
        elif v is True or v is False:
            v = "true" if v else "false"
        elif not raw and type(v) is str and v[:1] in _RISKY:
            v = "'" + v
        out.append(v)
    return out


def csv_rows(records: Iterable[dict[str, Any]], *, header: bool = False, raw: bool = False) -> str:
    """RFC 4180 CSV (quoted where needed, CRLF rows): commas, quotes and newlines in the
    text survive a round trip through any CSV reader. Formula-like cells are neutralised
    (:func:`neutralise`) unless ``raw``."""
    buf = io.StringIO()
    w = csv.writer(buf)
    if header:
        w.writerow(FIELDS)
    w.writerows(_csv_row(r, raw) for r in records)
    return buf.getvalue()


async def export_chunks(
    store: Store, ref: str | None, fmt: str, *, terminal: bool = False, raw: bool = False
) -> AsyncIterator[str]:
    """The export of incident ``ref`` (None: every incident) as text chunks; a JSONL
    export ends with its signed checkpoint, and the head it exported goes into the
    witness. An unknown ``ref`` raises NotFound, a missing audit key an error, before
    anything is produced. ``terminal``: control characters in CSV text are shown
    escaped (the file itself stays byte-exact). ``raw``: CSV cells as stored."""
    if fmt not in FORMATS:
        raise BadInput(f"unknown export format {fmt!r}; expected jsonl or csv.")
    incident_id = await _check_ref(store, ref) if ref is not None else None
    seal = ExportSeal(export_key(), ref_for(incident_id) if incident_id is not None else "all")
    if fmt == "csv":
        yield csv_rows([], header=True)
    async with store.read() as s:
        await seal.read_head(s)
        async for batch in iter_records(store, incident_id, session=s):
            if fmt == "jsonl":
                chunk = jsonl_lines(batch)
                seal.add(batch, chunk)
                yield chunk
                continue
            seal.add(batch, "")
            if terminal:
                batch = [{**r, "text": printable(r["text"], keep_newlines=True)} for r in batch]
            yield csv_rows(batch, raw=raw)
    if fmt == "jsonl":
        yield seal.line(store.clock.now()) + "\n"
    seal.witness()


# --- reading an export back (what an auditor does) ---------------------------------------


def read_jsonl(text: str) -> list[dict[str, Any]]:
    """The records of a JSONL export (its closing checkpoint left out)."""
    out = [json.loads(line) for line in text.split("\n") if line]
    return [r for r in out if "checkpoint" not in r]


def read_csv(text: str) -> list[dict[str, Any]]:
    """CSV rows back to records with the types of the JSONL export."""
    out = []
    for row in csv.DictReader(io.StringIO(text, newline="")):
        rec: dict[str, Any] = dict(row)
        for k in ("incident_id", "seq"):
            rec[k] = int(rec[k])
        for k in ("corrects", "gseq", "prior_incident_id", "prior_seq"):
            rec[k] = int(rec[k]) if rec.get(k) else None
        for k in ("role", "state", "gprev_hash", "ghash"):
            rec[k] = rec.get(k) or None
        rec["key_event"] = rec["key_event"] == "true"
        out.append(rec)
    return out


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def verify_records(records: Iterable[dict[str, Any]]) -> list[ChainReport]:
    """Re-verify the hash chain of every incident in an export (records in file order)."""
    by_ref: dict[str, list[TimelineEntry]] = {}
    for r in records:
        entry = TimelineEntry(
            incident_id=r["incident_id"],
            seq=r["seq"],
            at=_parse(r["at"]),
            recorded_at=_parse(r["recorded_at"]),
            author=r["author"],
            role=r["role"],
            kind=r["kind"],
            text=r["text"],
            key_event=r["key_event"],
            corrects_id=r["corrects"],
            prev_hash=r["prev_hash"],
            hash=r["hash"],
        )
        by_ref.setdefault(r["ref"], []).append(entry)
    return [verify_chain(ref, entries) for ref, entries in by_ref.items()]
