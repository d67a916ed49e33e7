"""The witness: a small append-only file beside the audit key holding the latest signed
heads of every database this user writes to, outside any database file.

One JSON object a line (a signed head, :meth:`~warroom.audit.checkpoint.Signed.to_json`).
Every commit that appends entries adds its head; an export adds the head it exported.
When the file passes :data:`COMPACT_AT` bytes it is rewritten with the newest
:data:`KEEP` heads of each database (fewer when that would still be more than half of
:data:`COMPACT_AT`) (what ``verify`` compares with is the newest one;
the others help to say where a re-chained database was changed).

Appends take an exclusive ``flock`` on the file, so several processes writing at once
never interleave lines, and a compaction never loses a head appended meanwhile.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections import defaultdict
from pathlib import Path

from warroom.audit.checkpoint import Signed, from_json
from warroom.audit.keys import audit_dir

NAME = "witness.jsonl"
COMPACT_AT = 256 * 1024
KEEP = 32


def witness_path(folder: Path | None = None) -> Path:
    return (folder or audit_dir()) / NAME


def append(signed: Signed, folder: Path | None = None) -> None:
    """Add a signed head to the witness (best effort: a witness that cannot be written
    makes ``verify`` less sure, never a write fail)."""
    path = witness_path(folder)
    line = (json.dumps(signed.to_json(), sort_keys=True, separators=(",", ":")) + "\n").encode()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        for _ in range(10):
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                if os.fstat(fd).st_ino != os.stat(path).st_ino:
                    continue  # compacted (replaced) while we waited: append to the new one
                os.write(fd, line)
                if os.fstat(fd).st_size > COMPACT_AT:
                    _compact(path)
                return
            finally:
                os.close(fd)  # releases the lock


def _compact(path: Path) -> None:
    """Rewrite the witness with the newest heads of each database (the lock is held)."""
    by_db: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        s = from_json(_loads(line), "witness")
        if s is not None:
            by_db[s.head.database].append((s.head.gseq, line))
    lines = sum(len(h) for h in by_db.values()) or 1
    size = max(1, path.stat().st_size // lines)  # a line's size, about
    keep = max(1, min(KEEP, COMPACT_AT // 2 // size // max(1, len(by_db))))
    kept: list[str] = []
    for heads in by_db.values():
        kept.extend(line for _, line in sorted(heads)[-keep:])
    tmp = path.with_name(f".{NAME}.{os.getpid()}.tmp")
    tmp.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _loads(line: str) -> object:
    try:
        return json.loads(line)
    except ValueError:
        return None


def read_heads(folder: Path | None = None) -> list[Signed]:
    """Every head the witness holds (read before the database, so that a commit landing
    meanwhile is never seen in the witness and missed in the database)."""
    try:
        text = witness_path(folder).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    heads = (from_json(_loads(line), "witness") for line in text.splitlines())
    return [s for s in heads if s is not None]


def heads_of(
    database: str, folder: Path | None = None, heads: list[Signed] | None = None
) -> list[Signed]:
    """The heads the witness holds for ``database``, oldest first (by place in the chain)."""
    found = [
        s for s in (read_heads(folder) if heads is None else heads) if s.head.database == database
    ]
    return sorted(found, key=lambda s: s.head.gseq)
