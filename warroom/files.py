"""Writing a file all at once: a temporary file beside it, flushed, then renamed over it.

A reader (a calendar application, another ``warroom``) sees the old file or the new
one, never half of one. A path that cannot be written is bad input (exit 2).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from warroom.errors import BadInput, WarroomError

# A full disk, an exhausted quota or an I/O error is the machine's fault, not the input's.
_MACHINE_FAULTS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO})


def write_atomic(
    path: str | os.PathLike[str], data: bytes, what: str = "the file", mode: int | None = None
) -> Path:
    """``mode``: the permission bits of a file that does not exist yet (default: from the
    umask, as ``open`` would); a file that exists keeps its own, which its owner chose."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise BadInput(f"cannot write {what} to {target}: it is a folder; give a file name.")
    if target.exists() and not target.is_file():  # (both follow links)
        return _write_stream(target, data, what)  # /dev/stdout, a pipe: no rename over it
    if target.is_symlink():
        target = target.resolve()  # write where the link points; keep the link
    parent = target.parent
    if not parent.is_dir():
        raise BadInput(
            f"cannot write {what} to {target}: the folder {parent} does not exist. "
            "Nothing was written."
        )
    if target.exists():
        mode = target.stat().st_mode & 0o777
    elif mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        message = f"cannot write {what} to {target}: {reason}. Nothing was written."
        if exc.errno in _MACHINE_FAULTS:  # not the path the user gave: a failure, exit 1
            raise WarroomError(message) from None
        raise BadInput(message) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return target


def _write_stream(target: Path, data: bytes, what: str) -> Path:
    try:
        with open(target, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        message = f"cannot write {what} to {target}: {exc.strerror or exc}."
        if exc.errno in _MACHINE_FAULTS:
            raise WarroomError(message) from None
        raise BadInput(message) from None
    return target


def write_text_atomic(
    path: str | os.PathLike[str], text: str, what: str = "the file", mode: int | None = None
) -> Path:
    """Write ``text`` as UTF-8, atomically (see :func:`write_atomic`)."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"cannot write {what} to {path}: the text is not valid Unicode.") from None
    return write_atomic(path, data, what, mode)
