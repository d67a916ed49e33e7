"""Writing a file all at once: a temporary file beside it, flushed, then renamed over it.

A reader (a calendar application, another ``warroom``) sees the old file or the new
one, never half of one. A path that cannot be written is bad input (exit 2).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from warroom.errors import BadInput


def write_atomic(path: str | os.PathLike[str], data: bytes, what: str = "the file") -> Path:
    target = Path(path).expanduser()
    if target.is_dir():
        raise BadInput(f"cannot write {what} to {target}: it is a folder; give a file name.")
    parent = target.parent
    if not parent.is_dir():
        raise BadInput(
            f"cannot write {what} to {target}: the folder {parent} does not exist. "
            "Nothing was written."
        )
    if target.exists():
        mode = target.stat().st_mode & 0o777
    else:
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
        raise BadInput(f"cannot write {what} to {target}: {reason}. Nothing was written.") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return target


def write_text_atomic(path: str | os.PathLike[str], text: str, what: str = "the file") -> Path:
    """Write ``text`` as UTF-8, atomically (see :func:`write_atomic`)."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"cannot write {what} to {path}: the text is not valid Unicode.") from None
    return write_atomic(path, data, what)
