"""The one mutation helper: every change of the store goes through here.

- :func:`append_entry` appends a timeline entry *and* its change-feed row, in the
  caller's transaction (the command layer, the escalation's firings and deliveries);
- :func:`lock_incident` locks an incident row for the rest of the transaction, or
  raises the one :func:`~warroom.errors.no_incident` error;
- :class:`CommandScope` is what every command object shares (store, policies, actor,
  zone); :meth:`CommandScope.mutate` runs one write transaction that locks the
  incident, checks the policy's permission and takes the event time *inside* the
  transaction, once the lock is held, so entries written by concurrent writers never
  go back in time. The work gets a :class:`Mutation`: ``m.incident``, ``m.now``,
  ``m.at`` (the event time) and ``await m.entry(kind, text)``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from warroom.audit import chain
from warroom.errors import BadInput, NotPermitted, no_incident
from warroom.incident import timeline
from warroom.incident.checklist import auto_tick
from warroom.incident.refs import parse_ref
from warroom.incident.roles import ROLE_NAMES, ROLES, same_person
from warroom.models import Incident, RoleAssignment, TimelineEntry
from warroom.policy import Policies
from warroom.store import Store, record_change

__all__ = [
    "CommandScope",
    "Mutation",
    "append_entry",
    "current_roles",
    "lock_incident",
    "my_role",
    "record_change",
]

T = TypeVar("T")
FUTURE = timedelta(minutes=2)  # clock skew between the scribe's and the IC's machines
_IC_VERBS = {"severity": "change the severity of it", "assign": "assign roles on it"}


async def append_entry(
    session: AsyncSession,
    incident: Incident,
    *,
    at: datetime,
    recorded_at: datetime,
    author: str,
    kind: str,
    text: str,
    role: str | None = None,
    key_event: bool | None = None,
    corrects_id: int | None = None,
    change_kind: str | None = None,
) -> TimelineEntry:
    """Append one timeline entry and its change-feed row (kind ``change_kind``, default
    the entry's kind) in the caller's transaction, chained after the incident's last
    entry and at the end of the database chain (:mod:`warroom.audit.chain`: it carries
    what the transaction changed in the incident so far; lock incidents before the
    first append, the chain head is locked from there to the commit)."""
    assert incident.id is not None
    await session.flush()  # the incident's changes so far reach the entry's state
    last = await chain.tail(session, incident.id)
    seq, prev = (last[0] + 1, last[1]) if last else (1, timeline.GENESIS)
    key = kind in timeline.KEY_KINDS if key_event is None else key_event
    fields = timeline.entry_fields(
        incident.id, seq, at, recorded_at, author, role, kind, text, key, corrects_id
    )
    entry = timeline.chained(fields, at, recorded_at, prev)
    await chain.link(session, entry)
    session.add(entry)
    await session.flush()
    record_change(session, incident.id, change_kind or kind, recorded_at)
    return entry


async def lock_incident(session: AsyncSession, ref_or_id: str | int) -> Incident:
    """The incident ``ref_or_id`` (INC-7, 7), locked until the transaction ends."""
    n = ref_or_id if isinstance(ref_or_id, int) else parse_ref(ref_or_id)
    q = select(Incident).where(col(Incident.id) == n).with_for_update()
    inc = (await session.execute(q)).scalar_one_or_none()
    if inc is None:
        raise no_incident(n)
    return inc


async def current_roles(session: AsyncSession, incident_id: int) -> dict[str, RoleAssignment]:
    """Who holds each war-room role of the incident now (role id -> assignment)."""
    q = select(RoleAssignment).where(
        col(RoleAssignment.incident_id) == incident_id,
        col(RoleAssignment.ended_at).is_(None),
    )
    return {r.role: r for r in (await session.execute(q)).scalars()}


def my_role(roles: dict[str, RoleAssignment], actor: str) -> str | None:
    """The label (IC, COMMS ...) of the first role ``actor`` holds, if any."""
    for r in ROLES:
        if r in roles and same_person(roles[r].person, actor):
            return ROLE_NAMES[r]
    return None


def _incident_id(inc: Incident) -> int:
    assert inc.id is not None, "an incident read from the store has an id"
    return inc.id


def ic_refusal(
    policies: Policies, ref: str, ic: str | None, actor: str, permission: str
) -> NotPermitted | None:
    """Why ``actor`` may not do ``permission`` on incident ``ref`` whose IC is ``ic``
    (the policy's ``ic_only``), or None when they may. The console asks before a key
    does anything; the command layer enforces it."""
    if permission not in policies.warroom.rules.ic_only or ic is None or same_person(ic, actor):
        return None
    return NotPermitted(
        f"only the incident commander of {ref} ({ic}) may "
        f"{_IC_VERBS.get(permission, permission + ' it')}; "
        f"you are acting as {actor} (use --as, ask {ic} to hand over IC, or take command: "
        f"warroom take {ref}, /take in the console)."
    )


class Mutation:
    """One write transaction of a command: the session, the time and the incident."""

    def __init__(self, scope: CommandScope, session: AsyncSession, at: datetime | None) -> None:
        self.scope = scope
        self.session = session
        self._requested = at
        self._incident: Incident | None = None
        self.now = scope.now()
        self.at = self.when(at)

    def _stamp(self) -> None:
        """Take the time again (a lock was just acquired) and re-check the event time."""
        self.now = self.scope.now()
        self.at = self.when(self._requested)

    def when(self, at: datetime | None) -> datetime:
        """``at`` (default: now) as UTC; a time more than two minutes ahead of now is
        refused (entries can be backdated, not postdated)."""
        if at is None:
            return self.now
        if at.tzinfo is None:
            raise BadInput("a time without a zone reached the command layer")
        if at > self.now + FUTURE:
            show = self.scope.show
            raise BadInput(
                f"{show(at)} is in the future (now is {show(self.now)}); "
                "entries can be backdated, not postdated."
            )
        return at.astimezone(UTC)

    @property
    def incident(self) -> Incident:
        assert self._incident is not None, "lock (or bind) the incident first"
        return self._incident

    @property
    def incident_id(self) -> int:
        return _incident_id(self.incident)

    def bind(self, incident: Incident) -> Incident:
        """Make a just-created incident (a declaration) the one this mutation writes on."""
        self._incident = incident
        return incident

    async def lock(self, ref_or_id: str | int, *, permission: str | None = None) -> Incident:
        """Lock the incident, take the time inside the lock, check the permission."""
        self._incident = await lock_incident(self.session, ref_or_id)
        self._stamp()
        if permission is not None:
            await self.require(permission)
        return self._incident

    async def roles(self) -> dict[str, RoleAssignment]:
        return await current_roles(self.session, self.incident_id)

    async def my_role(self) -> str | None:
        """The label of the role the actor holds on this incident, if any."""
        return my_role(await self.roles(), self.scope.actor)

    async def require(self, permission: str) -> None:
        """Refuse (exit 3) when the policy keeps ``permission`` to the IC (``ic_only``)
        and the actor is not the incident commander."""
        scope = self.scope
        if permission not in scope.policies.warroom.rules.ic_only:
            return
        ic = (await self.roles()).get("ic")
        who = ic.person if ic else None
        refusal = ic_refusal(scope.policies, self.incident.ref or "", who, scope.actor, permission)
        if refusal is not None:
            raise refusal

    async def entry(
        self,
        kind: str,
        text: str,
        at: datetime | None = None,
        *,
        role: str | None = None,
        key_event: bool | None = None,
        corrects_id: int | None = None,
        author: str | None = None,
    ) -> TimelineEntry:
        """Append an entry (at the event time unless ``at``) by the actor, and its
        change-feed row; the checklist lines the entry proves tick themselves
        (:mod:`warroom.incident.checklist`)."""
        entry = await append_entry(
            self.session,
            self.incident,
            at=self.at if at is None else at,
            recorded_at=self.now,
            author=author or self.scope.actor,
            kind=kind,
            text=text,
            role=role,
            key_event=key_event,
            corrects_id=corrects_id,
        )
        await auto_tick(self.session, self.scope.policies, self.incident, kind, entry.at)
        return entry


@dataclass
class CommandScope:
    """What every command object shares: the store, the policies, who acts, and the
    zone times are shown in (messages only; stored times are UTC)."""

    store: Store
    policies: Policies
    actor: str
    tz: tzinfo = UTC

    def now(self) -> datetime:
        return self.store.clock.now()

    def show(self, dt: datetime) -> str:
        return dt.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S %Z")

    async def write(
        self, work: Callable[[Mutation], Awaitable[T]], *, at: datetime | None = None
    ) -> T:
        """Run ``work`` in one write transaction, the time taken once the write lock is
        held (``BEGIN IMMEDIATE`` on SQLite); the work locks its incident with
        ``m.lock`` (which takes the time again) or binds one it creates."""

        async def run(s: AsyncSession) -> T:
            await s.connection()  # begins the transaction: the SQLite write lock
            return await work(Mutation(self, s, at))

        return await self.store.transaction(run)

    async def mutate(
        self,
        ref: str | int,
        work: Callable[[Mutation], Awaitable[T]],
        *,
        at: datetime | None = None,
        permission: str | None = None,
    ) -> T:
        """Lock incident ``ref``, check ``permission``, take the event time ``at``
        (default: now) inside the transaction, then run ``work``."""

        async def locked(m: Mutation) -> T:
            await m.lock(ref, permission=permission)
            return await work(m)

        return await self.write(locked, at=at)
