"""``warroom verify --file EXPORT.jsonl``: an export checked on its own, on any machine,
with only the signer's public key.

- its closing checkpoint (:mod:`warroom.audit.seal`) is there, its signature right and
  its key trusted; the lines before it are the ones it signed (count and digest);
- each incident's chain is intact and holds every entry the checkpoint lists (a cut
  export or a removed incident is named);
- an export of everything also holds the database chain without a gap up to the head
  it signed, and the database's own signed head (the last writer's) matches it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from warroom.audit.checkpoint import canonical, entry_name, from_json, trust_problem
from warroom.audit.export import FIELDS
from warroom.audit.keys import fingerprint, signature_ok, trusted_keys
from warroom.audit.seal import KIND, parse_line
from warroom.audit.verify import MAX_PROBLEMS, ChainWalker, IncidentAudit
from warroom.errors import BadInput
from warroom.incident.refs import parse_ref
from warroom.incident.timeline import GENESIS, entry_fields, entry_hash


@dataclass
class ExportReport:
    file: str
    records: int = 0
    incidents: dict[str, IncidentAudit] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(i.ok for i in self.incidents.values())

    def incident(self, ref: str) -> IncidentAudit:
        return self.incidents.setdefault(ref, IncidentAudit(ref, 0))

    def lines(self) -> list[str]:
        out = []
        for i in sorted(self.incidents.values(), key=lambda i: _order(i.ref)):
            if i.ok:
                out.append(f"{i.ref}  {i.entries} entries  ok")
            out.extend(f"{i.ref}  {i.entries} entries  BROKEN: {p}" for p in i.problems)
        head = f"export  {self.records} records"
        if not self.problems:
            out.append("; ".join([f"{head}  ok", *self.notes]))
        out.extend(f"{head}  BROKEN: {p}" for p in self.problems)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "ok": self.ok,
            "records": self.records,
            "incidents": [i.to_json() for i in self.incidents.values()],
            "problems": self.problems,
            "notes": self.notes,
        }


def _order(ref: str) -> tuple[int, str]:
    try:
        return parse_ref(ref), ref
    except BadInput:
        return 0, ref


_INTS = ("incident_id", "seq")
_OPTIONAL_INTS = ("gseq", "prior_incident_id", "prior_seq", "corrects")
_STRS = ("ref", "at", "recorded_at", "author", "kind", "text", "prev_hash", "hash")
_OPTIONAL_STRS = ("role", "state", "gprev_hash", "ghash")


def _record(line: bytes) -> dict[str, Any] | None:
    """A record of an export, its fields of the right types; None when it is not one."""
    try:
        r = json.loads(line)
    except ValueError:
        return None
    if not isinstance(r, dict) or any(k not in r for k in FIELDS):
        return None

    def is_int(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    ok = (
        all(is_int(r[k]) for k in _INTS)
        and all(r[k] is None or is_int(r[k]) for k in _OPTIONAL_INTS)
        and all(isinstance(r[k], str) for k in _STRS)
        and all(r[k] is None or isinstance(r[k], str) for k in _OPTIONAL_STRS)
        and isinstance(r["key_event"], bool)
    )
    return r if ok else None


def verify_export_file(path: Path, extra_keys: tuple[Ed25519PublicKey, ...] = ()) -> ExportReport:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}.") from None
    return verify_export(data, trusted_keys(extra=extra_keys), str(path))


Link = tuple[int | None, int, int, str, str | None, int | None, int | None, str | None, str | None]


class _Reader:
    """The records, checked as they are read (one parsed record at a time): each
    incident's chain, its last entry, and the links of the database chain."""

    def __init__(self, report: ExportReport) -> None:
        self.report = report
        self.records = 0
        self.chains: dict[str, tuple[int, str]] = {}  # ref -> (seq, hash) of its last entry
        self.links: list[Link] = []
        self.bad: list[int] = []
        self.last: tuple[str, int] | None = None

    def feed(self, n: int, line: bytes) -> None:
        r = _record(line)
        if r is None:
            self.bad.append(n)
            return
        try:
            fields = entry_fields(
                r["incident_id"],
                r["seq"],
                _parse(r["at"]),
                _parse(r["recorded_at"]),
                r["author"],
                r["role"],
                r["kind"],
                r["text"],
                bool(r["key_event"]),
                r["corrects"],
            )
        except (TypeError, ValueError, AttributeError):
            self.bad.append(n)
            return
        self.records += 1
        ref, seq, h = r["ref"], r["seq"], r["hash"]
        audit = self.report.incident(ref)
        audit.entries += 1
        prev_seq, prev_hash = self.chains.get(ref, (0, GENESIS))
        if not audit.problems:
            if seq != prev_seq + 1:
                audit.problems.append(f"entry {prev_seq + 1} is missing")
            elif r["prev_hash"] != prev_hash:
                audit.problems.append(f"entry {seq} does not follow entry {seq - 1}")
            elif entry_hash(fields, prev_hash) != h:
                audit.problems.append(f"entry {seq} was altered after it was written")
        self.chains[ref] = (seq, h)
        self.last = (ref, seq)
        link = (r["gseq"], r["incident_id"], seq, h, r["state"])
        self.links.append(
            (*link, r["prior_incident_id"], r["prior_seq"], r["gprev_hash"], r["ghash"])
        )


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def verify_export(data: bytes, trusted: set[str], name: str = "export") -> ExportReport:
    report = ExportReport(name)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    seal = parse_line(lines[-1]) if lines else None
    body = lines[:-1] if seal is not None else lines
    reader = _Reader(report)
    for n, line in enumerate(body, start=1):
        reader.feed(n, line)
    del lines
    for n in reader.bad[:MAX_PROBLEMS]:
        report.problems.append(f"line {n} is not a record of a warroom export")
    if len(reader.bad) > MAX_PROBLEMS:
        report.problems.append(f"... and {len(reader.bad) - MAX_PROBLEMS} more such lines")
    report.records = reader.records
    if seal is None:
        last = reader.last
        where = f" after {last[0]} #{last[1]} (line {len(body)})" if last else ""
        report.problems.append(
            f"the export has no signed checkpoint at its end: it was cut off{where}, "
            "or written by an older warroom"
        )
        return report
    signed = sum(len(line) + 1 for line in body)
    _check_seal(report, seal, data[:signed], reader, trusted)
    return report


