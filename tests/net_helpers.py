"""Ports for test servers: always a free one from the OS, never a fixed number, since
the tests run in parallel workers (pytest-xdist)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago. Another process may take it
    before the server binds it: a caller that starts a server retries with a new one."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
