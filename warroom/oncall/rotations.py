"""Adding a rotation to ``roster.yaml``: checked in full first, then written atomically.

Defaults come from the on-call policy's ``rotation`` section (period, handoff weekday
and time, the secondary's offset). A rotation with fewer members than the policy's
``min_team_size``, an unknown zone, member or duplicate id is refused and the file is
left as it was. The new entry is inserted after the last rotation so the comments of
a hand-written roster survive; if the file's layout does not allow that safely, the
whole roster is rewritten from its data.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from warroom.errors import BadInput
from warroom.files import write_atomic
from warroom.oncall.health import too_small
from warroom.policy.oncall import OnCallPolicy
from warroom.policy.roster import Roster, RotationSpec, require_roster, roster_path


def plan_rotation(
    roster: Roster,
    policy: OnCallPolicy,
    *,
    rotation_id: str,
    members: list[str],
    zone: str,
    start: date,
    kind: str = "primary",
    name: str | None = None,
    period: str | None = None,
    weekday: str | None = None,
    handoff_time: str | None = None,
    offset: int | None = None,
) -> tuple[Roster, dict[str, Any]]:
    """The roster with the new rotation, and the rotation as YAML data; or BadInput."""
    pol = policy.rotation
    canonical = []
    for m in members:
        p = roster.person(m)
        if p is None:
            known = ", ".join(x.name for x in roster.people)
            raise BadInput(f"{m!r} is not in the roster's people ({known}); add them first.")
        canonical.append(p.name)
    if len(set(canonical)) != len(canonical):
        raise BadInput("a member is listed twice in --members.")
    if any(r.id == rotation_id for r in roster.rotations):
        raise BadInput(f"there is already a rotation {rotation_id!r} in the roster.")
    if offset is None:
        offset = pol.secondary_offset_weeks if kind == "secondary" else 0
    data: dict[str, Any] = {
        "id": rotation_id,
        "name": name or rotation_id,
        "kind": kind,
        "zone": zone,
        "start": start,
        "period": period or pol.period,
        "handoff_weekday": weekday or pol.handoff_weekday,
        "handoff_time": handoff_time or pol.handoff_time,
        "offset": offset,
        "members": canonical,
    }
    try:
        spec = RotationSpec.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(x) for x in e["loc"]) or "rotation"
        raise BadInput(f"{where}: {e['msg'].removeprefix('Value error, ')}.") from None
    problem = too_small(spec, policy)
    if problem:
        raise BadInput(f"{problem}. Nothing was stored.")
    new = Roster(people=roster.people, rotations=[*roster.rotations, spec], targets=roster.targets)
    return new, data


def add_rotation(policies_dir: str | Path, policy: OnCallPolicy, **fields: Any) -> Roster:
    """Check, then write ``roster.yaml`` with the new rotation. Returns the new roster."""
    roster = require_roster(policies_dir)
    new, data = plan_rotation(roster, policy, **fields)
    path = roster_path(policies_dir)
    text = path.read_text(encoding="utf-8")
    raw = yaml.safe_load(text) or {}
    expected = {**raw, "rotations": [*(raw.get("rotations") or []), data]}
    out = _insert(text, data)
    if out is None or yaml.safe_load(out) != expected:
        out = (
            "# The on-call roster (rewritten by `warroom oncall rotation add`).\n"
            + yaml.safe_dump(expected, sort_keys=False, default_flow_style=None, allow_unicode=True)
        )
    write_atomic(path, out.encode("utf-8"), "the roster")
    return new


def _insert(text: str, item: dict[str, Any]) -> str | None:
    """``text`` with ``item`` appended to its block list ``rotations``, or None."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return None
    if not isinstance(root, yaml.MappingNode):
        return None
    seq = next((v for k, v in root.value if getattr(k, "value", None) == "rotations"), None)
    if not isinstance(seq, yaml.SequenceNode) or seq.flow_style or not seq.value:
        return None
    last = seq.value[-1]
    dash = last.start_mark.column - 2
    line_start = last.start_mark.index - last.start_mark.column
    if dash < 0 or text[line_start + dash] != "-":
        return None
    node: yaml.Node = last
    while (
        isinstance(node, yaml.MappingNode | yaml.SequenceNode)
        and node.value
        and not getattr(node, "flow_style", False)
    ):
        tail = node.value[-1]
        node = tail[1] if isinstance(tail, tuple) else tail
    end = node.end_mark.index
    nl = text.find("\n", end)
    cut = len(text) if nl == -1 else nl + 1
    block = yaml.safe_dump([item], sort_keys=False, default_flow_style=None, allow_unicode=True)
    block = "".join(" " * dash + line for line in block.splitlines(keepends=True))
    head = text[:cut] if text[:cut].endswith("\n") else text[:cut] + "\n"
    return head + block + text[cut:]
