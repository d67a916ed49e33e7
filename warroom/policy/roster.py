"""The team as data: ``roster.yaml`` beside the policy files.

People (name, handle, team, time zone, contact methods as apprise URLs), the
rotations (members in order, zone, local start, calendar period, handoff weekday
and time) and who fills the escalation targets the policy names.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from warroom.errors import BadInput, PolicyError
from warroom.strict import HHMM, Strict

Method = Literal["push", "phone", "sms", "email", "chat"]
ROSTER_FILE = "roster.yaml"


def _zone(v: str) -> str:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {v!r}; use an IANA name like Europe/London") from None
    return v


class PersonSpec(Strict):
    name: str = Field(min_length=1, max_length=80)
    handle: str | None = None
    team: str | None = None
    tz: str = "UTC"
    contacts: dict[Method, str] = Field(default_factory=dict)

    _z = field_validator("tz")(classmethod(lambda cls, v: _zone(v)))


class RotationSpec(Strict):
    id: str
    name: str
    kind: Literal["primary", "secondary"] = "primary"
    zone: str
    start: date  # the local date of the first handoff
    period: Literal["daily", "weekly", "biweekly"] = "weekly"
    handoff_weekday: (
        Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] | None
    ) = None
    handoff_time: HHMM = "10:00"
    offset: int = Field(default=0, ge=0)  # the secondary runs `offset` shifts ahead
    members: list[str] = Field(min_length=1)

    _z = field_validator("zone")(classmethod(lambda cls, v: _zone(v)))


class Roster(Strict):
    people: list[PersonSpec] = Field(default_factory=list)
    rotations: list[RotationSpec] = Field(default_factory=list)
    targets: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("targets", mode="before")
    @classmethod
    def _lists(cls, v: object) -> object:
        if isinstance(v, dict):
            return {k: [x] if isinstance(x, str) else x for k, x in v.items()}
        return v

    @model_validator(mode="after")
    def _names_exist(self) -> Roster:
        names = {p.name for p in self.people}
        if len({n.casefold() for n in names}) != len(self.people):
            raise ValueError("people: a name is used twice")
        ids = [r.id for r in self.rotations]
        for rid in ids:
            if ids.count(rid) > 1:
                raise ValueError(f"rotations: the id {rid!r} is used twice")
        for r in self.rotations:
            for m in r.members:
                if m not in names:
                    raise ValueError(f"rotation {r.id!r} names {m!r}, who is not in people")
        for target, who in self.targets.items():
            for m in who:
                if m not in names:
                    raise ValueError(f"targets.{target} names {m!r}, who is not in people")
        return self

    def person(self, name: str) -> PersonSpec | None:
        """The person called ``name`` (or with that handle), ignoring case."""
        key = name.strip().casefold()
        found = next((p for p in self.people if p.name.casefold() == key), None)
        if found is None and key:
            bare = key.removeprefix("@")
            found = next(
                (p for p in self.people if (p.handle or "").casefold().removeprefix("@") == bare),
                None,
            )
        return found

    def rotation(self, kind: str) -> RotationSpec | None:
        """The first rotation of ``kind`` (primary, secondary), or the one with that id."""
        return next((r for r in self.rotations if r.kind == kind), None) or next(
            (r for r in self.rotations if r.id == kind), None
        )


def roster_path(policies_dir: str | Path) -> Path:
    return Path(policies_dir) / ROSTER_FILE


def load_roster(policies_dir: str | Path) -> Roster | None:
    """The roster beside the policies, or None when there is none (a fresh install)."""
    path = roster_path(policies_dir)
    if not path.exists():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot be read ({exc})") from None
    import yaml  # here: a verb that needs no roster never loads the YAML parser

    from warroom.policy.yaml_checks import duplicate_key

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: is not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: expected a mapping with people, rotations and targets.")
    dup = duplicate_key(text)
    if dup is not None:
        raise PolicyError(
            f"{path}: at {dup[0]}: this key is written twice (lines {dup[1]} and {dup[2]}); "
            "YAML would silently keep only the last one. Keep one of them."
        )
    try:
        return Roster.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        raise PolicyError(f"{path}: at {where}: {msg}.") from None


def require_roster(policies_dir: str | Path) -> Roster:
    roster = load_roster(policies_dir)
    if roster is None:
        raise BadInput(
            f"there is no roster yet: create {roster_path(policies_dir)} with your people and "
            "rotations (see data/roster.yaml for a complete example, or try `warroom demo`)."
        )
    return roster
