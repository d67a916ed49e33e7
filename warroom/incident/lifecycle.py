"""Verbs of an incident's life after the declaration: mitigate, resolve, close, the
milestones given after the fact, and the phase checklists."""

from __future__ import annotations

from datetime import datetime

from warroom.errors import BadInput, NotFound
from warroom.incident.milestones import check_order
from warroom.incident.mutation import CommandScope, Mutation
from warroom.models import ChecklistItem, Incident


class LifecycleVerbs(CommandScope):
    # --- mitigate, resolve, close --------------------------------------------------------

    async def mitigate(self, ref: str, *, at: datetime | None = None) -> Incident:
        async def work(m: Mutation) -> Incident:
            inc = m.incident
            if inc.mitigated_at is not None:
                raise BadInput(f"{inc.ref} was already mitigated at {self.show(inc.mitigated_at)}.")
            check_order(inc, {"mitigated_at": m.at}, self.show)
            inc.mitigated_at = m.at
            if inc.status == "open":
                inc.status = "mitigated"
            self._advance_phase(inc, "resolve")
            await m.entry("mitigated", "Mitigated: customer impact has stopped")
            return inc

        return await self.mutate(ref, work, at=at, permission="mitigate")

    async def resolve(self, ref: str, *, at: datetime | None = None) -> Incident:
        async def work(m: Mutation) -> Incident:
            inc, when = m.incident, m.at
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
            await m.entry("resolved", text)
            return inc

        return await self.mutate(ref, work, at=at, permission="resolve")

    async def close(self, ref: str, *, at: datetime | None = None) -> Incident:
        async def work(m: Mutation) -> Incident:
            inc = m.incident
            if inc.closed_at is not None:
                raise BadInput(f"{inc.ref} was already closed at {self.show(inc.closed_at)}.")
            if inc.resolved_at is None:
                raise BadInput(f"{inc.ref} is not resolved yet; resolve it before closing it.")
            check_order(inc, {"closed_at": m.at}, self.show)
            inc.closed_at = m.at
            inc.status = "closed"
            await m.entry("closed", "Closed")
            return inc

        return await self.mutate(ref, work, at=at, permission="close")

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

        async def work(m: Mutation) -> Incident:
            inc = m.incident
            check_order(inc, {field: m.at}, self.show)
            setattr(inc, field, m.at)
            label = field.removesuffix("_at").capitalize()
            await m.entry("milestone", f"{label} at {self.show(m.at)}")
            return inc

        return await self.mutate(ref, work, at=at)

    # --- checklist ---------------------------------------------------------------------

    async def toggle_checklist(
        self, ref: str, item_id: int, *, at: datetime | None = None
    ) -> ChecklistItem:
        async def work(m: Mutation) -> ChecklistItem:
            inc = m.incident
            item = await m.session.get(ChecklistItem, item_id)
            if item is None or item.incident_id != inc.id:
                raise NotFound(f"no checklist item {item_id} on {inc.ref}.")
            item.done = not item.done
            item.done_by = self.actor if item.done else None
            item.done_at = m.at if item.done else None
            mark = "Done" if item.done else "Undone"
            await m.entry("checklist", f"{mark}: {item.text}")
            return item

        return await self.mutate(ref, work, at=at)
