"""Who a step pages: targets resolved to people, the escalation-policy levels and the
per-urgency notification rules (pure; the roster and overrides are passed in).

Targets (escalation.yaml) are resolved with the roster:

- ``primary_oncall`` / ``secondary_oncall``: whoever holds the shift of the roster's
  primary / secondary rotation at that moment (an on-call override in the store
  wins over the rotation);
- ``incident_commander``: the incident's current IC;
- anything else (``team_lead``, ``engineering_manager``, ``executive_oncall``,
  ``all_hands``): the roster's ``targets``.

Escalation-policy levels (oncall.yaml): a page to a level's target that the person
does not acknowledge within the level's timeout goes on to the next level (primary,
then secondary, then the engineering manager), ``repeat`` more rounds when the last
level has a timeout; low-urgency pages do not climb. Each person is notified by the
notification rules of the step's urgency (high: push now, phone after 1 min, SMS after
2 min), and the rest of that schedule stops once the person (or, for a ``no_ack``
step, anyone) acknowledges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from warroom.models import OncallOverride
from warroom.oncall.segments import person_on_call
from warroom.policy import Policies
from warroom.policy.roster import Roster

LABELS = {
    "primary_oncall": "primary on-call",
    "secondary_oncall": "secondary on-call",
    "incident_commander": "incident commander",
    "team_lead": "team lead",
    "engineering_manager": "engineering manager",
    "executive_oncall": "executive on-call",
    "all_hands": "all hands",
}
# When a person has none of the methods the rules name, the first of these they have.
FALLBACK_METHODS = ("push", "sms", "phone", "chat", "email")


@dataclass(frozen=True)
class Recipient:
    person: str
    target: str
    label: str  # "primary on-call"


@dataclass(frozen=True)
class Resolution:
    recipients: tuple[Recipient, ...]
    unfilled: tuple[str, ...]  # targets nobody fills (each needs a fix in roster.yaml)


@dataclass(frozen=True)
class Notification:
    """One notification of one person by one method, ``offset`` minutes after the firing."""

    person: str
    method: str
    offset_minutes: float
    target: str
    label: str
    contact: str | None  # the apprise URL, None when the person has no such contact
    stop_if_acked: tuple[str, ...]  # people whose acknowledgment stops this notification


def oncall_person(
    roster: Roster, kind: str, at: datetime, covers: Sequence[OncallOverride] = ()
) -> str | None:
    """Who holds the ``kind`` rotation at ``at``, stored overrides applied."""
    return person_on_call(roster, covers, kind, at)


def resolve_target(
    roster: Roster | None,
    target: str,
    at: datetime,
    ic: str | None = None,
    covers: Sequence[OncallOverride] = (),
) -> list[str]:
    if target == "incident_commander":
        return [ic] if ic else []
    if roster is None:
        return []
    if target == "primary_oncall":
        p = oncall_person(roster, "primary", at, covers)
        return [p] if p else []
    if target == "secondary_oncall":
        p = oncall_person(roster, "secondary", at, covers)
        return [p] if p else []
    return list(roster.targets.get(target, []))


def resolve(
    roster: Roster | None,
    targets: Sequence[str],
    at: datetime,
    ic: str | None = None,
    covers: Sequence[OncallOverride] = (),
) -> Resolution:
    """The people the targets name at ``at`` (each once, first target wins)."""
    found: dict[str, Recipient] = {}
    unfilled: list[str] = []
    for t in targets:
        people = resolve_target(roster, t, at, ic, covers)
        if not people:
            unfilled.append(t)
        label = LABELS.get(t, t.replace("_", " "))
        for p in people:
            key = p.casefold()
            if key in found:  # one person, several hats: one page naming them all
                r = found[key]
                if label not in r.label.split(", "):
                    found[key] = Recipient(r.person, r.target, f"{r.label}, {label}")
            else:
                found[key] = Recipient(p, t, label)
    return Resolution(tuple(found.values()), tuple(unfilled))


@dataclass(frozen=True)
class LevelPerson:
    level: int  # 1-based
    name: str
    target: str
    person: str | None
    timeout_minutes: float | None


def levels(
    policies: Policies,
    roster: Roster | None,
    at: datetime,
    ic: str | None = None,
    covers: Sequence[OncallOverride] = (),
) -> list[LevelPerson]:
    """The escalation-policy levels with who fills each at ``at``."""
    out = []
    for i, lvl in enumerate(policies.oncall.escalation_policy.levels, start=1):
        people = resolve_target(roster, lvl.target, at, ic, covers)
        out.append(
            LevelPerson(i, lvl.name, lvl.target, people[0] if people else None, lvl.timeout_minutes)
        )
    return out


def _chain(
    policies: Policies,
    roster: Roster | None,
    start: Recipient,
    at: datetime,
    ic: str | None,
    covers: Sequence[OncallOverride],
) -> list[tuple[Recipient, float, tuple[str, ...]]]:
    """(recipient, offset, people before them) along the levels from ``start``."""
    pol = policies.oncall.escalation_policy
    targets = [lvl.target for lvl in pol.levels]
    if start.target not in targets:
        return [(start, 0.0, ())]
    i0 = targets.index(start.target)
    order = list(range(i0, len(targets)))
    if pol.levels[-1].timeout_minutes is not None:
        order += list(range(len(targets))) * pol.repeat
    out: list[tuple[Recipient, float, tuple[str, ...]]] = [(start, 0.0, ())]
    offset = 0.0
    before = [start.person]
    for prev, i in pairwise(order):
        timeout = pol.levels[prev].timeout_minutes
        if timeout is None:
            break
        offset += timeout
        lvl = pol.levels[i]
        for p in resolve_target(roster, lvl.target, at, ic, covers):
            out.append((Recipient(p, lvl.target, lvl.name.lower()), offset, tuple(before)))
            before.append(p)
    return out


def notifications(
    policies: Policies,
    roster: Roster | None,
    resolution: Resolution,
    urgency: str,
    at: datetime,
    ic: str | None = None,
    covers: Sequence[OncallOverride] = (),
) -> list[Notification]:
    """Every notification a firing at ``at`` schedules, earliest first, each (person,
    method) once."""
    rules = policies.oncall.notification_rules.get(urgency, [])  # type: ignore[call-overload]
    best: dict[tuple[str, str], Notification] = {}
    for rec in resolution.recipients:
        # Only high-urgency pages climb the escalation-policy levels; a low-urgency
        # reminder (SEV3) stays with the person it was meant for.
        chain = (
            _chain(policies, roster, rec, at, ic, covers) if urgency == "high" else [(rec, 0.0, ())]
        )
        for who, offset, before in chain:
            spec = roster.person(who.person) if roster else None
            contacts = dict(spec.contacts) if spec else {}
            planned = [(r.method, r.after_minutes) for r in rules if r.method in contacts]
            if not planned:
                fallback = next((m for m in FALLBACK_METHODS if m in contacts), None)
                first = rules[0].method if rules else "push"
                planned = [(fallback or first, 0.0)]
            for method, after in planned:
                n = Notification(
                    person=spec.name if spec else who.person,
                    method=method,
                    offset_minutes=offset + after,
                    target=who.target,
                    label=who.label,
                    contact=contacts.get(method),  # type: ignore[call-overload]
                    stop_if_acked=(*before, who.person) if offset + after > 0 else before,
                )
                key = (n.person.casefold(), method)
                if key not in best or n.offset_minutes < best[key].offset_minutes:
                    best[key] = n
    return sorted(best.values(), key=lambda n: (n.offset_minutes, n.person, n.method))
