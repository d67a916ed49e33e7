"""Load and validate ``policies/*.yaml`` into :class:`Policies`.

A broken file gives a :class:`PolicyError` naming the file, the key path and what
was expected, in one paragraph.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, ValidationError

from warroom.errors import PolicyError
from warroom.policy.communications import CommunicationsPolicy
from warroom.policy.models import (
    CompliancePolicy,
    EscalationPolicy,
    MetricsPolicy,
    Policies,
    PostmortemPolicy,
    SeverityPolicy,
    WarRoomPolicy,
)
from warroom.policy.oncall import OnCallPolicy

FILES: dict[str, type[BaseModel]] = {
    "severity": SeverityPolicy,
    "escalation": EscalationPolicy,
    "warroom": WarRoomPolicy,
    "oncall": OnCallPolicy,
    "postmortem": PostmortemPolicy,
    "metrics": MetricsPolicy,
    "compliance": CompliancePolicy,
}

_EXPECT = {
    "missing": "this key is required",
    "extra_forbidden": "this key is not known here (a typo?)",
}


def bundled_dir(name: str) -> Path:
    """Find a folder shipped with warroom: inside the wheel, or beside the source tree."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_bundled" / name, here.parent / name):
        if candidate.is_dir():
            return candidate
    raise PolicyError(f"the packaged {name}/ folder is missing from this installation ({here})")


def default_policies_dir() -> Path:
    env = os.environ.get("WARROOM_POLICIES")
    return Path(env) if env else bundled_dir("policies")


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def _explain(file: Path, err: ValidationError, model: type[BaseModel]) -> str:
    errors = sorted(err.errors(), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    path = _where(first["loc"])
    kind = first["type"]
    msg = _EXPECT.get(kind) or first["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        known = _known_keys(model, first["loc"][:-1])
        close = difflib.get_close_matches(str(first["loc"][-1]), known, n=1)
        if close:
            msg += f"; did you mean {close[0]!r}"
    if kind not in _EXPECT and "input" in first and not isinstance(first["input"], dict | list):
        msg = f"{msg} (got {first['input']!r})"
    more = len(err.errors()) - 1
    tail = f" ({more} more problem{'s' if more != 1 else ''} in this file.)" if more else ""
    return f"{file}: at {path}: {msg}.{tail}"


def _known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys a model accepts at ``loc`` (best effort, for "did you mean")."""
    current: Any = model
    for part in loc:
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return []
        ann = fields[part].annotation
        current = next(
            (a for a in getattr(ann, "__args__", (ann,)) if hasattr(a, "model_fields")), None
        )
    return list(getattr(current, "model_fields", {}))


def load_file(path: Path, model: type[BaseModel]) -> BaseModel:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(
            f"{path}: the policy file is missing; every policy folder needs it"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot be read ({exc})") from None
    import yaml  # here: policies usually come from the cache (warroom.policy.cached)

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(f"{path}: is not valid YAML{where}: {problem}.") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: expected a mapping of keys at the top level.")
    refuse_duplicate_keys(path, text)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_explain(path, exc, model)) from None


def refuse_duplicate_keys(path: Path, text: str) -> None:
    from warroom.policy.yaml_checks import duplicate_key

    dup = duplicate_key(text)
    if dup is not None:
        where, first, second = dup
        raise PolicyError(
            f"{path}: at {where}: this key is written twice (lines {first} and {second}); "
            "YAML would silently keep only the last one. Keep one of them."
        )


def _cross_checks(directory: Path, p: Policies) -> None:
    esc = directory / "escalation.yaml"
    for sev, steps in p.escalation.time_based.items():
        last: dict[str, float] = {}
        for i, step in enumerate(steps):
            if re.fullmatch(r"sev\d-page", step.id):
                raise PolicyError(
                    f"{esc}: at time_based.{sev}.{i}.id: {step.id!r} is reserved for the page "
                    "at declaration (severity.yaml pages); choose another id."
                )
            prev = last.get(step.condition)
            if prev is not None and step.after_minutes <= prev:
                raise PolicyError(
                    f"{esc}: at time_based.{sev}.{i}.after_minutes: step {step.id!r} "
                    f"({step.condition} after {step.after_minutes:g} min) is not later than the "
                    f"{step.condition} step before it ({prev:g} min); steps of one condition must "
                    "be listed in increasing time."
                )
            last[step.condition] = step.after_minutes
    wr = directory / "warroom.yaml"
    for sev in p.warroom.rules.separate_ic_and_tech_for + p.warroom.activation.bridge_required_for:
        if sev not in p.severity.levels:
            raise PolicyError(f"{wr}: names severity {sev!r}; expected one of SEV1..SEV4.")


def load_communications(d: Path) -> tuple[CommunicationsPolicy, str]:
    """communications.yaml and the folder its templates are relative to. A policies
    folder without one (made before status updates existed) uses the packaged file and
    its templates, so every other command keeps working."""
    base = d
    if not (d / "communications.yaml").exists():
        base = bundled_dir("policies")
    comms = cast(
        CommunicationsPolicy, load_file(base / "communications.yaml", CommunicationsPolicy)
    )
    from warroom.comms.templates import check  # here: warroom.comms imports this package

    check(comms, base)
    return comms, str(base)


def load_policies(directory: Path | str | None = None) -> Policies:
    """Load every policy file of ``directory`` (default: the packaged policies)."""
    d = Path(directory) if directory else default_policies_dir()
    if not d.is_dir():
        raise PolicyError(f"{d}: the policies folder does not exist.")
    parts = {name: load_file(d / f"{name}.yaml", model) for name, model in FILES.items()}
    comms, comms_dir = load_communications(d)
    policies = Policies(
        directory=str(d),
        communications=comms,
        communications_dir=comms_dir,
        **parts,  # type: ignore[arg-type]
    )
    _cross_checks(d, policies)
    return policies
