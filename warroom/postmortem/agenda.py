"""The post-mortem meeting: who to invite and what to go through, from the policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from typing import TYPE_CHECKING, Any

from warroom.postmortem.markdown import inline
from warroom.postmortem.sections import title

if TYPE_CHECKING:
    from warroom.postmortem.document import PostmortemDoc

# The policy's attendee names -> the war-room role that fills them.
ATTENDEE_ROLES = {
    "incident_commander": "ic",
    "technical_lead": "tech",
    "tech_lead": "tech",
    "communications_lead": "comms",
    "comms_lead": "comms",
    "scribe": "scribe",
}


@dataclass(frozen=True)
class Attendee:
    role: str
    label: str
    person: str | None


@dataclass(frozen=True)
class Agenda:
    ref: str
    title: str
    duration_minutes: int
    attendees: list[Attendee]
    items: list[str]
    preparation: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "duration_minutes": self.duration_minutes,
            "attendees": [
                {"role": a.role, "label": a.label, "person": a.person} for a in self.attendees
            ],
            "agenda": list(self.items),
            "preparation": list(self.preparation),
        }


def meeting_agenda(doc: PostmortemDoc) -> Agenda:
    meeting = doc.policies.postmortem.meeting
    roles = {r["role"]: r["person"] for r in doc.roles()}
    attendees: list[Attendee] = []
    invited: set[str] = set()
    for key in meeting.attendees:
        role = ATTENDEE_ROLES.get(key)
        person = roles.get(role) if role else None
        attendees.append(Attendee(key, key.replace("_", " ").capitalize(), person))
        if person:
            invited.add(person.casefold())
    for item in doc.view.actions:
        if item.owner and item.owner.casefold() not in invited and item.status != "done":
            attendees.append(Attendee("action_owner", "Action item owner", item.owner))
            invited.add(item.owner.casefold())
    prep: list[str] = []
    rows = doc.timeline_rows()
    prep.append(f"Timeline: {len(rows)} milestones and key events to review.")
    if doc.missing:
        prep.append("Sections still empty: " + ", ".join(title(s) for s in doc.missing) + ".")
    open_items = [a for a in doc.view.actions if a.status in ("open", "in_progress")]
    no_owner = [a for a in open_items if not a.owner or not a.due]
    prep.append(f"Action items: {len(open_items)} open.")
    if no_owner:
        prep.append(f"{len(no_owner)} action item(s) still need an owner and a due date.")
    if doc.warnings:
        prep.append(f"{len(doc.warnings)} blameless-language warning(s) to rephrase.")
    prep.append(f"Deadline: {doc.deadline.label(doc.now, UTC)}.")
    return Agenda(
        ref=doc.ref,
        title=doc.view.incident.title,
        duration_minutes=meeting.duration_minutes,
        attendees=attendees,
        items=list(meeting.agenda),
        preparation=prep,
    )


def agenda_markdown(agenda: Agenda, principles: list[str]) -> str:
    """The agenda as Markdown, to paste into the meeting invite."""
    lines = [
        f"# Post-mortem meeting: {inline(agenda.ref)} {inline(agenda.title)}",
        "",
        f"Duration: {agenda.duration_minutes} min",
        "",
        "## Attendees",
        "",
    ]
    for a in agenda.attendees:
        who = inline(a.person) if a.person else "_to be invited_"
        lines.append(f"- {inline(a.label)}: {who}")
    lines += ["", "## Agenda", ""]
    lines += [f"{i}. {inline(item)}" for i, item in enumerate(agenda.items, 1)]
    lines += ["", "## Before the meeting", ""]
    lines += [f"- {inline(p)}" for p in agenda.preparation]
    if principles:
        lines += ["", "## Ground rules", ""]
        lines += [f"- {inline(p)}" for p in principles]
    return "\n".join(lines) + "\n"
