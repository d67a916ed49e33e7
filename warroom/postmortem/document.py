"""A post-mortem assembled from the store: what the incident record already knows
(milestones, durations, roles, key events, severity history, pages, action items)
plus the sections people write."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from warroom.durations import incident_durations, minutes_between
from warroom.incident.actions import STATUS_LABELS as ACTION_STATUS_LABELS
from warroom.incident.actions import is_overdue, item_ref, local_today
from warroom.incident.queries import IncidentView, action_json, load_view
from warroom.models import EscalationFiring, Postmortem, RoleAssignment
from warroom.policy import Policies
from warroom.policy.roster import Roster, load_roster
from warroom.postmortem.blameless import BlamelessWarning, check_sections
from warroom.postmortem.deadline import Deadline, deadline_for
from warroom.postmortem.sections import SECTIONS, STATUS_LABELS, filled
from warroom.postmortem.timeline import assemble_timeline, dropped_keys
from warroom.store import Store
from warroom.timeparse import iso_z

ROLE_LABELS = {
    "ic": "Incident commander",
    "comms": "Communications lead",
    "tech": "Technical lead",
    "scribe": "Scribe",
}


@dataclass(frozen=True)
class TimelineRow:
    at: datetime
    event: str
    text: str
    by: str
    milestone: bool = False
    key: str = ""  # m:declared_at, e:12 (entry #12), s:checklist (a summary row)
    pinned: bool = False
    dropped: bool = False  # left out of the document by its editor (the log keeps it)

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso_z(self.at),
            "event": self.event,
            "text": self.text,
            "by": self.by,
            "milestone": self.milestone,
            "key": self.key,
            "pinned": self.pinned,
        }


@dataclass
class PostmortemDoc:
    """Everything a post-mortem document shows, for the template, JSON and the console."""

    view: IncidentView
    policies: Policies
    now: datetime
    status: str = "draft"
    author: str | None = None
    sections: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    final_at: datetime | None = None
    firings: list[EscalationFiring] = field(default_factory=list)
    people: list[str] = field(default_factory=list)  # names the blameless check knows
    dropped: frozenset[str] = frozenset()  # timeline row keys left out of the document

    @property
    def ref(self) -> str:
        return self.view.ref

    @property
    def exists(self) -> bool:
        return self.created_at is not None

    @property
    def deadline(self) -> Deadline:
        return deadline_for(
            self.policies,
            self.view.incident,
            self.now,
            status=self.status,
            final_at=self.final_at,
        )

    def with_sections(self, sections: dict[str, str]) -> PostmortemDoc:
        """The same document with other section texts (the console's unsaved edits)."""
        return dataclasses.replace(self, sections={**self.sections, **sections})

    def section_filled(self, name: str) -> bool:
        if name == "action_items" and self.view.actions:
            return True
        return filled(self.sections.get(name))

    @property
    def missing(self) -> list[str]:
        """Required sections still empty."""
        return [s for s in self.policies.postmortem.required_sections if not self.section_filled(s)]

    @property
    def warnings(self) -> list[BlamelessWarning]:
        return check_sections(self.sections, self.people)

    # --- assembled facts ---------------------------------------------------------------

    @property
    def start(self) -> datetime:
        inc = self.view.incident
        return inc.started_at or inc.detected_at or inc.declared_at

    @property
    def end(self) -> datetime | None:
        return self.view.incident.resolved_at

    def figures(self) -> dict[str, float | None]:
        inc = self.view.incident
        return {
            "duration_min": minutes_between(self.start, inc.resolved_at),
            "impact_min": minutes_between(self.start, inc.mitigated_at),
            **incident_durations(inc),
        }

    def timeline_rows(self) -> list[TimelineRow]:
        """The document's timeline: :func:`assemble_timeline` without the dropped rows."""
        return [r for r in self.all_timeline_rows() if not r.dropped]

    def all_timeline_rows(self) -> list[TimelineRow]:
        """Every row the war room's record gives, the dropped ones marked (the editor's)."""
        return assemble_timeline(self.view, self.policies, self.dropped)

    def roles(self) -> list[dict[str, Any]]:
        out = []
        for role, label in ROLE_LABELS.items():
            history: list[RoleAssignment] = [r for r in self.view.role_history if r.role == role]
            current = self.view.roles.get(role)
            out.append(
                {
                    "role": role,
                    "label": label,
                    "person": current.person if current else None,
                    "history": [
                        {"person": r.person, "from": r.at, "until": r.ended_at} for r in history
                    ],
                }
            )
        return out

    def severity_history(self) -> list[dict[str, Any]]:
        return [
            {"at": c.at, "from": c.from_severity, "to": c.to_severity, "by": c.by}
            for c in self.view.severity_history
        ]

    def pages(self) -> list[dict[str, Any]]:
        out = []
        for f in sorted(self.firings, key=lambda f: (f.fired_at, f.id or 0)):
            d = f.detail or {}
            people = [
                str(r.get("person"))
                for r in d.get("recipients", [])
                if isinstance(r, dict) and r.get("person")
            ]
            out.append(
                {
                    "at": f.fired_at,
                    "step": f.step_key,
                    "action": str(d.get("action") or d.get("summary") or f.step_key),
                    "to": ", ".join(people) if people else "(nobody reachable)",
                }
            )
        return out

    def action_items(self) -> list[dict[str, Any]]:
        today = local_today(self.now)
        return [
            {
                **action_json(a),
                "item": item_ref(a.id),
                "status_label": ACTION_STATUS_LABELS.get(a.status, a.status),
                "overdue": is_overdue(a, today),
            }
            for a in self.view.actions
        ]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def people_names(roster: Roster | None, view: IncidentView) -> list[str]:
    """Names the blameless check recognises: the roster's people and handles, and
    everyone who held a role or wrote on this incident."""
    names: set[str] = set()
    if roster is not None:
        for p in roster.people:
            names.add(p.name)
            if p.handle:
                names.add(p.handle)
    names.update(r.person for r in view.role_history)
    names.update(e.author for e in view.timeline)
    if view.incident.acknowledged_by:
        names.add(view.incident.acknowledged_by)
    return sorted(names)


async def load_document(
    store: Store, policies: Policies, ref: str, roster: Roster | bool | None = True
) -> PostmortemDoc:
    """The post-mortem of incident ``ref`` (a blank Draft when nobody has written yet).

    ``roster`` is the one already loaded (the console's), or ``True`` to read the file
    beside the policies (off the event loop)."""
    if roster is True:
        roster = await asyncio.to_thread(load_roster, policies.directory)
    view = await load_view(store, ref)
    async with store.read() as s:
        record = (
            await s.execute(select(Postmortem).where(Postmortem.incident_id == view.incident.id))  # type: ignore[arg-type]
        ).scalar_one_or_none()
        firings = list(
            (
                await s.execute(
                    select(EscalationFiring).where(
                        EscalationFiring.incident_id == view.incident.id  # type: ignore[arg-type]
                    )
                )
            ).scalars()
        )
    doc = PostmortemDoc(
        view=view,
        policies=policies,
        now=store.clock.now(),
        firings=firings,
        people=people_names(roster or None, view),
        sections={name: "" for name in SECTIONS},
    )
    if record is not None:
        doc.status = record.status
        doc.author = record.author
        stored = record.sections or {}
        doc.sections.update({k: v for k, v in stored.items() if k in SECTIONS})
        doc.dropped = dropped_keys(stored)
        doc.created_at = record.created_at
        doc.updated_at = record.updated_at
        doc.final_at = record.final_at
    return doc
