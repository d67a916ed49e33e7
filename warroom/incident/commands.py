"""The command layer: every mutation of an incident, shared by the CLI and the console.

Each operation runs in one write transaction that also appends its timeline entry
and the change-feed row, so a reader never sees a change without its record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from warroom.clock import utc
from warroom.comms.destinations import Destination
from warroom.errors import BadInput, NotFound, NotPermitted
from warroom.incident import timeline
from warroom.incident.milestones import check_order
from warroom.incident.refs import parse_ref, ref_for
from warroom.incident.roles import ROLE_NAMES, ROLES, role_id, same_person
from warroom.incident.timeline import KINDS
from warroom.models import (
    ChecklistItem,
    Delivery,
    Incident,
    RoleAssignment,
    SeverityChange,
    StatusUpdate,
)
from warroom.policy import Policies
from warroom.store import Store, record_change
from warroom.text import (
    MAX_NAME_CHARS,
    MAX_TITLE_CHARS,
    check_entry_text,
    check_line,
    slug,
)

T = TypeVar("T")
# What a person may type as an entry; the other kinds are written by their own verb
# (declare, ack, resolve ...) or the engine (page, delivery), and the post-mortem and
# the escalation engine trust them to mean what they say.
TYPED_KINDS = ("note", "decision", "status", "correction")
_IC_VERBS = {"severity": "change the severity of it", "assign": "assign roles on it"}
_FUTURE = timedelta(minutes=2)  # clock skew between the scribe's and the IC's machines


def _id(inc: Incident) -> int:
    assert inc.id is not None, "an incident read from the store has an id"
    return inc.id


def severity_number(value: int | str) -> int:
    text = str(value).strip().upper().removeprefix("SEV")
    if text.isdigit() and 1 <= int(text) <= 4:
        return int(text)
    raise BadInput(f"bad severity {value!r}; expected 1, 2, 3 or 4 (SEV1 is the worst).")


@dataclass
class Commands:
    """Domain operations performed by ``actor``; times shown in ``tz`` in messages."""

    store: Store
    policies: Policies
    actor: str
    tz: tzinfo = UTC

    # --- helpers ---------------------------------------------------------------------

    def now(self) -> datetime:
        return self.store.clock.now()

    def show(self, dt: datetime) -> str:
        return dt.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S %Z")

    def _when(self, at: datetime | None) -> datetime:
        now = self.now()
        if at is None:
            return now
        if at.tzinfo is None:
            raise BadInput("a time without a zone reached the command layer")
        if at > now + _FUTURE:
            raise BadInput(
                f"{self.show(at)} is in the future (now is {self.show(now)}); "
                "entries can be backdated, not postdated."
            )
        return at.astimezone(UTC)

    async def _run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return await self.store.transaction(work)

    async def _incident(self, s: AsyncSession, ref: str) -> Incident:
        n = parse_ref(ref)
        q = select(Incident).where(Incident.id == n).with_for_update()  # type: ignore[arg-type]
        inc = (await s.execute(q)).scalar_one_or_none()
        if inc is None:
            raise NotFound(f"no incident {ref_for(n)} in this database (see warroom list).")
        return inc

    async def _entry(
        self,
        s: AsyncSession,
        inc: Incident,
        kind: str,
        text: str,
        at: datetime,
        role: str | None = None,
        author: str | None = None,
        **kw: object,
    ) -> timeline.TimelineEntry:
        entry = await timeline.append(
            s,
            inc,
            at=at,
            recorded_at=self.now(),
            author=author or self.actor,
            role=role,
            kind=kind,
            text=text,
            **kw,  # type: ignore[arg-type]
        )
        record_change(s, inc.id, kind, self.now())
        return entry

    async def current_roles(self, s: AsyncSession, incident_id: int) -> dict[str, RoleAssignment]:
        q = select(RoleAssignment).where(
            col(RoleAssignment.incident_id) == incident_id,
            col(RoleAssignment.ended_at).is_(None),
        )
        return {r.role: r for r in (await s.execute(q)).scalars()}

    async def _require_ic(self, s: AsyncSession, inc: Incident, what: str) -> None:
        if what not in self.policies.warroom.rules.ic_only:
            return
        ic = (await self.current_roles(s, inc.id)).get("ic")  # type: ignore[arg-type]
        if ic is not None and not same_person(ic.person, self.actor):
            raise NotPermitted(
                f"only the incident commander of {inc.ref} ({ic.person}) may "
                f"{_IC_VERBS.get(what, what + ' it')}; "
                f"you are acting as {self.actor} (use --as, or hand over IC first)."
            )

    def _my_role(self, roles: dict[str, RoleAssignment]) -> str | None:
        for r in ROLES:
            if r in roles and same_person(roles[r].person, self.actor):
                return ROLE_NAMES[r]
        return None

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
        declared = self._when(at)
        detected = self._when(detected_at) if detected_at else declared
        started = self._when(started_at) if started_at else None
        check_order(
            None,
            {"started_at": started, "detected_at": detected, "declared_at": declared},
            self.show,
        )
        level = self.policies.level(sev)
        opens_room = level.war_room == "automatic" or (war_room if war_room is not None else False)
        if level.war_room == "automatic" and war_room is False:
            opens_room = True  # the policy says SEV1 always gets a war room

        async def work(s: AsyncSession) -> Incident:
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
            inc.ref = ref_for(inc.id)
            act = self.policies.warroom.activation
            channel = act.channel_format.format(
                date=declared.strftime("%Y-%m-%d"),
                slug=slug(title, act.slug_max_length),
                ref=inc.ref.lower(),
            )
            inc.channel = channel if opens_room else None
            s.add(SeverityChange(incident_id=_id(inc), at=declared, to_severity=sev, by=self.actor))
            await self._entry(
                s, inc, "declared", f"Declared SEV{sev} ({level.name}): {title}", declared
            )
            if opens_room:
                text = f"War room opened: {channel}"
                if bridge:
                    text += f", bridge {bridge}"
                await self._entry(s, inc, "decision", text, declared, key_event=False)
            if ic:
                s.add(
                    RoleAssignment(
                        incident_id=_id(inc), role="ic", person=ic, at=declared, by=self.actor
                    )
                )
                await self._entry(s, inc, "assign", f"IC: {ic}", declared)
            for phase in self.policies.warroom.workflow.phases:
                for i, item in enumerate(phase.checklist):
                    s.add(
                        ChecklistItem(incident_id=_id(inc), phase=phase.id, position=i, text=item)
                    )
            return inc

        return await self._run(work)

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
            hint = f" ({kind} is recorded by its own verb: warroom {verb})" if verb else ""
            what = "a typed entry's kind" if kind in KINDS else "unknown entry kind"
            raise BadInput(
                f"{what} {kind!r}{hint}; expected one of {', '.join(TYPED_KINDS)}. "
                "Nothing was stored."
            )
        role_label = ROLE_NAMES[role_id(role)] if role else None
        when = self._when(at)

        async def work(s: AsyncSession) -> timeline.TimelineEntry:
            inc = await self._incident(s, ref)
            label = role_label
            if label is None:
                label = self._my_role(await self.current_roles(s, inc.id))  # type: ignore[arg-type]
            return await self._entry(
                s, inc, kind, text, when, role=label, key_event=key_event, corrects_id=corrects
            )

        return await self._run(work)

    # --- acknowledge -----------------------------------------------------------------

    async def ack(self, ref: str, *, at: datetime | None = None) -> Incident:
        when = self._when(at)

        async def work(s: AsyncSession) -> Incident:
            inc = await self._incident(s, ref)
            if inc.acknowledged_at is not None:
                raise BadInput(
                    f"{inc.ref} was already acknowledged by {inc.acknowledged_by} at "
                    f"{self.show(inc.acknowledged_at)}; nothing changed."
                )
            check_order(inc, {"acknowledged_at": when}, self.show)
            inc.acknowledged_at = when
            inc.acknowledged_by = self.actor
            phases = self.policies.warroom.workflow.ids()
            if inc.phase == phases[0] and len(phases) > 1:
                inc.phase = phases[1]
            await self._entry(s, inc, "ack", f"Acknowledged by {self.actor}", when)
            return inc

        return await self._run(work)

    # --- roles -----------------------------------------------------------------------

    async def assign(
        self, ref: str, role: str, person: str, *, at: datetime | None = None
    ) -> Incident:
        r = role_id(role)
        person = check_line(person, "person's name", MAX_NAME_CHARS)
        when = self._when(at)

        async def work(s: AsyncSession) -> Incident:
            inc = await self._incident(s, ref)
            await self._require_ic(s, inc, "assign")
            current = (await self.current_roles(s, inc.id)).get(r)  # type: ignore[arg-type]
            if current is not None and same_person(current.person, person):
                raise BadInput(
                    f"{person} already holds {ROLE_NAMES[r]} on {inc.ref}; nothing changed."
                )
            if current is not None:
                if when < current.at:
                    raise BadInput(
                        f"{current.person} became {ROLE_NAMES[r]} at {self.show(current.at)}; "
                        f"a handoff at {self.show(when)} would come before that."
                    )
                current.ended_at = when
                text = f"{ROLE_NAMES[r]}: {current.person} -> {person} (handoff)"
            else:
                text = f"{ROLE_NAMES[r]}: {person}"
            s.add(
                RoleAssignment(incident_id=_id(inc), role=r, person=person, at=when, by=self.actor)
            )
            await self._entry(s, inc, "assign", text, when)
            return inc

        return await self._run(work)

    # --- severity, phase ---------------------------------------------------------------

    async def set_severity(
        self, ref: str, severity: int | str, *, at: datetime | None = None
    ) -> Incident:
        sev = severity_number(severity)
        when = self._when(at)

        async def work(s: AsyncSession) -> Incident:
            inc = await self._incident(s, ref)
            await self._require_ic(s, inc, "severity")
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
                        col(SeverityChange.incident_id) == _id(inc)
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
                    incident_id=_id(inc), at=when, from_severity=old, to_severity=sev, by=self.actor
                )
            )
            word = "raised" if sev < old else "lowered"
            await self._entry(
                s, inc, "severity", f"Severity {word}: SEV{old} -> SEV{sev} ({level.name})", when
            )
            if level.war_room == "automatic" and not inc.war_room:
                inc.war_room = True
                act = self.policies.warroom.activation
                inc.channel = act.channel_format.format(
                    date=inc.declared_at.strftime("%Y-%m-%d"),
                    slug=slug(inc.title, act.slug_max_length),
                    ref=(inc.ref or "").lower(),
                )
                await self._entry(
                    s, inc, "decision", f"War room opened: {inc.channel}", when, key_event=False
                )
            return inc

        return await self._run(work)

    async def set_phase(self, ref: str, phase: str, *, at: datetime | None = None) -> Incident:
        wf = self.policies.warroom.workflow
        target = wf.get(phase.strip().lower().replace("-", "_"))
        if target is None:
            raise BadInput(
                f"unknown phase {phase!r}; the policy's phases are {', '.join(wf.ids())}."
            )
        when = self._when(at)

        async def work(s: AsyncSession) -> Incident:
            inc = await self._incident(s, ref)
            if inc.phase == target.id:
                raise BadInput(f"{inc.ref} is already in phase {target.name}; nothing changed.")
            inc.phase = target.id
            await self._entry(s, inc, "phase", f"Phase: {target.name}", when)
            return inc

        return await self._run(work)

    # --- mitigate, resolve, close --------------------------------------------------------

    async def mitigate(self, ref: str, *, at: datetime | None = None) -> Incident:
        when = self._when(at)

        async def work(s: AsyncSession) -> Incident:
            inc = await self._incident(s, ref)
            await self._require_ic(s, inc, "mitigate")
            if inc.mitigated_at is not None:
                raise BadInput(f"{inc.ref} was already mitigated at {self.show(inc.mitigated_at)}.")
            check_order(inc, {"mitigated_at": when}, self.show)
            inc.mitigated_at = when
            if inc.status == "open":
                inc.status = "mitigated"
            self._advance_phase(inc, "resolve")
            await self._entry(s, inc, "mitigated", "Mitigated: customer impact has stopped", when)
            return inc

        return await self._run(work)

    async def resolve(self, ref: str, *, at: datetime | None = None) -> Incident:
        when = self._when(at)

        async def work(s: AsyncSession) -> Incident:
            inc = await self._incident(s, ref)
            await self._require_ic(s, inc, "resolve")
            if inc.resolved_at is not None:
                raise BadInput(f"{inc.ref} was already resolved at {self.show(inc.resolved_at)}.")
            check_order(inc, {"resolved_at": when}, self.show)
            if inc.mitigated_at is None:
                check_order(inc, {"resolved_at": when, "mitigated_at": when}, self.show)
            text = "Resolved"
            if inc.mitigated_at is None:
                inc.mitigated_at = when
                text += " (mitigated at the same time)"
            inc.resolved_at = when
            inc.status = "resolved"
            self._advance_phase(inc, "follow_up")
            await self._entry(s, inc, "resolved", text, when)
            return inc

        return await self._run(work)

    async def close(self, ref: str, *, at: datetime | None = None) -> Incident:
        when = self._when(at)

        async def work(s: AsyncSession) -> Incident:
            inc = await self._incident(s, ref)
            await self._require_ic(s, inc, "close")
            if inc.closed_at is not None:
                raise BadInput(f"{inc.ref} was already closed at {self.show(inc.closed_at)}.")
            if inc.resolved_at is None:
                raise BadInput(f"{inc.ref} is not resolved yet; resolve it before closing it.")
            check_order(inc, {"closed_at": when}, self.show)
            inc.closed_at = when
            inc.status = "closed"
            await self._entry(s, inc, "closed", "Closed", when)
            return inc

        return await self._run(work)

    def _advance_phase(self, inc: Incident, phase: str) -> None:
        ids = self.policies.warroom.workflow.ids()
        if phase in ids and (inc.phase not in ids or ids.index(inc.phase) < ids.index(phase)):
            inc.phase = phase

    # --- milestones after the fact ------------------------------------------------------

    async def set_milestone(self, ref: str, name: str, at: datetime) -> Incident:
        field = f"{name.strip().lower().removesuffix('_at')}_at"
        if field not in ("started_at", "detected_at"):
            raise BadInput(
                f"milestone {name!r} cannot be set directly; use started or detected "
                "(the others have their own verbs: ack, mitigate, resolve, close)."
            )
        when = self._when(at)

        async def work(s: AsyncSession) -> Incident:
            inc = await self._incident(s, ref)
            check_order(inc, {field: when}, self.show)
            setattr(inc, field, when)
            await self._entry(
                s,
                inc,
                "milestone",
                f"{field.removesuffix('_at').capitalize()} at {self.show(when)}",
                when,
            )
            return inc

        return await self._run(work)

    # --- checklist ---------------------------------------------------------------------

    async def toggle_checklist(
        self, ref: str, item_id: int, *, at: datetime | None = None
    ) -> ChecklistItem:
        when = self._when(at)

        async def work(s: AsyncSession) -> ChecklistItem:
            inc = await self._incident(s, ref)
            item = await s.get(ChecklistItem, item_id)
            if item is None or item.incident_id != inc.id:
                raise NotFound(f"no checklist item {item_id} on {inc.ref}.")
            item.done = not item.done
            item.done_by = self.actor if item.done else None
            item.done_at = when if item.done else None
            mark = "Done" if item.done else "Undone"
            await self._entry(s, inc, "checklist", f"{mark}: {item.text}", when)
            return item

        return await self._run(work)

    # --- status updates ----------------------------------------------------------------

    async def record_status(
        self,
        ref: str,
        text: str,
        *,
        audience: str = "internal",
        stage: str | None = None,
        at: datetime | None = None,
        destinations: Sequence[Destination] = (),
    ) -> StatusUpdate:
        """Record a status update (communications.yaml audiences and stages) and queue
        it to ``destinations`` in the delivery outbox, in the same transaction."""
        check_entry_text(text)
        audience, stage = self.status_audience_stage(audience, stage)
        requires_resolved = (
            stage is not None and self.policies.communications.stages[stage].requires_resolved
        )
        when = self._when(at)

        async def work(s: AsyncSession) -> StatusUpdate:
            inc = await self._incident(s, ref)
            if requires_resolved and inc.resolved_at is None:
                raise BadInput(
                    f"{inc.ref} is not resolved; a {stage} update would tell stakeholders "
                    "it is over. Resolve it first (only the IC may), or use another stage."
                )
            update = StatusUpdate(
                incident_id=_id(inc),
                at=when,
                audience=audience,
                stage=stage,
                text=text,
                author=self.actor,  # type: ignore[arg-type]
            )
            s.add(update)
            await s.flush()
            now = self.now()
            await self._supersede_status(s, inc, update, destinations, now)
            for dest in destinations:
                s.add(
                    Delivery(
                        incident_id=_id(inc),
                        status_update_id=update.id,
                        person=audience,
                        method=dest.method,
                        url=dest.url,
                        title=dest.title,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
            roles = await self.current_roles(s, inc.id)  # type: ignore[arg-type]
            label = f"Status update ({audience}{', ' + stage if stage else ''}): {text}"
            await self._entry(s, inc, "status", label, when, role=self._my_role(roles))
            return update

        return await self._run(work)

    async def _supersede_status(
        self,
        s: AsyncSession,
        inc: Incident,
        update: StatusUpdate,
        destinations: Sequence[Destination],
        now: datetime,
    ) -> None:
        """An older update of this incident to the same audience, still waiting (a retry)
        for a destination the new one goes to, is not sent any more: it would reach the
        readers after the newer one ("investigating" after "resolved")."""
        urls = sorted({d.url for d in destinations})
        if not urls:
            return
        q = (
            select(Delivery, StatusUpdate)
            .join(StatusUpdate, col(StatusUpdate.id) == col(Delivery.status_update_id))
            .where(
                col(Delivery.incident_id) == _id(inc),
                col(Delivery.status) == "pending",
                col(Delivery.person) == update.audience,
                col(Delivery.url).in_(urls),
                col(Delivery.status_update_id) != update.id,
                col(StatusUpdate.at) <= update.at,  # a backdated update supersedes nothing later
            )
            .order_by(col(Delivery.id))
        )
        for d, old in (await s.execute(q)).all():
            d.status, d.next_attempt_at = "cancelled", None
            d.last_error = "not sent: superseded by a newer status update"
            what = f"{old.audience} status update" + (f" ({old.stage})" if old.stage else "")
            await self._entry(
                s,
                inc,
                "delivery",
                f"Not sending the earlier {what} via {d.method}: superseded by a newer update.",
                now,
            )

    def status_audience_stage(self, audience: str, stage: str | None) -> tuple[str, str | None]:
        """The audience and stage ids of communications.yaml; unknown ones are refused
        with the valid ones listed."""
        policy = self.policies.communications
        a = check_line(audience, "audience", 32).lower()
        if a not in policy.audiences:
            raise BadInput(
                f"unknown audience {audience!r}; the audiences of communications.yaml are "
                f"{', '.join(policy.audiences)}."
            )
        if stage is None:
            return a, None
        st = check_line(stage, "stage", 32).lower()
        if st not in policy.stages:
            raise BadInput(
                f"unknown stage {stage!r}; the stages of communications.yaml are "
                f"{', '.join(policy.stages)}."
            )
        return a, st
