"""The SQLite file behind a store, looked at before warroom touches it.

:func:`probe` reads (never writes) what the file is: missing, empty, a warroom database
at some schema revision, or another application's database, which is refused before a
single pragma changes it. A read-only open (a verb that only reads) connects with
SQLite's ``mode=ro``; on a read-only folder or a full disk, where SQLite cannot create
the WAL index beside the file, it reads the file alone (``immutable=1``) when no
committed change is waiting in the WAL. :func:`cause` says why a file cannot be used in
words a person acts on ("the disk is full", "the database folder is read-only").
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from warroom.errors import BadInput, StoreError

# The tables that make a file a warroom database (with Alembic's revision table).
WARROOM_TABLES = frozenset({"alembic_version", "incident", "timeline_entry"})


@dataclass(frozen=True)
class Probe:
    path: Path
    state: str  # "missing", "blank" (no tables: adopted), "warroom"
    revision: str | None = None
    uri_params: str = "mode=ro"  # how a read-only connection opens it

    def read_only_url(self) -> str:
        return f"sqlite+aiosqlite:///file:{quote(str(self.path))}?{self.uri_params}&uri=true"


def probe(path: Path, *, read_only: bool) -> Probe:
    """What ``path`` holds; refuses a folder, a missing folder and a file that is not a
    warroom database (exit 2, nothing changed)."""
    if not path.parent.is_dir():
        raise BadInput(
            f"cannot open the database {path}: the folder {path.parent} does not exist "
            "(create it first, or give another --db)."
        )
    if not path.exists():
        return Probe(path, "missing")
    if path.is_dir():
        raise BadInput(f"cannot open the database {path}: it is a folder, not a file.")
    if not os.access(path, os.R_OK):
        raise StoreError(f"cannot open the database {path}: permission denied.")
    if path.stat().st_size == 0:
        return Probe(path, "blank")
    # A writer's probe connects read-write (and so removes the WAL files it needed when
    # it closes); it reads only, so another application's file is left as it was.
    params = "mode=ro" if read_only else "mode=rw"
    try:
        tables, revision = _look(path, params)
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") == "SQLITE_NOTADB":  # junk, or damaged
            raise StoreError(
                f"{path} is not a readable warroom database (not an SQLite file: damaged, "
                "or never a database); nothing was changed."
            ) from None
        if not _wal_is_empty(path):
            raise cause_error(path, exc, reading=True) from None
        # No -shm can be made here (read-only folder, full disk) and nothing waits in
        # the WAL: the main file is the whole database.
        params = "mode=ro&immutable=1"
        try:
            tables, revision = _look(path, params)
        except sqlite3.DatabaseError:
            raise cause_error(path, exc, reading=True) from None
    if not tables:
        return Probe(path, "blank", uri_params=params)
    if not tables >= WARROOM_TABLES:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise _foreign(path, f"it holds another application's tables ({shown})")
    return Probe(path, "warroom", revision, params)


def _look(path: Path, params: str) -> tuple[set[str], str | None]:
    uri = f"file:{quote(str(path))}?{params}"
    conn = sqlite3.connect(uri, uri=True, timeout=5)
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
        tables = {str(r[0]) for r in rows}
        revision = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = str(row[0]) if row else None
        return tables, revision
    finally:
        conn.close()


def _wal_is_empty(path: Path) -> bool:
    wal = path.with_name(path.name + "-wal")
    try:
        return wal.stat().st_size == 0
    except FileNotFoundError:
        return True


def _foreign(path: Path, why: str) -> BadInput:
    return BadInput(
        f"{path} is not a warroom database: {why}. Nothing was changed; give warroom a "
        "file of its own (--db NEW_FILE)."
    )


def create(path: Path) -> None:
    """Create the database file, 0600 (it holds the incident log)."""
    if not os.access(path.parent, os.W_OK | os.X_OK) or _read_only_fs(path.parent):
        raise StoreError(f"cannot create the database {path}: {folder_cause(path)}.")
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)


def adopt(path: Path) -> None:
    """An empty file given as the database becomes one, private like a created one."""
    with contextlib.suppress(OSError):  # not ours to change: its owner chose the mode
        os.chmod(path, 0o600)


def check_writable(path: Path, old_revision: str | None = None) -> None:
    """Refuse early, with the reason, a file warroom cannot write. ``old_revision``: a
    reading verb had to write because the schema is older than this warroom's."""
    if _read_only_fs(path.parent) or not os.access(path, os.W_OK):
        why = (
            f" (its schema, revision {old_revision}, must be brought up to date once, "
            "by a warroom that can write it)"
            if old_revision
            else ""
        )
        raise StoreError(f"cannot write to the database {path}{why}: {folder_cause(path)}.")


def _read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _disk_full(folder: Path) -> bool:
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024  # less than a few pages left


def folder_cause(path: Path) -> str:
    folder = path.parent
    if _read_only_fs(folder):
        return f"the database folder {folder} is on a read-only filesystem"
    if path.exists() and not os.access(path, os.W_OK):
        return "permission denied (the file is read-only for you)"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the database folder {folder} is read-only (no permission to write in it)"
    return "permission denied"


def cause(path: Path, text: str) -> str | None:
    """The machine's reason behind an SQLite error on ``path``, when there is one."""
    low = text.lower()
    if "full" in low or ("disk i/o" in low and _disk_full(path.parent)):
        return "the disk is full"
    if _disk_full(path.parent) and ("unable to open" in low or "i/o" in low):
        return "the disk is full"
    if "readonly" in low or "read-only" in low or "unable to open" in low or "i/o" in low:
        if _read_only_fs(path.parent) or not os.access(path.parent, os.W_OK | os.X_OK):
            return folder_cause(path)
        if "readonly" in low or "read-only" in low:
            return "the file is read-only"
    return None


def cause_error(path: Path, exc: BaseException, *, reading: bool = False) -> StoreError:
    text = str(exc)
    why = cause(path, text)
    verb = "read" if reading else "use"
    if why is None:
        return StoreError(f"cannot {verb} the database {path}: {text}.")
    return StoreError(f"cannot {verb} the database {path}: {why} ({text}); nothing was changed.")
