"""The demo's history, built once a day and copied (``warroom demo`` ready in seconds).

Three months of closed incidents (``data/demo/history.yaml``) take several seconds to
play through the command layer and the escalation engine, and what they leave depends
only on the day (each is placed ``days_ago`` before it, at a fixed hour; the on-call
rotation acknowledges), the data, the demo's policies and warroom's code. So the first
``warroom demo`` of a day plays them into a template in the user's cache folder,
keyed by all of those, and every demo that day copies it (SQLite's backup API) before
the open incidents are played on top, at the minute.

The template is built with an audit key and witness of its own (``template-audit``
beside it), and the copy forgets the template's anchors (its chain head and signed
checkpoints): the copy's first commit starts the chain head again from the newest
link, under a database id of its own, signed with the user's key
(:mod:`warroom.audit.chain`). Each demo database is thus a database of its own for
``warroom verify``; its entries and their links are the template's, unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from warroom.models import AuditCheckpoint, ChainHead

FORMAT = "warroom demo history 1"
PREFIX = "demo-history-"
_PACKAGE = Path(__file__).resolve().parent.parent


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    out: list[Path] = []
    for dirpath, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        out.extend(Path(dirpath, f) for f in sorted(files) if not f.startswith("."))
    return out


def template_key(day: datetime, inputs: Sequence[Path]) -> str:
    """What the history depends on: the day, the contents of ``inputs`` (the demo's
    policies folder, the history file) and warroom's code (every module's size and
    modification time)."""
    h = hashlib.sha256(f"{FORMAT}|{day.isoformat()}".encode())
    for root in inputs:
        for f in _files(root):
            data = f.read_bytes()
            name = f.relative_to(root) if root.is_dir() else f.name
            h.update(f"\0{name}\0{len(data)}\0".encode("utf-8", "replace") + data)
    for f in _files(_PACKAGE):
        if f.suffix == ".py":
            st = f.stat()
            h.update(f"\0{f.relative_to(_PACKAGE)}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return h.hexdigest()[:24]


@contextlib.contextmanager
def _audit_folder(folder: Path) -> Iterator[None]:
    """Sign with the key of ``folder`` meanwhile (``WARROOM_AUDIT_DIR``)."""
    before = os.environ.get("WARROOM_AUDIT_DIR")
    os.environ["WARROOM_AUDIT_DIR"] = str(folder)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("WARROOM_AUDIT_DIR", None)
        else:
            os.environ["WARROOM_AUDIT_DIR"] = before


async def cached_history(
    cache_dir: Path, key: str, build: Callable[[Path], Awaitable[None]]
) -> Path | None:
    """The template for ``key``, built with ``build(path)`` when missing (the older
    templates are removed then); None when the cache folder cannot be written."""
    path = cache_dir / f"{PREFIX}{key}.db"
    if path.exists():
        return path
    tmp = cache_dir / f".{PREFIX}{key}.{os.getpid()}.db"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        _remove(tmp)
        with _audit_folder(cache_dir / "template-audit"):
            await build(tmp)
        con = sqlite3.connect(tmp)  # one self-contained file: no WAL beside it
        try:
            con.execute("PRAGMA journal_mode = DELETE")
        finally:
            con.close()
        os.replace(tmp, path)
    except OSError:
        _remove(tmp)
        return None
    for old in cache_dir.glob(f"{PREFIX}*.db"):
        if old != path:
            with contextlib.suppress(OSError):
                _remove(old)
    return path


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def copy_template(template: Path, target: Path) -> None:
    """Copy the template to ``target`` (a new file, mode 0600) and forget its anchors."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    src = sqlite3.connect(f"file:{template}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        with dst:
            for table in (ChainHead, AuditCheckpoint):
                dst.execute(f"DELETE FROM {table.__tablename__}")  # the template's anchors
    finally:
        src.close()
        dst.close()
