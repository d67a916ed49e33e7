"""Status-update verbs: record an update (communications.yaml audiences and stages) and
queue it to its destinations in the delivery outbox; post one rendered from the
stage's template (:meth:`StatusVerbs.post_update`)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import or_, select
from sqlmodel import col

from warroom.comms.destinations import Destination, destinations_for
from warroom.comms.draft import load_incident, next_update_after, refuse_unresolved, render_stage
from warroom.errors import BadInput
from warroom.incident.mutation import CommandScope, Mutation
from warroom.models import Delivery, StatusUpdate
from warroom.text import check_entry_text, check_line

if TYPE_CHECKING:
    from warroom.comms.updates import Posted
    from warroom.incident.commands import Commands


class StatusVerbs(CommandScope):
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

        async def work(m: Mutation) -> StatusUpdate:
            inc, s, now = m.incident, m.session, m.now
            if requires_resolved and inc.resolved_at is None:
                raise BadInput(
                    f"{inc.ref} is not resolved; a {stage} update would tell stakeholders "
                    "it is over. Resolve it first (only the IC may), or use another stage."
                )
            update = StatusUpdate(
                incident_id=m.incident_id,
                at=m.at,
                audience=audience,
                stage=stage,
                text=text,
                author=self.actor,  # type: ignore[arg-type]
            )
            s.add(update)
            await s.flush()
            await self._supersede_status(m, update, destinations)
            for dest in destinations:
                s.add(
                    Delivery(
                        incident_id=m.incident_id,
                        status_update_id=update.id,
                        person=audience,
                        method=dest.method,
                        destination=dest.key,  # never the URL: it holds tokens
                        destination_label=dest.label,
                        title=dest.title,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
            label = f"Status update ({audience}{', ' + stage if stage else ''}): {text}"
            await m.entry("status", label, role=await m.my_role())
            return update

        return await self.mutate(ref, work, at=at)

    async def _supersede_status(
        self, m: Mutation, update: StatusUpdate, destinations: Sequence[Destination]
    ) -> None:
        """An older update of this incident to the same audience, still waiting (a retry)
        for a destination the new one goes to, is not sent any more: it would reach the
        readers after the newer one ("investigating" after "resolved")."""
        urls = sorted({d.url for d in destinations})  # rows queued before 0003 kept theirs
        keys = sorted({d.key for d in destinations if d.key})
        if not urls:
            return
        q = (
            select(Delivery, StatusUpdate)
            .join(StatusUpdate, col(StatusUpdate.id) == col(Delivery.status_update_id))
            .where(
                col(Delivery.incident_id) == m.incident_id,
                col(Delivery.status) == "pending",
                col(Delivery.person) == update.audience,
                or_(col(Delivery.destination).in_(keys), col(Delivery.url).in_(urls)),
                col(Delivery.status_update_id) != update.id,
                col(StatusUpdate.at) <= update.at,  # a backdated update supersedes nothing later
            )
            .order_by(col(Delivery.id))
        )
        for d, old in (await m.session.execute(q)).all():
            d.status, d.next_attempt_at = "cancelled", None
            d.last_error = "not sent: superseded by a newer status update"
            what = f"{old.audience} status update" + (f" ({old.stage})" if old.stage else "")
            await m.entry(
                "delivery",
                f"Not sending the earlier {what} via {d.method}: superseded by a newer update.",
                m.now,
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

    async def post_update(
        self,
        ref: str,
        *,
        audience: str,
        stage: str | None = None,
        text: str | None = None,
        at: datetime | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Posted:
        """Record a status update (``text``, or the stage's template when None) and queue
        it to the audience's destinations; says where it goes and what is still due."""
        from warroom.comms import updates  # the outbox: loaded with the first update

        me = cast("Commands", self)  # the draft helpers take the whole command object
        policies = self.policies
        comms = policies.communications
        audience, stage = self.status_audience_stage(audience, stage)
        inc, snap = await load_incident(self.store, ref)
        if stage is None and text is None:  # a template needs a stage: the incident's state's
            stage = comms.stage_for(inc.status)
            if stage is None:
                known = ", ".join(comms.stages)
                raise BadInput(f"say which stage this update is for (the stages are {known}).")
        spec = comms.stages[stage] if stage else None
        refuse_unresolved(comms, inc, stage)
        next_update = next_update_after(me, snap, at)
        from_template = text is None
        if text is None:
            assert stage is not None
            text = await render_stage(me, inc, snap, audience, stage, at)
        aud = comms.audiences[audience]
        title = aud.title.format(
            ref=inc.ref,
            title=inc.title,
            severity=inc.severity,
            stage=spec.name if spec else "update",
            audience=aud.name,
        )
        env = os.environ if environ is None else environ
        dests = destinations_for(audience, aud, env, title)
        queued, held = ([], dests) if inc.drill else (dests, [])
        update = await self.record_status(
            inc.ref or ref, text, audience=audience, stage=stage, at=at, destinations=queued
        )
        warnings: list[str] = []
        need = updates.requirement(policies, audience, inc.severity)
        if need == updates.NOT_EXPECTED:
            warnings.append(
                f"severity.yaml says SEV{inc.severity} needs no {aud.name.lower()} communication."
            )
        missing = [a for a in updates.required_audiences(policies, inc.severity) if a != audience]
        async with self.store.read() as s:
            q = select(col(Delivery.id)).where(col(Delivery.status_update_id) == update.id)
            ids = [int(i or 0) for i in (await s.execute(q.order_by(col(Delivery.id)))).scalars()]
            sent_to = await updates.audiences_updated(s, inc.id or 0)
        missing = [a for a in missing if a not in sent_to]
        if missing:
            warnings.append(
                f"SEV{inc.severity} also requires updates to {', '.join(missing)} "
                "(none recorded yet)."
            )
        return updates.Posted(
            update=update,
            ref=inc.ref or ref,
            audience=audience,
            audience_name=aud.name,
            stage=stage,
            stage_name=spec.name if spec else None,
            from_template=from_template,
            requirement=need,
            next_update_at=next_update,
            queued=queued,
            held=held,
            delivery_ids=ids,
            warnings=warnings,
        )