def _check_seal(
    report: ExportReport,
    seal: dict[str, Any],
    body: bytes,
    reader: _Reader,
    trusted: set[str],
) -> None:
    cp, key, sig = seal.get("checkpoint"), str(seal.get("key")), str(seal.get("signature"))
    if not isinstance(cp, dict) or cp.get("kind") != KIND:
        report.problems.append("its last line is not a warroom export checkpoint")
        return
    signer = fingerprint(bytes.fromhex(key)) if _hex(key) else "?"
    if not signature_ok(key, sig, canonical(cp)):
        report.problems.append(
            f"its checkpoint does not match its signature (key {signer}): the checkpoint was edited"
        )
        return
    if key not in trusted:
        report.problems.append(
            f"its checkpoint is signed by key {signer}, which is not trusted here "
            "(give the signer's public key with --key)"
        )
    else:
        report.notes.append(f"signed by key {signer}")
    if cp.get("records") != reader.records:
        report.problems.append(
            f"it holds {reader.records} records, its checkpoint signed {cp.get('records')}: "
            "lines were added or removed"
        )
    elif cp.get("digest") != hashlib.sha256(body).hexdigest():
        report.problems.append(
            "its lines are not the ones its checkpoint signed: lines were edited"
        )
    listed = cp.get("incidents") or {}
    for ref, want in listed.items():
        audit = report.incidents.get(ref)
        if audit is None:
            report.problems.append(
                f"{ref} is missing from the export (its checkpoint lists "
                f"{want.get('entries')} entries)"
            )
            continue
        seq, h = reader.chains[ref]
        if seq != want.get("entries"):
            audit.problems.append(
                f"the export ends at entry {seq}, its checkpoint lists "
                f"{want.get('entries')} entries: entries were cut off"
            )
        elif h != want.get("hash"):
            audit.problems.append(f"entry {seq} is not the one its checkpoint signed")
    for ref in report.incidents:
        if ref not in listed:
            report.problems.append(f"{ref} is in the export but not in its checkpoint")
    if cp.get("scope") == "all":
        _database_chain(report, cp, seal.get("chain_head"), reader.links, trusted)


def _hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True


def _database_chain(
    report: ExportReport,
    cp: dict[str, Any],
    chain_head: Any,
    links: list[Link],
    trusted: set[str],
) -> None:
    head = cp.get("head") or {}
    writer = from_json(chain_head, "database's signed head") if chain_head else None
    keep = {int(head.get("gseq") or 0)} | ({writer.head.gseq} if writer else set())
    walker = ChainWalker(keep, {link[1] for link in links}, where="the export")
    unlinked = sum(1 for link in links if link[0] is None)
    for link in sorted((lk for lk in links if lk[0] is not None), key=lambda lk: lk[0] or 0):
        walker.feed(*link)  # type: ignore[arg-type]
    chain = walker.audit
    report.problems.extend(chain.problems + chain._more())
    if unlinked:
        report.problems.append(f"{unlinked} records have no place in the database chain")
    g = int(head.get("gseq") or 0)
    last_g = chain.last[0]
    signed_at = entry_name(g, head.get("incident_id"), head.get("seq"))
    if last_g < g:
        report.problems.append(
            f"the export's chain ends at {entry_name(*chain.last[:3])}, its checkpoint signed "
            f"{signed_at}: entries were cut off"
        )
    elif g and chain.seen.get(g, (0, 0, ""))[2] != head.get("ghash"):
        report.problems.append(f"{signed_at} is not the link its checkpoint signed")
    if writer is not None:
        why = trust_problem(writer, trusted)
        seen = chain.seen.get(writer.head.gseq)
        if why and not writer.valid:
            report.problems.append(why)
        elif seen is not None and seen[2] != writer.head.ghash:
            report.problems.append(f"{writer.head.entry} is not the link the database signed")
        elif why:
            report.notes.append(
                f"the database's head is signed by key {writer.signer}, not trusted here"
            )
        else:
            report.notes.append(f"the database signed {writer.head.entry}")
