"""The scribe's lines between Enter and the database, and the ones that failed.

Enter takes the line out of the input and appends it here (``EntryQueue.add``); the war
room's one writer takes the oldest (``start``), performs it, then calls ``committed``
or ``failed``. A committed line stays listed (``landed``) until the timeline has
reloaded past it, so the pending row and the stored row are never both shown and the
row never blinks away.

The queued and failed lines are kept in a small JSON file in the user-data folder
(``platformdirs``; ``$WARROOM_DRAFTS_DIR`` overrides it), one per database, incident and
actor,
written atomically (``warroom.files``) whenever the queue changes. A line is marked
``saving`` on disk *before* it is performed, so after a crash nothing is performed twice:
a restored ``saving`` line may have been committed and comes back as failed, "may
already be saved", for the scribe to check; a restored queued line was never performed
and comes back as failed too (its event time would be "now", not when it was typed).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from sqlalchemy.engine import make_url

from warroom.files import write_text_atomic
from warroom.incident.verbs import Command, Note

State = Literal["queued", "saving", "failed"]
ENV = "WARROOM_DRAFTS_DIR"
MAY_BE_SAVED = "may already be saved when the console stopped: check the timeline"
NOT_SENT = "the console stopped before it was saved"


@dataclass
class QueuedLine:
    """One line as typed, with what became of it."""

    line: str
    author: str
    typed_at: str  # ISO-8601, the clock when Enter was pressed
    state: State = "queued"
    reason: str | None = None
    cid: str = field(default_factory=lambda: uuid.uuid4().hex)  # client id
    parsed: Note | Command | None = field(default=None, compare=False)

    def saved_form(self) -> dict[str, object]:
        out = asdict(self)
        del out["parsed"]
        return out


class EntryQueue:
    """The lines in order: waiting or being saved, failed, committed but not shown yet."""

    def __init__(self) -> None:
        self.waiting: list[QueuedLine] = []  # oldest first; [0] may be "saving"
        self.failed: list[QueuedLine] = []
        self.landed: list[QueuedLine] = []  # committed, until the timeline shows them

    def __bool__(self) -> bool:
        return bool(self.waiting)

    def add(self, item: QueuedLine) -> None:
        self.waiting.append(item)

    def start(self) -> QueuedLine | None:
        """The oldest waiting line, marked as being saved."""
        if not self.waiting:
            return None
        self.waiting[0].state = "saving"
        return self.waiting[0]

    def committed(self, item: QueuedLine) -> None:
        self.waiting.remove(item)
        self.landed.append(item)

    def failed_with(self, item: QueuedLine, reason: str, *, keep: bool = True) -> None:
        """``item`` could not be saved; ``keep`` False: it went back into the input."""
        self.waiting.remove(item)
        item.state, item.reason, item.parsed = "failed", reason, None
        if keep:
            self.failed.append(item)

    def take_failed(self) -> QueuedLine | None:
        """The oldest failed line, taken out (to be edited in the input)."""
        return self.failed.pop(0) if self.failed else None

    def shown(self) -> Iterator[QueuedLine]:
        """What the timeline shows under its rows: failed first (older), then waiting."""
        yield from self.failed
        yield from self.waiting
        yield from self.landed

    def kept(self) -> list[dict[str, object]]:
        """What the drafts file holds: every line not committed."""
        return [i.saved_form() for i in (*self.failed, *self.waiting)]

    def restore(self, saved: list[dict[str, object]]) -> int:
        """Lines read back from the drafts file, all as failed (see the module doc)."""
        known = {i.cid for i in self.shown()}
        count = 0
        for raw in saved:
            try:
                item = QueuedLine(
                    line=str(raw["line"]),
                    author=str(raw.get("author", "")),
                    typed_at=str(raw.get("typed_at", "")),
                    cid=str(raw.get("cid") or uuid.uuid4().hex),
                )
                state, reason = raw.get("state"), raw.get("reason")
            except (KeyError, TypeError):
                continue
            if item.cid in known:
                continue
            item.state = "failed"
            if state == "failed" and reason:
                item.reason = str(reason)
            else:
                item.reason = MAY_BE_SAVED if state == "saving" else NOT_SENT
            self.failed.append(item)
            count += 1
        return count


# --- the drafts file -------------------------------------------------------------------


def drafts_dir() -> Path:
    override = os.environ.get(ENV)
    if override:
        return Path(override)
    return Path(user_data_dir("warroom", appauthor=False)) / "drafts"


def drafts_file(db_url: str, incident_id: int, actor: str) -> Path:
    """The file of one actor's lines for one incident of one database (the URL and the
    actor hashed; the URL's password left out)."""
    try:
        shown = make_url(db_url).render_as_string(hide_password=True)
    except Exception:
        shown = db_url
    key = hashlib.sha256(f"{shown}\n{actor}".encode()).hexdigest()[:16]
    return drafts_dir() / f"scribe-{key}-{incident_id}.json"


def read_drafts(path: Path) -> list[dict[str, object]]:
    """The lines kept in ``path`` (nothing if it is missing or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    lines = data.get("lines") if isinstance(data, dict) else None
    return [x for x in lines if isinstance(x, dict)] if isinstance(lines, list) else []


def write_drafts(path: Path, lines: list[dict[str, object]]) -> None:
    """Keep ``lines`` in ``path`` atomically; no lines: the file is removed."""
    if not lines:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():  # incident text: readable by its owner only
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    text = json.dumps({"version": 1, "lines": lines}, ensure_ascii=False, indent=1)
    write_text_atomic(path, text + "\n", "the scribe's unsaved lines")
