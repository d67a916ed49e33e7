"""Writing a document to a file all at once: a temp file beside it, then a rename.

A reader never sees half a document, and a failure leaves the old file (or no file).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from warroom.errors import BadInput


def write_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; a clear :class:`BadInput` otherwise."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise BadInput(f"cannot write {target}: it is a folder; give a file name.")
    folder = target.parent
    if not folder.is_dir():
        raise BadInput(
            f"cannot write {target}: the folder {folder} does not exist; nothing was written."
        )
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"cannot write {target}: the text is not valid Unicode.") from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise BadInput(
            f"cannot write {target}: {exc.strerror or exc} in {folder}; nothing was written."
        ) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise BadInput(
            f"cannot write {target}: {exc.strerror or exc}; nothing was written."
        ) from None
    return target
