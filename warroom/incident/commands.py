"""The command layer: every mutation of an incident, shared by the CLI and the console.

:class:`Commands` is one object per actor; its verbs are split over mixins that all
share :class:`~warroom.incident.mutation.CommandScope` (this module: declare, log,
ack, assign, severity, phase; :mod:`.lifecycle`: mitigate, resolve, close, milestones,
checklist; :mod:`.status_verbs`: status updates; :mod:`.action_verbs`: action items;
:mod:`.postmortem_verbs`: the post-mortem; :mod:`.entry_verbs`: corrections and pins of
entries). Each operation runs in one write transaction (:meth:`CommandScope.mutate`)
that also appends its timeline entry and the change-feed row, so a reader never sees a
change without its record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import col

from warroom.clock import utc
from warroom.errors import BadInput
from warroom.incident import timeline
from warroom.incident.action_verbs import ActionVerbs
from warroom.incident.checklist import record_left_open
from warroom.incident.declaration import channel_name, opens_war_room
from warroom.incident.entry_verbs import EntryVerbs
from warroom.incident.lifecycle import LifecycleVerbs, refuse_late_ack
from warroom.incident.milestones import check_order
from warroom.incident.mutation import Mutation
from warroom.incident.postmortem_verbs import PostmortemVerbs
from warroom.incident.refs import ref_for
from warroom.incident.roles import ROLE_NAMES, role_id, same_person
from warroom.incident.status_verbs import StatusVerbs
from warroom.incident.timeline import KINDS
from warroom.models import ChecklistItem, Incident, RoleAssignment, SeverityChange
from warroom.policy.roster import Roster, require_roster
from warroom.text import MAX_NAME_CHARS, MAX_TITLE_CHARS, check_entry_text, check_line

if TYPE_CHECKING:  # the schedule and handoff commands load with their first use
    from warroom.oncall.handoff import HandoffCommands
    from warroom.oncall.overrides import OnCallCommands

# What a person may type as an entry; the other kinds are written by their own verb
# (declare, ack, resolve ...) or the engine (page, delivery), and the post-mortem and
# the escalation engine trust them to mean what they say.
TYPED_KINDS = ("note", "decision", "status", "correction")


def severity_number(value: int | str) -> int:
    text = str(value).strip().upper().removeprefix("SEV")
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 4:
        return int(text)
    raise BadInput(f"bad severity {value!r}; expected 1, 2, 3 or 4 (SEV1 is the worst).")


@dataclass
class Commands(LifecycleVerbs, StatusVerbs, ActionVerbs, PostmortemVerbs, EntryVerbs):
    """Domain operations performed by ``actor``; times shown in ``tz`` in messages.

    ``roster``: the team for :attr:`oncall` and :attr:`handoff` (default: the
    ``roster.yaml`` beside the policies)."""

    roster: Roster | None = None

    # --- the same actor's schedule and handoff commands ----------------------------------

    def _roster(self) -> Roster:
        return self.roster or require_roster(self.policies.directory)

    @property
    def oncall(self) -> OnCallCommands:
        """Overrides and swaps of the on-call schedule, made by this actor."""
        from warroom.oncall.overrides import OnCallCommands

        return OnCallCommands(self.store, self.policies, self._roster(), self.actor, self.tz)

    @property
    def handoff(self) -> HandoffCommands:
        """Handoff notes and acknowledgments, by this actor."""
        from warroom.oncall.handoff import HandoffCommands

        return HandoffCommands(self.store, self.policies, self._roster(), self.actor, self.tz)

    # --- declare ---------------------------------------------------------------------

    async def declare(
        self,
        title: str,
        severity: int | str,
        *,
        ic: str | None = None,
        at: datetime | None = None,
        started_at: datetime | None = None,
        detected_at: datetime | None = None,
        war_room: bool | None = None,
        bridge: str | None = None,
        drill: bool = False,
    ) -> Incident:
        title = check_line(title, "title", MAX_TITLE_CHARS)
        sev = severity_number(severity)
        ic = check_line(ic, "IC name", MAX_NAME_CHARS) if ic else None
        bridge = check_line(bridge, "bridge link", 500) if bridge else None
        level = self.policies.level(sev)
        opens_room = opens_war_room(level, war_room)

        async def work(m: Mutation) -> Incident:
            declared = m.at
            detected = m.when(detected_at) if detected_at else declared
            started = m.when(started_at) if started_at else None
            check_order(
                None,
                {"started_at": started, "detected_at": detected, "declared_at": declared},
                self.show,
            )
            s = m.session
            inc = Incident(
                title=title,
                severity=sev,
                created_by=self.actor,
                declared_at=declared,
                detected_at=detected,
                started_at=started,
                war_room=opens_room,
                bridge=bridge,
                drill=drill,
                phase=self.policies.warroom.workflow.phases[0].id,
            )
            s.add(inc)
            await s.flush()
            assert inc.id is not None
            m.bind(inc)
            inc.ref = ref_for(inc.id)
            channel = channel_name(self.policies, declared, title, inc.ref)
            inc.channel = channel if opens_room else None
            s.add(SeverityChange(incident_id=inc.id, at=declared, to_severity=sev, by=self.actor))
            for phase in self.policies.warroom.workflow.phases:  # first: entries tick them
                for i, item in enumerate(phase.checklist):
                    s.add(
                        ChecklistItem(
                            incident_id=inc.id, phase=phase.id, position=i, text=item.text
                        )
                    )
            await m.entry("declared", f"Declared SEV{sev} ({level.name}): {title}")
            if opens_room:
                text = f"War room opened: {channel}"
                if bridge:
                    text += f", bridge {bridge}"
                await m.entry("decision", text, key_event=False)
            if ic:
                s.add(
                    RoleAssignment(
                        incident_id=inc.id, role="ic", person=ic, at=declared, by=self.actor
                    )
                )
                await m.entry("assign", f"IC: {ic}")
            return inc

        return await self.write(work, at=at)

    # --- log -------------------------------------------------------------------------

    async def log(
        self,
        ref: str,
        text: str,
        *,
        role: str | None = None,
        kind: str = "note",
        at: datetime | None = None,
        key_event: bool | None = None,
        corrects: int | None = None,
    ) -> timeline.TimelineEntry:
        check_entry_text(text)
        if kind not in TYPED_KINDS:
            verb = {"ack": "ack", "mitigated": "mitigate", "resolved": "resolve"}.get(kind)
            verb = verb or {"closed": "close", "severity": "severity", "assign": "assign"}.get(kind)
            verb = verb or {"pin": "pin", "unpin": "unpin"}.get(kind)
            hint = f" ({kind} is recorded by its own verb: warroom {verb})" if verb else ""
            what = "a typed entry's kind" if kind in KINDS else "unknown entry kind"
            raise BadInput(
                f"{what} {kind!r}{hint}; expected one of {', '.join(TYPED_KINDS)}. "
                "Nothing was stored."
            )
        role_label = ROLE_NAMES[role_id(role)] if role else None

        async def work(m: Mutation) -> timeline.TimelineEntry:
            label = role_label or await m.my_role()
            return await m.entry(kind, text, role=label, key_event=key_event, corrects_id=corrects)

        return await self.mutate(ref, work, at=at)

    # --- acknowledge -----------------------------------------------------------------

    async def ack(self, ref: str, *, at: datetime | None = None) -> Incident:
        async def work(m: Mutation) -> Incident:
            inc = m.incident
            text = f"Acknowledged by {self.actor}"
            if inc.acknowledged_at is not None:
                refuse_late_ack(inc, m.at, self.show)
                # An earlier, backdated ack replaces the one the mitigation implied.
                text += f" (before the mitigation; was {self.show(inc.acknowledged_at)})"
            check_order(inc, {"acknowledged_at": m.at}, self.show)
            inc.acknowledged_at = m.at
            inc.acknowledged_by = self.actor
            phases = self.policies.warroom.workflow.ids()
            left = inc.phase
            if inc.phase == phases[0] and len(phases) > 1:
                inc.phase = phases[1]
            await m.entry("ack", text)
            await record_left_open(m, left)
            return inc

        return await self.mutate(ref, work, at=at)

    # --- roles -----------------------------------------------------------------------

    async def assign(
        self,
        ref: str,
        role: str,
        person: str,
        *,
        at: datetime | None = None,
        take: bool = False,
    ) -> Incident:
        """Give ``role`` to ``person``. Once there is an IC, the policy's ``ic_handover``
        says who may give the IC role: by default the IC hands over, and anyone else
        takes command only with ``take`` (for themselves), recorded as a takeover."""
        r = role_id(role)
        person = check_line(person, "person's name", MAX_NAME_CHARS)
        if take and (r != "ic" or not same_person(person, self.actor)):
            raise BadInput(
                f"--take is for taking command yourself: warroom take {ref} (or assign "
                f"{ref} ic {self.actor} --take). Nothing changed."
            )

        async def work(m: Mutation) -> Incident:
            inc, when = m.incident, m.at
            current = (await m.roles()).get(r)
            if current is not None and same_person(current.person, person):
                raise BadInput(
                    f"{person} already holds {ROLE_NAMES[r]} on {inc.ref}; nothing changed."
                )
            takeover = (
                r == "ic" and current is not None and not same_person(current.person, self.actor)
            )
            if takeover and not take and self.policies.warroom.rules.ic_handover != "anyone":
                assert current is not None
                raise BadInput(
                    f"{current.person} is the incident commander of {inc.ref}; only "
                    f"{current.person} hands over IC. To take command yourself, say so: "
                    f"--take (warroom take {inc.ref}, or /take in the console); it is "
                    f"recorded as a takeover. Nothing changed."
                )
            if current is not None:
                if when < current.at:
                    raise BadInput(
                        f"{current.person} became {ROLE_NAMES[r]} at {self.show(current.at)}; "
                        f"a handoff at {self.show(when)} would come before that."
                    )
                current.ended_at = when
                if takeover and same_person(person, self.actor):
                    how = f"{person} took command from {current.person}"
                else:
                    how = f"handoff by {self.actor}" if takeover else "handoff"
                text = f"{ROLE_NAMES[r]}: {current.person} -> {person} ({how})"
            else:
                text = f"{ROLE_NAMES[r]}: {person}"
            m.session.add(
                RoleAssignment(
                    incident_id=m.incident_id, role=r, person=person, at=when, by=self.actor
                )
            )
            await m.entry("assign", text)
            return inc

        # A takeover is its own rule (above), not the IC's "assign" permission.
        return await self.mutate(ref, work, at=at, permission=None if take else "assign")

    async def take_command(self, ref: str, *, at: datetime | None = None) -> Incident:
        """The actor becomes the incident commander: a takeover when someone else is."""
        return await self.assign(ref, "ic", self.actor, at=at, take=True)

    # --- severity, phase ---------------------------------------------------------------

    async def set_severity(
        self, ref: str, severity: int | str, *, at: datetime | None = None
    ) -> Incident:
        sev = severity_number(severity)

        async def work(m: Mutation) -> Incident:
            inc, when, s = m.incident, m.at, m.session
            if inc.closed_at is not None:
                raise BadInput(f"{inc.ref} is closed; its severity can no longer change.")
            if inc.severity == sev:
                raise BadInput(f"{inc.ref} is already SEV{sev}; nothing changed.")
            if when < inc.declared_at:
                raise BadInput(
                    f"a severity change at {self.show(when)} would be before the declaration "
                    f"at {self.show(inc.declared_at)}."
                )
            latest = (
                await s.execute(
                    select(func.max(col(SeverityChange.at))).where(
                        col(SeverityChange.incident_id) == m.incident_id
                    )
                )
            ).scalar()
            if latest is not None and when < utc(latest):
                # The incident's severity is the latest change's; one slipped in before it
                # would say one thing on screen while the escalation follows the history.
                raise BadInput(
                    f"the severity of {inc.ref} last changed at {self.show(utc(latest))}; a "
                    f"change at {self.show(when)} would come before it. Record changes in "
                    "the order they happened."
                )
            old = inc.severity
            inc.severity = sev
            level = self.policies.level(sev)
            s.add(
                SeverityChange(
                    incident_id=m.incident_id,
                    at=when,
                    from_severity=old,
                    to_severity=sev,
                    by=self.actor,
                )
            )
            word = "raised" if sev < old else "lowered"
            await m.entry("severity", f"Severity {word}: SEV{old} -> SEV{sev} ({level.name})")
            if level.war_room == "automatic" and not inc.war_room:
                inc.war_room = True
                inc.channel = channel_name(self.policies, inc.declared_at, inc.title, inc.ref or "")
                await m.entry("decision", f"War room opened: {inc.channel}", key_event=False)
            return inc

        return await self.mutate(ref, work, at=at, permission="severity")

    async def set_phase(self, ref: str, phase: str, *, at: datetime | None = None) -> Incident:
        wf = self.policies.warroom.workflow
        target = wf.get(phase.strip().lower().replace("-", "_"))
        if target is None:
            raise BadInput(
                f"unknown phase {phase!r}; the policy's phases are {', '.join(wf.ids())}."
            )

        async def work(m: Mutation) -> Incident:
            inc = m.incident
            if inc.phase == target.id:
                raise BadInput(f"{inc.ref} is already in phase {target.name}; nothing changed.")
            left, inc.phase = inc.phase, target.id
            await m.entry("phase", f"Phase: {target.name}")
            await record_left_open(m, left)
            return inc

        return await self.mutate(ref, work, at=at)
