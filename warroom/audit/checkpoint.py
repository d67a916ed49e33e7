"""Signed checkpoints: a head of the database chain (its newest link) signed with the
audit key (:mod:`warroom.audit.keys`).

What is signed is the canonical JSON (sorted keys, no spaces, UTF-8) of::

    {"v": 1, "kind": "warroom-chain-head", "database": DATABASE_ID, "gseq": N,
     "ghash": HASH, "incident_id": I, "seq": S, "at": ISO-8601}

``gseq``/``ghash`` are the newest entry's place in the database chain and its link hash,
``incident_id``/``seq`` name that entry, ``at`` is its recorded time. The signature is
Ed25519 over those bytes, in hex; ``key`` is the signer's raw public key in hex.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from warroom.audit.keys import SigningKey, fingerprint, signature_ok
from warroom.incident.refs import ref_for

KIND = "warroom-chain-head"


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Head:
    """The newest link of a database chain."""

    database: str
    gseq: int
    ghash: str
    incident_id: int | None = None
    seq: int | None = None
    at: str | None = None

    def payload(self) -> bytes:
        return canonical(
            {
                "v": 1,
                "kind": KIND,
                "database": self.database,
                "gseq": self.gseq,
                "ghash": self.ghash,
                "incident_id": self.incident_id,
                "seq": self.seq,
                "at": self.at,
            }
        )

    @property
    def entry(self) -> str:
        """The entry the head names, for messages: ``database entry 12 (INC-3 #4)``."""
        return entry_name(self.gseq, self.incident_id, self.seq)


def entry_name(gseq: int, incident_id: int | None, seq: int | None) -> str:
    if incident_id is None or seq is None:
        return f"database entry {gseq}"
    return f"database entry {gseq} ({ref_for(incident_id)} #{seq})"


@dataclass(frozen=True)
class Signed:
    """A signed head and where it was found (``source``: for messages)."""

    head: Head
    key: str
    signature: str
    source: str = "checkpoint"

    @property
    def valid(self) -> bool:
        return signature_ok(self.key, self.signature, self.head.payload())

    @property
    def signer(self) -> str:
        try:
            return fingerprint(bytes.fromhex(self.key))
        except ValueError:
            return "?"

    def to_json(self) -> dict[str, Any]:
        h = self.head
        return {
            "database": h.database,
            "gseq": h.gseq,
            "ghash": h.ghash,
            "incident_id": h.incident_id,
            "seq": h.seq,
            "at": h.at,
            "key": self.key,
            "signature": self.signature,
        }

    def at_source(self, source: str) -> Signed:
        return replace(self, source=source)


def sign(key: SigningKey, head: Head, source: str = "checkpoint") -> Signed:
    return Signed(head, key.public, key.sign(head.payload()), source)


def from_json(data: Any, source: str) -> Signed | None:
    """A signed head read back from JSON (the witness, an export), None when malformed."""
    try:
        head = Head(
            database=str(data["database"]),
            gseq=int(data["gseq"]),
            ghash=str(data["ghash"]),
            incident_id=None if data.get("incident_id") is None else int(data["incident_id"]),
            seq=None if data.get("seq") is None else int(data["seq"]),
            at=None if data.get("at") is None else str(data["at"]),
        )
        return Signed(head, str(data["key"]), str(data["signature"]), source)
    except (KeyError, TypeError, ValueError):
        return None


def trust_problem(signed: Signed, trusted: set[str]) -> str | None:
    """Why ``signed`` vouches for nothing: a bad signature, or a key not trusted here."""
    if not signed.valid:
        return (
            f"the {signed.source} at {signed.head.entry} does not match its signature "
            f"(key {signed.signer}): it was edited after it was signed"
        )
    if signed.key not in trusted:
        return (
            f"the {signed.source} at {signed.head.entry} is signed by key {signed.signer}, "
            "which is not trusted here (give its public key with --key, or put it in the "
            "trusted/ folder beside your audit key)"
        )
    return None
