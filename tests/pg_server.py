"""A throwaway PostgreSQL server for the tests (initdb + pg_ctl in a temp folder).

The Makefile installs PostgreSQL when it is missing (Debian's package). When no
server binaries exist at all, the PostgreSQL tests are skipped with the reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.net_helpers import free_port


def find_bin() -> Path | None:
    for name in ("initdb", "pg_ctl"):
        if shutil.which(name) is None:
            break
    else:
        return Path(shutil.which("initdb") or "").parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yield a ``postgresql+asyncpg://`` URL; stop and delete it after."""
    bindir = find_bin()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found")
    root = tempfile.mkdtemp(prefix="warroom-pg-")
    data = Path(root) / "data"
    sock = Path(root) / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(root, 0o755)
        prefix = ["runuser", "-u", "postgres", "--"]
    run = lambda *a: subprocess.run([*prefix, *a], check=True, capture_output=True, text=True)  # noqa: E731
    run(str(bindir / "initdb"), "-D", str(data), "-U", "warroom", "--auth=trust", "-E", "UTF8")
    for attempt in range(5):  # a parallel worker may take the free port first: try another
        port = free_port()
        try:
            run(
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-w",
                "-l",
                str(Path(root) / "log"),
                "-o",
                f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
                "start",
            )
            break
        except subprocess.CalledProcessError:
            if attempt == 4:
                shutil.rmtree(root, ignore_errors=True)
                raise
    try:
        yield f"postgresql+asyncpg://warroom@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)
