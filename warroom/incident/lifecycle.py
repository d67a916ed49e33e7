"""Verbs of an incident's life after the declaration: mitigate, resolve, close, the
milestones given after the fact, and the phase checklists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlmodel import col

from warroom.clock import utc
from warroom.errors import BadInput, NotFound
from warroom.incident.checklist import (
    after_resolution,
    describe_open,
    left_open,
    record_left_open,
)
from warroom.incident.milestones import check_order
from warroom.incident.mutation import CommandScope, Mutation
from warroom.models import ChecklistItem, Incident, TimelineEntry

RESOLVED_PHASE = "follow_up"  # the phase resolving moves to


class ChecklistChanged(BadInput):
    """A toggle over a change its author had not seen (exit 2): nothing changed."""

    def __init__(self, message: str, item: ChecklistItem, by: str) -> None:
        super().__init__(message)
        self.item = item
        self.by = by


def refuse_late_ack(inc: Incident, at: datetime, show: Callable[[datetime], str]) -> None:
    """Refuse (exit 2) an ack of an incident already acknowledged, unless it is earlier
    than the ack its mitigation implied (a scribe recording the ack after the fact)."""
    acked, mitigated = inc.acknowledged_at, inc.mitigated_at
    assert acked is not None
    if mitigated is not None and acked == mitigated and at < acked:
        return
    if mitigated is not None and at >= mitigated:
        how = "which counted as" if acked == mitigated else "after"
        raise BadInput(
            f"{inc.ref} was mitigated at {show(mitigated)}, {how} its acknowledgment by "
            f"{inc.acknowledged_by} at {show(acked)}; an acknowledgment at {show(at)} would "
            "come after the mitigation. Nothing changed."
        )
    raise BadInput(
        f"{inc.ref} was already acknowledged by {inc.acknowledged_by} at "
        f"{show(acked)}; nothing changed."
    )


class LifecycleVerbs(CommandScope):
    # --- mitigate, resolve, close --------------------------------------------------------

    async def mitigate(self, ref: str, *, at: datetime | None = None) -> Incident:
        async def work(m: Mutation) -> Incident:
            inc = m.incident
            if inc.mitigated_at is not None:
                raise BadInput(f"{inc.ref} was already mitigated at {self.show(inc.mitigated_at)}.")
            check_order(inc, {"mitigated_at": m.at}, self.show)
            await self._acknowledge_with(m, "the mitigation")
            inc.mitigated_at = m.at
            if inc.status == "open":
                inc.status = "mitigated"
            left = inc.phase
            self._advance_phase(inc, "resolve")
            await m.entry("mitigated", "Mitigated: customer impact has stopped")
            await record_left_open(m, left)
            return inc

        return await self.mutate(ref, work, at=at, permission="mitigate")

    async def resolve(
        self, ref: str, *, at: datetime | None = None, refuse_open: bool = False
    ) -> Incident:
        """Resolve; ``refuse_open``: refuse (exit 2, naming them) while checklist lines of
        the phases resolving leaves are open (``warroom resolve`` without ``--force``)."""

        async def work(m: Mutation) -> Incident:
            inc, when = m.incident, m.at
            if inc.resolved_at is not None:
                raise BadInput(f"{inc.ref} was already resolved at {self.show(inc.resolved_at)}.")

            check_order(inc, {"resolved_at": when}, self.show)
            if inc.mitigated_at is None:
                check_order(inc, {"resolved_at": when, "mitigated_at": when}, self.show)
            await self._acknowledge_with(m, "the resolution")
            text = "Resolved"
            if inc.mitigated_at is None:
                inc.mitigated_at = when
                text += " (mitigated at the same time)"
            inc.resolved_at = when
            inc.status = "resolved"
            left = inc.phase
            self._advance_phase(inc, RESOLVED_PHASE)
            await m.entry("resolved", text)  # ticks what the resolution proves
            if refuse_open:  # the whole transaction is undone: nothing changed
                self._refuse_open(m, await left_open(m, left))
            await record_left_open(m, left)
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

    async def _acknowledge_with(self, m: Mutation, what: str) -> None:
        """Mitigating or resolving an unacknowledged incident acknowledges it at the same
        moment (someone is plainly on it): the no-ack pages stop, and the time to ack is
        never longer than the time to mitigate. The ack is its own entry, before."""
        inc = m.incident
        if inc.acknowledged_at is not None:
            return
        check_order(inc, {"acknowledged_at": m.at}, self.show)
        inc.acknowledged_at = m.at
        inc.acknowledged_by = self.actor
        await m.entry("ack", f"Acknowledged by {self.actor} (with {what})")

    def _refuse_open(self, m: Mutation, left: list[ChecklistItem]) -> None:
        blocking = [c for c in left if not after_resolution(self.policies, c)]
        if blocking:
            raise BadInput(
                f"{m.incident.ref} still has open checklist lines: "
                f"{describe_open(self.policies, blocking)}. Tick them first (warroom checklist "
                f"{m.incident.ref} TEXT), or resolve anyway with --force; nothing changed."
            )

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
        self, ref: str, item_id: int, *, seen: bool | None = None, at: datetime | None = None
    ) -> ChecklistItem:
        """Toggle a checklist item. ``seen``: whether the person saw it done (the console
        and the verbs always say): the toggle means the other state, and when someone
        else already made it so, nothing changes and :class:`ChecklistChanged` names
        them (two people ticking one item at once both meant done: it ends done)."""

        async def work(m: Mutation) -> ChecklistItem:
            inc = m.incident
            item = await m.session.get(ChecklistItem, item_id)
            if item is None or item.incident_id != inc.id:
                raise NotFound(f"no checklist item {item_id} on {inc.ref}.")
            if seen is not None and item.done != seen:
                raise await self._changed_unseen(m, item)
            item.done = not item.done
            item.done_by = self.actor if item.done else None
            item.done_at = m.at if item.done else None
            mark = "Done" if item.done else "Undone"
            await m.entry("checklist", f"{mark}: {item.text}")
            return item

        return await self.mutate(ref, work, at=at)

    async def _changed_unseen(self, m: Mutation, item: ChecklistItem) -> ChecklistChanged:
        """Who made ``item`` what it is now, and when (the last entry that said so)."""
        mark = "Done" if item.done else "Undone"
        q = (
            select(TimelineEntry.author, TimelineEntry.at)  # type: ignore[call-overload]
            .where(
                col(TimelineEntry.incident_id) == m.incident_id,
                col(TimelineEntry.kind) == "checklist",
                col(TimelineEntry.text) == f"{mark}: {item.text}",
            )
            .order_by(col(TimelineEntry.seq).desc())
            .limit(1)
        )
        last = (await m.session.execute(q)).first()
        who = item.done_by if item.done and item.done_by else (last[0] if last else "someone")
        when = item.done_at if item.done and item.done_at else (utc(last[1]) if last else None)
        state = "done" if item.done else "undone"
        at = f" at {self.show(when)}" if when is not None else ""
        return ChecklistChanged(
            f"already {state} by {who}{at}: {item.text}; nothing changed.", item, who
        )
