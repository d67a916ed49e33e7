"""The audit export of timelines: one record per entry, with the hash chain fields, so an
auditor can re-verify every chain from the file alone (:func:`verify_records`).

Records are read in batches (plain column selects, no ORM objects) and formatted batch
by batch: a 100,000-entry incident never sits in memory as one list of rows.

Re-verifying by hand: an entry's ``hash`` is the SHA-256 of the canonical JSON
(sorted keys, no spaces, UTF-8) of ``incident_id, seq, at, recorded_at`` (ISO-8601
with microseconds and ``+00:00``), ``author, role, kind, text, key_event``,
``corrects_id`` (the ``corrects`` column) and ``prev_hash``; the first entry's
``prev_hash`` is 64 zeros and each next one is the hash before it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

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
)
BATCH = 1_000


def _record(row: Any) -> dict[str, Any]:
    ref, iid, seq, at, recorded_at, author, role, kind, text, key, corrects, prev, h = row
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
    }


async def _check_ref(store: Store, ref: str) -> int:
    n = parse_ref(ref)
    async with store.read() as s:
        if await s.get(Incident, n) is None:
            raise no_incident(n)
    return n


async def iter_records(
    store: Store, incident_id: int | None = None, batch: int = BATCH
) -> AsyncIterator[list[dict[str, Any]]]:
    """Batches of records of one incident (or all), in incident then seq order."""
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
        )
        .join(i, i.c.id == t.c.incident_id)
        .order_by(t.c.incident_id, t.c.seq)
        .execution_options(yield_per=batch)
    )
    if incident_id is not None:
        q = q.where(t.c.incident_id == incident_id)
    async with store.read() as s:
        result = await s.stream(q)
        async for rows in result.partitions(batch):
            yield [_record(r) for r in rows]


def jsonl_lines(records: Iterable[dict[str, Any]]) -> str:
    """One JSON object per line; every control or line-breaking character escaped."""
    return "".join(safe_json(r) + "\n" for r in records)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_rows(records: Iterable[dict[str, Any]], *, header: bool = False) -> str:
    """RFC 4180 CSV (quoted where needed, CRLF rows): commas, quotes and newlines in the
    text survive a round trip through any CSV reader."""
    buf = io.StringIO()
    w = csv.writer(buf)
    if header:
        w.writerow(FIELDS)
    for r in records:
        w.writerow([_csv_value(r[k]) for k in FIELDS])
    return buf.getvalue()


async def export_chunks(
    store: Store, ref: str | None, fmt: str, *, terminal: bool = False
) -> AsyncIterator[str]:
    """The export of incident ``ref`` (None: every incident) as text chunks. An unknown
    ``ref`` raises NotFound before anything is produced. ``terminal``: control
    characters in CSV text are shown escaped (the file itself stays byte-exact)."""
    if fmt not in FORMATS:
        raise BadInput(f"unknown export format {fmt!r}; expected jsonl or csv.")
    incident_id = await _check_ref(store, ref) if ref is not None else None
    if fmt == "csv":
        yield csv_rows([], header=True)
    async for batch in iter_records(store, incident_id):
        if fmt == "jsonl":
            yield jsonl_lines(batch)
            continue
        if terminal:
            batch = [{**r, "text": printable(r["text"], keep_newlines=True)} for r in batch]
        yield csv_rows(batch)


# --- reading an export back (what an auditor does) ---------------------------------------


def read_jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.split("\n") if line]


def read_csv(text: str) -> list[dict[str, Any]]:
    """CSV rows back to records with the types of the JSONL export."""
    out = []
    for row in csv.DictReader(io.StringIO(text, newline="")):
        rec: dict[str, Any] = dict(row)
        for k in ("incident_id", "seq"):
            rec[k] = int(rec[k])
        rec["corrects"] = int(rec["corrects"]) if rec["corrects"] else None
        rec["role"] = rec["role"] or None
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
