"""Overrides and swaps: the command layer of the on-call schedule.

A *cover* puts someone from the roster on a rotation for a window (one row per
scheduled person it replaces); a *swap* trades two members' shifts (two rows). Rows
made together share a ``pair`` token, are written in one transaction and are
cancelled together.
Both record who arranged them. Refused, with nothing stored: an unknown rotation or
person, an empty or back-to-front window, a window that overlaps another override of
the same rotation, a swap with someone who is not a member of the rotation. Health
rules are checked on the schedule as it will be and returned as warnings.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from warroom.errors import BadInput, NotFound
from warroom.incident.mutation import record_change
from warroom.models import OncallOverride
from warroom.oncall.health import Violation, schedule_violations
from warroom.oncall.rest import load_entries, rest_flags
from warroom.oncall.schedule import Shift, shift, shift_at, shift_index
from warroom.oncall.scope import RosterScope
from warroom.oncall.segments import segments
from warroom.policy.roster import Roster, RotationSpec
from warroom.store import Store
from warroom.text import check_line

MAX_OVERRIDE = timedelta(days=366)


@dataclass
class OverrideResult:
    rows: list[OncallOverride]
    warnings: list[Violation] = field(default_factory=list)


async def load_overrides(store: Store, *, include_cancelled: bool = False) -> list[OncallOverride]:
    async with store.read() as s:
        return await _overrides(s, include_cancelled=include_cancelled)


async def _overrides(s: AsyncSession, *, include_cancelled: bool = False) -> list[OncallOverride]:
    q = select(OncallOverride).order_by(col(OncallOverride.starts_at), col(OncallOverride.id))
    if not include_cancelled:
        q = q.where(col(OncallOverride.cancelled_at).is_(None))
    return list((await s.execute(q)).scalars())


def rotation_named(roster: Roster, key: str) -> RotationSpec:
    rot = roster.rotation(key.strip())
    if rot is None:
        known = ", ".join(r.id for r in roster.rotations) or "none"
        raise BadInput(f"there is no rotation {key!r} in the roster (rotations: {known}).")
    return rot


class OnCallCommands(RosterScope):
    """Schedule changes made by ``actor``; times shown in ``tz`` in messages
    (``Commands.oncall``)."""

    def _person(self, name: str) -> str:
        p = self.roster.person(name)
        if p is None:
            known = ", ".join(x.name for x in self.roster.people) or "none"
            raise BadInput(f"{name!r} is not in the roster (people: {known}).")
        return p.name

    def _clash(self, existing: list[OncallOverride], rot: str, a: datetime, b: datetime) -> None:
        for o in existing:
            if o.rotation == rot and o.starts_at < b and a < o.ends_at:
                raise BadInput(
                    f"that window ({self.show(a)} to {self.show(b)}) overlaps override "
                    f"#{o.id} on {rot}: {o.person} for {o.replaces or '-'} from "
                    f"{self.show(o.starts_at)} to {self.show(o.ends_at)}, arranged by "
                    f"{o.arranged_by}. Nothing was stored; cancel it first "
                    f"(warroom oncall cancel {o.id}) or pick another window."
                )

    async def _save(
        self, rows: list[OncallOverride], people: set[str], a: datetime, b: datetime
    ) -> OverrideResult:
        async def work(s: AsyncSession) -> list[OncallOverride]:
            existing = await _overrides(s)
            for r in rows:
                self._clash(existing, r.rotation, r.starts_at, r.ends_at)
            for r in rows:
                s.add(r)
            record_change(s, None, "oncall", self.now())
            await s.flush()
            return existing

        existing = await self.store.transaction(work)
        warnings = schedule_violations(
            self.roster, self.policies.oncall, [*existing, *rows], a, b, self.tz, people
        )
        warnings += await self._rest_conflicts(rows)
        return OverrideResult(rows, warnings)

    async def _rest_conflicts(self, rows: list[OncallOverride]) -> list[Violation]:
        rule = self.policies.oncall.health.rest_rule
        first = min(r.starts_at for r in rows)
        entries = await load_entries(self.store, first - timedelta(days=2), first)
        out = []
        for f in rest_flags(entries, self.roster, rule):
            for r in rows:
                if r.person == f.person and r.starts_at < f.late_start_at:
                    msg = f"{f.message(self.tz)}, but the override starts {self.show(r.starts_at)}"
                    out.append(Violation("rest_rule", msg, f.person, r.starts_at))
        return out

    # --- cover ---------------------------------------------------------------------

    async def cover(
        self,
        person: str,
        *,
        start: datetime,
        end: datetime,
        rotation: str = "primary",
        reason: str | None = None,
    ) -> OverrideResult:
        rot = rotation_named(self.roster, rotation)
        name = self._person(person)
        reason = check_line(reason, "reason", 200) if reason else None
        if end <= start:
            raise BadInput(
                f"the override ends ({self.show(end)}) before it starts ({self.show(start)})."
            )
        if end - start > MAX_OVERRIDE:
            raise BadInput("an override can last at most a year; change the rotation instead.")
        scheduled = segments(rot, [], start, end)
        if not scheduled:
            raise BadInput(
                f"rotation {rot.id} has not started by {self.show(end)}; nothing to override."
            )
        # One row per scheduled shift it replaces (a cover across a handoff replaces two
        # people); the rows share a pair token so they are cancelled together.
        pieces = [g for g in scheduled if g.person != name]
        if not pieces:
            raise BadInput(f"{name} is already on call for {rot.id} then; nothing to override.")
        token = uuid.uuid4().hex if len(pieces) > 1 else None
        rows = [
            self._row(
                rot,
                name,
                g.person,
                max(g.starts_at, start),
                min(g.ends_at, end),
                "cover",
                reason,
                token,
            )
            for g in pieces
        ]
        return await self._save(rows, {name}, start, end)

    # --- swap ----------------------------------------------------------------------

    async def swap(
        self,
        person: str,
        other: str,
        *,
        rotation: str = "primary",
        at: datetime | None = None,
        other_at: datetime | None = None,
        reason: str | None = None,
    ) -> OverrideResult:
        rot = rotation_named(self.roster, rotation)
        a, b = self._member(rot, person), self._member(rot, other)
        if a == b:
            raise BadInput(f"{a} cannot swap with themselves.")
        reason = check_line(reason, "reason", 200) if reason else None
        now = self.now()
        sa = self._shift_of(rot, a, at, now, "--at")
        sb = self._shift_of(rot, b, other_at, now, "--their")
        token = uuid.uuid4().hex
        rows = [
            self._row(rot, b, a, sa.starts_at, sa.ends_at, "swap", reason, token),
            self._row(rot, a, b, sb.starts_at, sb.ends_at, "swap", reason, token),
        ]
        lo, hi = min(sa.starts_at, sb.starts_at), max(sa.ends_at, sb.ends_at)
        return await self._save(rows, {a, b}, lo, hi)

    def _member(self, rot: RotationSpec, name: str) -> str:
        p = self.roster.person(name)
        if p is None or p.name not in rot.members:
            raise BadInput(
                f"{name!r} is not a member of rotation {rot.id} (members: "
                f"{', '.join(rot.members)}); a swap trades shifts inside one rotation. To have "
                "someone else take a shift, use `warroom oncall override`. Nothing was stored."
            )
        return p.name

    def _shift_of(
        self, rot: RotationSpec, name: str, at: datetime | None, now: datetime, what: str
    ) -> Shift:
        if at is not None:
            sh = shift_at(rot, at)
            if sh is None or sh.person != name:
                who = sh.person if sh else "nobody (the rotation has not started)"
                raise BadInput(
                    f"{what} {self.show(at)}: rotation {rot.id} names {who} then, not {name}; "
                    "give a time inside one of their shifts."
                )
            return sh
        n = max(shift_index(rot, now), 0)
        for i in range(n, n + len(rot.members) + 1):
            sh = shift(rot, i)
            if sh.person == name:
                return sh
        raise BadInput(f"{name} has no upcoming shift on {rot.id}.")

    def _row(
        self,
        rot: RotationSpec,
        person: str,
        replaces: str,
        a: datetime,
        b: datetime,
        kind: str,
        reason: str | None,
        pair: str | None = None,
    ) -> OncallOverride:
        return OncallOverride(
            rotation=rot.id,
            person=person,
            replaces=replaces,
            starts_at=a,
            ends_at=b,
            kind=kind,
            arranged_by=self.actor,
            created_at=self.now(),
            reason=reason,
            pair=pair,
        )

    # --- cancel --------------------------------------------------------------------

    async def cancel(self, override_id: int) -> list[OncallOverride]:
        """Cancel an override (both halves of a swap). Kept, marked, for the record."""

        async def work(s: AsyncSession) -> list[OncallOverride]:
            row = await s.get(OncallOverride, override_id)
            if row is None:
                raise NotFound(f"there is no override #{override_id} (see warroom oncall list).")
            if row.cancelled_at is not None:
                raise BadInput(
                    f"override #{override_id} was already cancelled by {row.cancelled_by} at "
                    f"{self.show(row.cancelled_at)}."
                )
            rows = [row]
            if row.pair:
                q = select(OncallOverride).where(
                    col(OncallOverride.pair) == row.pair,
                    col(OncallOverride.id) != row.id,
                    col(OncallOverride.cancelled_at).is_(None),
                )
                rows += list((await s.execute(q)).scalars())
            now = self.now()
            for r in rows:
                r.cancelled_at = now
                r.cancelled_by = self.actor
                s.add(r)
            record_change(s, None, "oncall", now)
            return rows

        return await self.store.transaction(work)
