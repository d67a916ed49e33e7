"""Who holds a delivery: lease tokens that name their process, and whether a send in
doubt may still be finished by the process that started it.

A token is ``host:pid:random``. A row marked as being sent (``SENDING``) whose lease ran
out was started by a process that was killed, or suspended (SIGSTOP, Ctrl-Z, a swapped
out VM) with the request possibly on the wire. On the same machine the two can be told
apart: a dead process cannot record its result, so the send is retried at once (and
marked "may have been sent twice"); a live one will record it when it runs again, so
the retry waits for it, at most :func:`doubt_window` (a process that never wakes must not
hold a page forever). A process on another machine cannot be asked: its sends in doubt
are retried when the lease runs out (marked "may have been sent twice").
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from warroom.escalation.attempts import SENDING

_HOST = socket.gethostname()[:32]


def new_token() -> str:
    """A fresh claim token naming this process (at most 58 characters with its mark)."""
    return f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:16]}"


def owner(token: str | None) -> tuple[str, int] | None:
    """(host, pid) of the process a token names; None for tokens of other forms."""
    if not token:
        return None
    parts = token.removesuffix(SENDING).rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])


def alive(pid: int) -> bool:
    """Whether process ``pid`` of this machine exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: it exists
    except OSError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): signal 0 said it exists
    return stat.rsplit(")", 1)[-1].split()[:1] != ["Z"]


def doubt_window(lease: timedelta) -> timedelta:
    """How long a send in doubt is left to its live, suspended sender once its lease ran
    out: two more leases (a page is late by at most that, never sent twice for a
    process that wakes within it)."""
    return lease * 2


def recheck(lease: timedelta) -> timedelta:
    """How soon a send left to its suspended sender is looked at again."""
    return max(lease / 4, timedelta(seconds=1))


class Doubts:
    """When this process first saw each send in doubt (token), to bound the wait."""

    def __init__(self) -> None:
        self.first_seen: dict[str, datetime] = {}

    def leave_to_owner(self, claimed_by: str | None, now: datetime, lease: timedelta) -> bool:
        """Whether a row whose lease ran out under ``claimed_by`` should still be left to
        the process that started its send: a live process on this machine other than
        this one (a loop of this process that lost a send will never record it), seen in
        doubt for less than :func:`doubt_window`."""
        if not claimed_by or not claimed_by.endswith(SENDING):
            return False
        who = owner(claimed_by)
        if who is None or who[0] != _HOST or who[1] == os.getpid() or not alive(who[1]):
            return False
        first = self.first_seen.setdefault(claimed_by, now)
        for token, at in list(self.first_seen.items()):  # forget the long-settled ones
            if now - at > doubt_window(lease) * 2:
                del self.first_seen[token]
        return now - first < doubt_window(lease)


DOUBTS = Doubts()  # one per process: what its loops have seen
