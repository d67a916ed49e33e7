"""``warroom policies check`` for the team: the roster beside the policy files.

Every problem is reported (not only the first), each with its file and key:
contacts apprise does not accept, rotation members and targets naming people who
are not in ``people``, target names the policy does not know, people nobody can
reach, and policy steps, levels and severity pages naming a target nobody fills
(such a step could never page anyone).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from warroom.notify import check_url
from warroom.policy import Policies
from warroom.policy.roster import Roster, roster_path
from warroom.policy.vocabulary import TARGETS

ROTATION_TARGETS = {"primary_oncall": "primary", "secondary_oncall": "secondary"}


@dataclass(frozen=True)
class Problem:
    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: at {self.key}: {self.message}"


def _list(v: Any) -> list[Any]:
    if isinstance(v, list):
        return v
    return [v] if isinstance(v, str) else []


def check_roster(policies: Policies) -> tuple[Roster | None, list[Problem]]:
    """The roster of ``policies.directory`` (None when absent or broken) and its problems."""
    path = roster_path(policies.directory)
    f = str(path)
    if not path.exists():
        return None, []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
        return None, [Problem(f, "(file)", f"cannot be read as YAML: {exc}")]
    if not isinstance(data, dict):
        return None, [Problem(f, "(top level)", "expected people, rotations and targets")]
    problems: list[Problem] = []
    people = data.get("people") or []
    names: set[str] = set()
    first_of: dict[str, tuple[int, str]] = {}  # casefolded name -> (index, name)
    for i, p in enumerate(people if isinstance(people, list) else []):
        if not isinstance(p, dict):
            continue
        name = str(p.get("name", ""))
        names.add(name)
        twin = first_of.setdefault(name.casefold(), (i, name))
        if twin[0] != i:
            problems.append(
                Problem(
                    f,
                    f"people.{i}.name",
                    f"{name!r} is already the name of people.{twin[0]} ({twin[1]!r}; names "
                    "are compared ignoring case): one entry per person",
                )
            )
        contacts = p.get("contacts") or {}
        if isinstance(contacts, dict):
            if not contacts:
                problems.append(
                    Problem(
                        f, f"people.{i}.contacts", f"{name} has no contact: nobody can page them"
                    )
                )
            for method, url in contacts.items():
                bad = check_url(url) if isinstance(url, str) else "the contact must be a URL"
                if bad:
                    problems.append(
                        Problem(f, f"people.{i}.contacts.{method}", f"{name}'s {method}: {bad}")
                    )
    rotations = data.get("rotations") or []
    kinds: set[str] = set()
    ids: dict[str, int] = {}
    for i, r in enumerate(rotations if isinstance(rotations, list) else []):
        if not isinstance(r, dict):
            continue
        kinds.add(str(r.get("kind", "primary")))
        rid = str(r.get("id", ""))
        if ids.setdefault(rid, i) != i:
            problems.append(
                Problem(
                    f,
                    f"rotations.{i}.id",
                    f"the id {rid!r} is already used by rotations.{ids[rid]}",
                )
            )
        for j, m in enumerate(_list(r.get("members"))):
            if m not in names:
                problems.append(Problem(f, f"rotations.{i}.members.{j}", f"{m!r} is not in people"))
    targets = data.get("targets") or {}
    filled: set[str] = set()
    for t, who in targets.items() if isinstance(targets, dict) else []:
        if t not in TARGETS:
            known = ", ".join(x for x in TARGETS if x not in ROTATION_TARGETS)
            problems.append(
                Problem(f, f"targets.{t}", f"not a target the policy names (expected {known})")
            )
        people_named = _list(who)
        if any(m in names for m in people_named):
            filled.add(t)
        for j, m in enumerate(people_named):
            if m not in names:
                problems.append(Problem(f, f"targets.{t}.{j}", f"{m!r} is not in people"))
    # Schema problems the checks above do not cover (zones, times, unknown keys...).
    roster: Roster | None = None
    try:
        roster = Roster.model_validate(data)
    except ValidationError as exc:
        for e in exc.errors():
            msg = e["msg"].removeprefix("Value error, ")
            if not e["loc"] and problems:  # cross-references, reported one by one above
                continue
            key = ".".join(str(x) for x in e["loc"]) or "(top level)"
            problems.append(Problem(f, key, msg))
    problems += _unfilled(policies, kinds, filled)
    return roster, problems


def _unfilled(policies: Policies, kinds: set[str], filled: set[str]) -> list[Problem]:
    def fills(target: str) -> bool:
        if target == "incident_commander":
            return True  # the incident's IC
        if target in ROTATION_TARGETS:
            return ROTATION_TARGETS[target] in kinds
        return target in filled

    def why(target: str) -> str:
        if target in ROTATION_TARGETS:
            return f"nobody fills {target}: roster.yaml has no {ROTATION_TARGETS[target]} rotation"
        return f"nobody fills {target}: add targets.{target} to roster.yaml"

    d = Path(policies.directory)
    out: list[Problem] = []
    for sev, steps in policies.escalation.time_based.items():
        for i, step in enumerate(steps):
            missing = [t for t in step.targets if not fills(t)]
            for t in missing:
                j = step.targets.index(t)  # type: ignore[arg-type]
                msg = why(t)
                if len(missing) == len(step.targets):
                    msg += f"; step {step.id!r} can never page anyone"
                out.append(
                    Problem(str(d / "escalation.yaml"), f"time_based.{sev}.{i}.targets.{j}", msg)
                )
    for i, lvl in enumerate(policies.oncall.escalation_policy.levels):
        if not fills(lvl.target):
            key = f"escalation_policy.levels.{i}.target"
            out.append(Problem(str(d / "oncall.yaml"), key, why(lvl.target)))
    for sev, level in policies.severity.levels.items():
        for j, t in enumerate(level.pages):
            if not fills(t):
                out.append(Problem(str(d / "severity.yaml"), f"levels.{sev}.pages.{j}", why(t)))
    return out
