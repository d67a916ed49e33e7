"""The four war-room roles: one table for their ids, labels, long names and the names
people type for them. The policy (warroom.yaml) gives each role its display name and
responsibilities and maps the scribe's ``ROLE:`` prefixes to these ids."""

from __future__ import annotations

from dataclasses import dataclass

from warroom.errors import BadInput


@dataclass(frozen=True)
class RoleInfo:
    id: str  # what is stored: ic, comms, tech, scribe
    label: str  # the timeline's label and the default prefix: IC, COMMS, ENG, SCRIBE
    title: str  # in prose and in the post-mortem: "Incident commander"
    aliases: tuple[str, ...]  # other names accepted wherever a role is typed


ROLE_TABLE: tuple[RoleInfo, ...] = (
    RoleInfo("ic", "IC", "Incident commander", ("commander", "incident_commander")),
    RoleInfo("comms", "COMMS", "Communications lead", ("communications", "comms_lead")),
    RoleInfo("tech", "ENG", "Technical lead", ("eng", "technical", "tl", "tech_lead")),
    RoleInfo("scribe", "SCRIBE", "Scribe", ()),
)
ROLES: tuple[str, ...] = tuple(r.id for r in ROLE_TABLE)
ROLE_NAMES: dict[str, str] = {r.id: r.label for r in ROLE_TABLE}
ROLE_TITLES: dict[str, str] = {r.id: r.title for r in ROLE_TABLE}
ROLE_ALIASES: dict[str, str] = {name: r.id for r in ROLE_TABLE for name in (r.id, *r.aliases)}


def role_id(text: str) -> str:
    """The role id for what someone typed (``ic``, ``Commander``, ``eng`` ...)."""
    r = ROLE_ALIASES.get(text.strip().lower().replace("-", "_").replace(" ", "_"))
    if r is None:
        raise BadInput(f"unknown role {text!r}; expected one of {', '.join(ROLES)}.")
    return r


def same_person(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()
