"""The incident row as a projection of its timeline.

Every entry that changed its incident carries the change in ``state``: the canonical
JSON of the fields below it set (times ISO-8601 UTC with microseconds, ``null`` when
unset) and, under ``roles``, who took or left a war-room role (``null``: nobody holds
it now). A declaration's entry carries every field. ``verify`` replays the changes in
``seq`` order (:func:`replay`) and compares the result with the stored row and its
current role holders (:func:`differences`): an edited row, whatever the edit, shows.

The changes are what the command layer did to the ORM objects in the transaction
(:func:`collect`, from SQLAlchemy's attribute history at each flush), never a re-read
of the row, so a later entry cannot launder an edit made to the row behind its back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from warroom.models import Incident, RoleAssignment

# The incident row's fields its timeline vouches for, in the order they are reported.
FIELDS = (
    "title",
    "severity",
    "status",
    "phase",
    "war_room",
    "drill",
    "started_at",
    "detected_at",
    "declared_at",
    "acknowledged_at",
    "acknowledged_by",
    "mitigated_at",
    "resolved_at",
    "closed_at",
)
_TIMES = frozenset(f for f in FIELDS if f.endswith("_at"))
Changes = dict[str, Any]


def value(name: str, v: Any) -> Any:
    """A field's value as the state JSON holds it."""
    if v is None:
        return None
    if name in _TIMES:
        assert isinstance(v, datetime)
        return v.astimezone(UTC).isoformat(timespec="microseconds")
    if name in ("war_room", "drill"):
        return bool(v)
    return v


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def full_state(inc: Any, roles: Mapping[str, str]) -> Changes:
    """Every field of an incident row (an ORM object or a plain row) and its role holders."""
    data: Changes = {name: value(name, getattr(inc, name)) for name in FIELDS}
    data["roles"] = dict(sorted(roles.items()))
    return data


# --- what a transaction changed (the session's flushes) ----------------------------------


def _changed(obj: Any, name: str) -> tuple[bool, Any]:
    hist = inspect(obj).attrs[name].history
    if not hist.added:
        return False, None
    new = hist.added[0]
    return (not hist.deleted or hist.deleted[0] != new), new


def collect(new: Iterable[Any], dirty: Iterable[Any], into: dict[int, Changes]) -> None:
    """Add the changes of one flush (the session's ``new`` and ``dirty`` objects, their
    history intact) to ``into`` (incident id -> changes). Roles left come before roles
    taken, so a handoff in one flush ends with the new holder."""
    for obj in dirty:
        if isinstance(obj, Incident) and obj.id is not None:
            for name in FIELDS:
                changed, new_value = _changed(obj, name)
                if changed:
                    into.setdefault(obj.id, {})[name] = value(name, new_value)
        elif (
            isinstance(obj, RoleAssignment)
            and _changed(obj, "ended_at")[0]
            and obj.ended_at is not None
        ):
            roles = into.setdefault(obj.incident_id, {}).setdefault("roles", {})
            roles[obj.role] = None
    for obj in new:
        if isinstance(obj, Incident) and obj.id is not None:
            fields = full_state(obj, {})
            del fields["roles"]
            into.setdefault(obj.id, {}).update(fields)
        elif isinstance(obj, RoleAssignment) and obj.ended_at is None:
            roles = into.setdefault(obj.incident_id, {}).setdefault("roles", {})
            roles[obj.role] = obj.person


def encode(changes: Changes | None) -> str | None:
    return canonical(changes) if changes else None


def merge(state: str | None, later: Changes) -> str | None:
    """An entry's changes with ``later`` ones of the same transaction added (a role left
    stays ``null``: the replay must drop its holder)."""
    out: Changes = json.loads(state) if state else {}
    roles = {**(out.pop("roles", None) or {}), **(later.get("roles") or {})}
    out.update({k: v for k, v in later.items() if k != "roles"})
    if roles:
        out["roles"] = roles
    return encode(out)


# --- replaying a timeline and comparing with the row -------------------------------------


def replay(states: Iterable[str | None]) -> Changes:
    """The incident as its entries' changes (in ``seq`` order) leave it."""
    out: Changes = {"roles": {}}
    for text in states:
        if not text:
            continue
        change = json.loads(text)
        roles = change.pop("roles", None) or {}
        out.update(change)
        for role, person in roles.items():
            if person is None:
                out["roles"].pop(role, None)
            else:
                out["roles"][role] = person
    return out


def holders(rows: Iterable[Any]) -> dict[str, str]:
    """Role -> person from open role assignments given in (at, id) order: the newest wins."""
    out: dict[str, str] = {}
    for r in rows:
        out[r.role] = r.person
    return out


async def stored_rows(s: AsyncSession, incident_ids: list[int] | None = None) -> dict[int, Changes]:
    """Incident id -> the full state of its stored row (every incident, or these)."""
    i = Incident.__table__  # type: ignore[attr-defined]
    r = RoleAssignment.__table__  # type: ignore[attr-defined]
    qi = select(i)
    qr = select(r).where(r.c.ended_at.is_(None)).order_by(r.c.incident_id, r.c.at, r.c.id)
    if incident_ids is not None:
        qi = qi.where(i.c.id.in_(incident_ids))
        qr = qr.where(r.c.incident_id.in_(incident_ids))
    by_incident: dict[int, list[Any]] = {}
    for row in (await s.execute(qr)).all():
        by_incident.setdefault(row.incident_id, []).append(row)
    return {
        row.id: full_state(row, holders(by_incident.get(row.id, [])))
        for row in (await s.execute(qi)).all()
    }


def _show(v: Any) -> str:
    return "unset" if v is None else json.dumps(v, ensure_ascii=False)


def differences(row: Changes, timeline: Changes) -> list[str]:
    """One message per field where the stored row differs from what its timeline says
    (roles one by one: ``roles.ic``)."""
    out = []
    for name in FIELDS:
        if name not in timeline:
            out.append(
                f"{name} is {_show(row.get(name))} in the incident row, but no entry of "
                "its timeline sets it"
            )
        elif row.get(name) != timeline[name]:
            out.append(
                f"{name} is {_show(row.get(name))} in the incident row but "
                f"{_show(timeline[name])} in its timeline"
            )
    r_roles, t_roles = row.get("roles") or {}, timeline.get("roles") or {}
    for role in sorted(set(r_roles) | set(t_roles)):
        if r_roles.get(role) != t_roles.get(role):
            out.append(
                f"roles.{role} is {_show(r_roles.get(role))} in the incident row but "
                f"{_show(t_roles.get(role))} in its timeline"
            )
    return out
