"""The pager of the fault run: a local HTTP endpoint for apprise ``json://`` URLs
(``/person/method``) that answers after ``delay`` seconds, answers 503 while it is
"down", and records every notification it accepted: who it was for and which
incidents it names (the paged one in the title, the ones bundled with it in the body)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Key = tuple[str, str, str]  # (person, method, incident ref)


def refs_of(title: str, body: str) -> list[str]:
    """The incidents one message pages: the title's, each bundled one ("3 more
    incidents need you: INC-4, ..."), and the title's again for each of its other
    pages riding along ("Also: ...")."""
    first = re.findall(r"INC-\d+", title)[:1]
    more = re.search(r"need(?:s)? you: ([^.]*)\.", body)
    also = re.search(r" Also: (.*)\.$", body)
    extra = len(also.group(1).split("; ")) if also else 0
    return first + (more.group(1).split(", ") if more else []) + first * extra


@dataclass
class Receiver:
    delay: float = 0.0
    port: int = 0
    down_until: float = 0.0  # time.monotonic() before which every request gets a 503
    down_from_first: float = 0.0  # down this long from the first request on
    accepted: list[tuple[float, str, str, str]] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, person: str, method: str) -> str:
        return f"json://127.0.0.1:{self.port}/{person}/{method}"

    def down_for(self, seconds: float) -> None:
        """Answer 503 for ``seconds`` from the first request on."""
        self.down_from_first = seconds

    def received(self) -> Counter[Key]:
        """How often each (person, method, incident) was notified."""
        out: Counter[Key] = Counter()
        with self.lock:
            for _, path, title, body in self.accepted:
                person, method = path.strip("/").split("/")[:2]
                out.update((person, method, ref) for ref in refs_of(title, body))
        return out


@contextmanager
def receiving(delay: float) -> Iterator[Receiver]:
    rec = Receiver(delay=delay)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            with rec.lock:
                now = time.monotonic()
                if rec.down_from_first:
                    rec.down_until, rec.down_from_first = now + rec.down_from_first, 0.0
                down = now < rec.down_until
                if down:
                    rec.refused += 1
                else:
                    title, text = body.get("title", ""), body.get("message", "")
                    rec.accepted.append((now, self.path, title, text))
            if not down:
                time.sleep(rec.delay)  # a slow pager: it took the page, answers later
            self.send_response(503 if down else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()
