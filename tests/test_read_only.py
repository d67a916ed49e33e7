"""Reading verbs work on a read-only folder or a full disk, and every failure names its
cause (issue 12).

Tests run as root here, and root ignores file modes, so ``chmod`` proves nothing. The
real cases use a read-only bind mount and a full, size-limited tmpfs; they need root
with mount rights and are skipped elsewhere. The cases that run everywhere check that a
reading verb opens the file read-only (SQLite ``mode=ro``: a write is refused by SQLite
itself, the file's bytes stay the same) and, with ``os.access`` made to deny writing,
that ``list`` still works and ``log`` says why it cannot.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.cli_helpers import Warroom
from tests.data import T0
from warroom.clock import ManualClock
from warroom.errors import StoreError
from warroom.store import Store


def seeded(db: Path) -> Warroom:
    w = Warroom(db)
    r = w("declare", "--sev", "2", "--title", "Checkout slow")
    assert r.exit_code == 0, r.output
    return w


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_read_only_store_never_writes(db_path: Path) -> None:
    seeded(db_path)
    before = sha(db_path)

    async def check() -> None:
        store = await Store.open(db_path, ManualClock(T0), read_only=True)
        try:
            assert store.read_only and await store.change_mark() > 0
            with pytest.raises(StoreError, match="the file is read-only"):
                async with store.read() as s:  # SQLite itself refuses: opened with mode=ro
                    await s.execute(text("DELETE FROM incident"))
            with pytest.raises(StoreError, match="read-only"):
                await store.transaction(lambda s: s.execute(text("DELETE FROM incident")))
        finally:
            await store.close()

    asyncio.run(check())
    assert sha(db_path) == before
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_reading_verbs_open_read_only_and_leave_the_file_alone(db_path: Path) -> None:
    w = seeded(db_path)
    before = sha(db_path)
    for verb in (("list",), ("show", "INC-1"), ("metrics",), ("compliance",)):
        r = w(*verb)
        assert r.exit_code in (0, 1) and "warroom:" not in r.stderr, (verb, r.output)
    assert sha(db_path) == before


def test_without_write_permission_list_works_and_log_says_why(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a folder the user may not write looks like to warroom (root ignores modes)."""
    w = seeded(db_path)
    real_access = os.access

    def no_writing(path: object, mode: int, **kw: object) -> bool:
        return False if mode & os.W_OK else real_access(path, mode, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", no_writing)
    r = w("list")
    assert r.exit_code == 0 and "Checkout slow" in r.output, r.output
    r = w("log", "INC-1", "rolled back")
    assert r.exit_code == 1
    assert f"cannot write to the database {db_path}: permission denied" in r.stderr


# --- real read-only and full filesystems (root with mount rights) ------------------------


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=20)


@contextlib.contextmanager
def mounted(*args: str, at: Path) -> Iterator[Path]:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount(8)")
    at.mkdir(exist_ok=True)
    try:
        _mount(*args, str(at))
    except (subprocess.CalledProcessError, OSError) as exc:
        pytest.skip(f"cannot mount here: {exc}")
    try:
        yield at
    finally:
        subprocess.run(["umount", "-l", str(at)], capture_output=True, timeout=20)


def test_on_a_read_only_filesystem_reads_work_and_writes_name_the_cause(tmp_path: Path) -> None:
    source = tmp_path / "data"
    source.mkdir()
    seeded(source / "w.db")
    with mounted("--bind", str(source), at=tmp_path / "ro") as ro:
        _mount("-o", "remount,bind,ro", str(ro))
        w = Warroom(ro / "w.db")
        r = w("list")
        assert r.exit_code == 0 and "Checkout slow" in r.output, r.output
        assert "Checkout slow" in w("show", "INC-1").output
        r = w("log", "INC-1", "rolled back")
        assert r.exit_code == 1
        assert f"the database folder {ro} is on a read-only filesystem" in r.stderr
        r = Warroom(ro / "new.db")("list")
        assert r.exit_code == 1 and "read-only filesystem" in r.stderr


def test_on_a_full_disk_reads_work_and_writes_say_the_disk_is_full(tmp_path: Path) -> None:
    with mounted("-t", "tmpfs", "-o", "size=2m", "tmpfs", at=tmp_path / "small") as disk:
        w = seeded(disk / "w.db")
        with (disk / "filler").open("wb") as fh, contextlib.suppress(OSError):
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        r = w("list")
        assert r.exit_code == 0 and "Checkout slow" in r.output, r.output
        assert "Checkout slow" in w("show", "INC-1").output
        r = w("log", "INC-1", "rolled back " * 2000)
        assert r.exit_code == 1
        assert "the disk is full" in r.stderr, r.stderr
