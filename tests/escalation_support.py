"""Support for the escalation tests: a local HTTP receiver for apprise ``json://`` URLs,
a roster pointing at it and a recording sender."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from warroom.notify import DeliveryFailed, Message
from warroom.policy.roster import Roster

PEOPLE = {
    "alice": ("push", "phone", "sms"),
    "bob": ("push", "sms"),
    "carol": ("push", "phone", "sms"),
    "dave": ("push", "sms"),
    "erin": ("push", "sms"),
    "frank": ("push", "phone", "email"),
}


@dataclass
class Receiver:
    port: int = 0
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail_remaining: int = 0  # answer 503 to this many requests
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, person: str, method: str) -> str:
        return f"json://127.0.0.1:{self.port}/{person}/{method}"


@contextmanager
def receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with rec.lock:
                fail = rec.fail_remaining > 0
                if fail:
                    rec.fail_remaining -= 1
                    rec.refused += 1
                else:
                    rec.received.append((self.path, json.loads(body or b"{}")))
            self.send_response(503 if fail else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()


def roster_for(
    rec: Receiver | None = None, methods: tuple[str, ...] | None = None, **overrides: Any
) -> Roster:
    """The demo roster's shape, every contact pointing at ``rec`` (or a dummy json URL);
    ``methods`` keeps only those contact methods."""

    def url(p: str, m: str) -> str:
        return rec.url(p, m) if rec else f"json://127.0.0.1:9/{p}/{m}"

    rotation = {
        "zone": "Europe/London",
        "start": "2026-01-05",
        "period": "weekly",
        "handoff_weekday": "monday",
        "handoff_time": "10:00",
        "members": ["alice", "bob", "carol", "dave", "erin"],
    }
    data: dict[str, Any] = {
        "people": [
            {"name": n, "contacts": {m: url(n, m) for m in ms if not methods or m in methods}}
            for n, ms in PEOPLE.items()
        ],
        "rotations": [
            {"id": "primary", "name": "Primary", "kind": "primary", **rotation},
            {"id": "secondary", "name": "Secondary", "kind": "secondary", "offset": 1, **rotation},
        ],
        "targets": {
            "team_lead": "carol",
            "engineering_manager": "frank",
            "executive_oncall": "frank",
            "all_hands": list(PEOPLE),
        },
    }
    data.update(overrides)
    return Roster.model_validate(data)


class Recorder:
    """A sender that records (and can refuse) instead of using the network."""

    def __init__(self, fail: int = 0) -> None:
        self.sent: list[tuple[str, Message]] = []
        self.fail = fail

    async def send(self, url: str, message: Message) -> None:
        if self.fail > 0:
            self.fail -= 1
            raise DeliveryFailed("the pager service answered 503")
        self.sent.append((url, message))
