"""The post-mortem's timeline: the war room's record, in event-time order.

:func:`assemble_timeline` makes the rows from an incident's entries and its milestones,
as ``postmortem.yaml``'s ``timeline`` says:

- the milestones (started, detected, declared, acknowledged, mitigated, resolved,
  closed), each once, with the text of the entry that recorded it;
- every entry of the ``kinds`` listed (by default every entry a person wrote: notes
  with their role, decisions, status updates, severity changes, pages, roles ...);
- every pinned entry, whatever its kind (``/pin``: the latest pin or unpin wins);
- one summary row per kind of ``summarised`` (automated entries: checklist ticks,
  deliveries), at the first one's time, saying how many there were;
- a corrected entry at its own time with its correction's text; pins, unpins and
  corrections are never rows of their own.

Each row has a ``key`` (``m:declared_at``, ``e:12`` for entry #12, ``s:delivery``):
the post-mortem's editor drops a row from the document by its key
(``Commands.drop_timeline_row``); the log itself is never touched. The dropped keys
are kept with the sections (:data:`DROPPED_KEY`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.errors import BadInput
from warroom.incident.entry_verbs import pinned_ids
from warroom.policy import Policies
from warroom.policy.postmortem_timeline import MARKER_KINDS, MILESTONE_KINDS

if TYPE_CHECKING:
    from warroom.incident.queries import IncidentView
    from warroom.postmortem.document import TimelineRow

DROPPED_KEY = "_timeline_dropped"  # in the stored sections: the dropped row keys
ROW_KEY = re.compile(r"^(?:e:[1-9]\d{0,9}|m:[a-z_]{1,32}|s:[a-z_]{1,32})$")

# milestone field -> (label, the entry kind that records it)
MILESTONE_EVENTS: dict[str, tuple[str, str | None]] = {
    "started_at": ("Started", None),
    "detected_at": ("Detected", None),
    "declared_at": ("Declared", "declared"),
    "acknowledged_at": ("Acknowledged", "ack"),
    "mitigated_at": ("Mitigated", "mitigated"),
    "resolved_at": ("Resolved", "resolved"),
    "closed_at": ("Closed", "closed"),
}
_DEFAULT_TEXT = {"started_at": "First sign of the problem", "detected_at": "Problem detected"}
LABELS = {
    "note": "Note",
    "decision": "Decision",
    "severity": "Severity",
    "status": "Status update",
    "page": "Page",
    "delivery": "Delivery",
    "assign": "Role",
    "phase": "Phase",
    "action": "Action item",
    "checklist": "Checklist",
    "handoff": "Handoff",
    "reopened": "Reopened",
    "postmortem": "Post-mortem",
}
SUMMARY_WORDS = {
    "checklist": ("checklist change", "checklist changes"),
    "delivery": ("delivery of a page or update", "deliveries of pages and updates"),
}


def by(author: str, role: str | None) -> str:
    return f"{author} ({role})" if role else author


def label(kind: str) -> str:
    return LABELS.get(kind, kind.replace("_", " ").capitalize())


def dropped_keys(sections: Mapping[str, Any]) -> frozenset[str]:
    """The dropped row keys kept in a post-mortem's stored sections."""
    value = sections.get(DROPPED_KEY) or ""
    return frozenset(str(value).split())


def row_key(text: str) -> str:
    """A row key as typed: ``e:12``, ``#12`` or ``12`` (an entry), ``m:detected_at``."""
    value = text.strip().lower()
    if value.lstrip("#").isdigit():
        value = f"e:{int(value.lstrip('#'))}"
    if not ROW_KEY.match(value):
        raise BadInput(
            f"{text[:40]!r} is not a timeline row; give an entry's number (#12), a milestone "
            "(m:detected_at) or a summary row (s:delivery)."
        )
    return value


def _summary(kind: str, entries: list[Any]) -> str:
    one, many = SUMMARY_WORDS.get(
        kind, (f"{label(kind).lower()} entry", f"{label(kind).lower()} entries")
    )
    first, last = entries[0].at, entries[-1].at
    when = f"at {first:%H:%M}" if first == last else f"from {first:%H:%M} to {last:%H:%M} UTC"
    n = len(entries)
    return (
        f"{n} {one if n == 1 else many} {when} (automated; every one is in the war-room timeline)"
    )


def assemble_timeline(
    view: IncidentView, policies: Policies, dropped: Iterable[str] = ()
) -> list[TimelineRow]:
    from warroom.postmortem.document import TimelineRow  # the row type lives there

    wanted = policies.postmortem.timeline
    kinds, summarised = set(wanted.kinds), set(wanted.summarised)
    gone = set(dropped)
    inc = view.incident
    entries = view.timeline
    corrections = {e.corrects_id: e for e in entries if e.kind == "correction"}
    pinned = pinned_ids(entries)
    last_of_kind = {e.kind: e for e in entries}
    rows: list[tuple[datetime, int, int, TimelineRow]] = []
    for i, (name, (title, kind)) in enumerate(MILESTONE_EVENTS.items()):
        at = getattr(inc, name)
        if at is None:
            continue
        entry = last_of_kind.get(kind) if kind else None
        text = entry.text if entry else _DEFAULT_TEXT.get(name, title)
        who = by(entry.author, entry.role) if entry else ""
        key = f"m:{name}"
        row = TimelineRow(at, title, text, who, milestone=True, key=key, dropped=key in gone)
        rows.append((at, 0, i, row))
    grouped: dict[str, list[Any]] = {}
    for e in entries:
        if e.kind in MARKER_KINDS or e.kind in MILESTONE_KINDS:
            continue
        is_pinned = e.id in pinned
        if e.kind in summarised and not is_pinned:
            grouped.setdefault(e.kind, []).append(e)
            continue
        if not (is_pinned or e.kind in kinds):
            continue
        shown = corrections.get(e.id, e) if e.id is not None else e
        event = label(e.kind) + (" (pinned)" if is_pinned else "")
        key = f"e:{e.seq}"
        text = shown.text + (" (corrected)" if shown is not e else "")
        row = TimelineRow(
            e.at, event, text, by(e.author, e.role), key=key, pinned=is_pinned, dropped=key in gone
        )
        rows.append((e.at, 1, e.seq, row))
    for kind, found in grouped.items():
        key = f"s:{kind}"
        row = TimelineRow(
            found[0].at, label(kind), _summary(kind, found), "", key=key, dropped=key in gone
        )
        rows.append((found[0].at, 1, found[0].seq, row))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return [r[3] for r in rows]
