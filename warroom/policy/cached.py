"""The policies as the last load left them, while nothing they were read from changed.

Loading a policies folder parses eight YAML files twice (values, then duplicate keys),
validates them and renders every status template with Jinja2: about a tenth of a second
on every verb, more than the verb's own work. :func:`load_policies` keeps what a
successful load produced in the user's cache folder (``~/.cache/warroom/policies-*``),
keyed by the *contents* of every file of the folder (templates and roster included),
the code that reads them and the Python and pydantic versions. Any change of any of
those is a new key: the folder is loaded and checked again, with the same errors.

The cache is only ever a copy of a result: a missing, unreadable or foreign file
(another owner, writable by others) is ignored, and a failed load is never stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from pathlib import Path

from platformdirs import user_cache_dir

from warroom.policy.loader import bundled_dir, default_policies_dir
from warroom.policy.loader import load_policies as load_uncached
from warroom.policy.models import Policies

_PACKAGE = Path(__file__).resolve().parent.parent
# The code whose change can change what a load gives (the models, the loader and the
# template check); the version files of the libraries come in through their versions.
_CODE = (
    "policy",
    "strict.py",
    "errors.py",
    "templating.py",
    "durations.py",
    "comms/templates.py",
    "incident/timeline.py",
    "incident/milestones.py",
)
_FORMAT = b"warroom policies cache 1"


def load_policies(directory: Path | str | None = None) -> Policies:
    """:func:`warroom.policy.loader.load_policies`, from the cache when nothing changed."""
    d = Path(directory) if directory else default_policies_dir()
    if not d.is_dir():
        return load_uncached(d)  # its message
    try:
        key = _key(d)
    except OSError:
        return load_uncached(d)
    path = _cache_file(d)
    found = _read(path, key)
    if found is not None:
        return found
    policies = load_uncached(d)
    _write(path, key, policies)
    return policies


def _files(folder: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = sorted(x for x in dirs if not x.startswith(".") and x != "__pycache__")
        out.extend(Path(dirpath, f) for f in sorted(files) if not f.startswith("."))
    return out


def _key(d: Path) -> bytes:
    import pydantic

    h = hashlib.sha256(_FORMAT)
    h.update(f"{sys.version}|{pydantic.VERSION}|{d}|{d.absolute()}".encode())
    folders = [d] if (d / "communications.yaml").exists() else [d, bundled_dir("policies")]
    for folder in folders:
        for f in _files(folder):
            data = f.read_bytes()
            h.update(f"\0{f.relative_to(folder)}\0{len(data)}\0".encode("utf-8", "replace"))
            h.update(data)
    for name in _CODE:
        target = _PACKAGE / name
        for f in _files(target) if target.is_dir() else [target]:
            if f.suffix == ".py":
                st = f.stat()
                h.update(f"\0{f}\0{st.st_size}\0{st.st_mtime_ns}".encode("utf-8", "replace"))
    return h.digest()


def _cache_file(d: Path) -> Path:
    name = hashlib.sha256(f"{d}|{d.absolute()}".encode("utf-8", "replace")).hexdigest()[:16]
    return Path(user_cache_dir("warroom", appauthor=False)) / f"policies-{name}.pickle"


def _trusted(path: Path) -> bool:
    """Ours alone: owned by this user, the file and its folder writable by nobody else."""
    if not hasattr(os, "getuid"):
        return True
    for p in (path, path.parent):
        st = p.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o022:
            return False
    return True


def _read(path: Path, key: bytes) -> Policies | None:
    try:
        if not _trusted(path):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(key):
        return None
    try:
        found = pickle.loads(data[len(key) :])
    except Exception:  # a cache written by other code: load afresh
        return None
    return found if isinstance(found, Policies) else None


def _write(path: Path, key: bytes, policies: Policies) -> None:
    """Best effort: a cache that cannot be written only makes the next load slower."""
    with contextlib.suppress(OSError, pickle.PicklingError, TypeError, AttributeError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key + pickle.dumps(policies, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
