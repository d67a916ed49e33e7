"""The signed checkpoint that closes a JSONL export (its last line)::

    {"checkpoint": {"v": 1, "kind": "warroom-export", "database": ID, "scope": "all" or
                    "INC-7", "records": N, "digest": SHA-256 of every line before this
                    one (their UTF-8 bytes, newlines included), "head": the newest
                    exported link {gseq, ghash, incident_id, seq} or null, "incidents":
                    {"INC-7": {"entries": K, "hash": the last entry's hash}}, "at": ISO},
     "key": the exporter's raw public key (hex), "signature": Ed25519 over the canonical
     JSON of "checkpoint" (hex), "chain_head": the database's own signed head as the
     export began (what the last writer signed), or null}

An export of everything also adds its head to the exporter's witness.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from warroom.audit import witness
from warroom.audit.anchors import snapshot
from warroom.audit.checkpoint import Head, Signed, canonical, sign
from warroom.audit.keys import SigningKey, audit_dir, signing_key
from warroom.errors import WarroomError
from warroom.models import ChainHead
from warroom.text import safe_json

KIND = "warroom-export"


def export_key() -> SigningKey:
    """The audit key that signs exports (created on first use)."""
    try:
        key = signing_key()
    except (OSError, ValueError) as exc:
        raise WarroomError(
            f"cannot read or create the audit key in {audit_dir()} ({exc}); an export is "
            "signed with it. Nothing was written."
        ) from None
    assert key is not None
    return key


def _iso(at: Any) -> str | None:
    return at.astimezone(UTC).isoformat(timespec="microseconds") if at else None


class ExportSeal:
    """What an export holds, gathered as it is written, and its signed checkpoint."""

    def __init__(self, key: SigningKey, scope: str) -> None:
        self.key = key
        self.scope = scope
        self.digest = hashlib.sha256()
        self.records = 0
        self.incidents: dict[str, dict[str, Any]] = {}
        self.head: dict[str, Any] | None = None
        self.database: str | None = None
        self.chain_head: Signed | None = None

    async def read_head(self, s: AsyncSession) -> None:
        """The database id and its signed head, in the export's own read transaction."""
        await snapshot(s)
        h = ChainHead.__table__  # type: ignore[attr-defined]
        row = (await s.execute(select(h).where(h.c.id == 1))).first()
        if row is None:
            return
        self.database = row.database_id
        if row.key and row.signature:
            head = Head(
                row.database_id, row.gseq, row.ghash, row.incident_id, row.seq, _iso(row.at)
            )
            self.chain_head = Signed(head, row.key, row.signature, "signed chain head")

    def add(self, records: list[dict[str, Any]], text: str) -> None:
        self.digest.update(text.encode("utf-8", "surrogatepass"))
        self.records += len(records)
        for r in records:
            self.incidents[r["ref"]] = {"entries": r["seq"], "hash": r["hash"]}
            g = r.get("gseq")
            if g is not None and (self.head is None or g > self.head["gseq"]):
                self.head = {
                    "gseq": g,
                    "ghash": r["ghash"],
                    "incident_id": r["incident_id"],
                    "seq": r["seq"],
                }

    def payload(self, at: datetime) -> dict[str, Any]:
        return {
            "v": 1,
            "kind": KIND,
            "database": self.database,
            "scope": self.scope,
            "records": self.records,
            "digest": self.digest.hexdigest(),
            "head": self.head,
            "incidents": self.incidents,
            "at": _iso(at),
        }

    def line(self, at: datetime) -> str:
        body = self.payload(at)
        return safe_json(
            {
                "checkpoint": body,
                "key": self.key.public,
                "signature": self.key.sign(canonical(body)),
                "chain_head": self.chain_head.to_json() if self.chain_head else None,
            }
        )

    def witness(self) -> None:
        """An export of everything: the head it exported, into the witness."""
        if self.scope != "all" or self.head is None or self.database is None:
            return
        h = self.head
        head = Head(self.database, h["gseq"], h["ghash"], h["incident_id"], h["seq"])
        witness.append(sign(self.key, head, "export"))


def parse_line(line: bytes) -> dict[str, Any] | None:
    """The checkpoint of an export's last line, or None when that line is a record."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "checkpoint" in data else None
