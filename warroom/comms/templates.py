"""The status-update templates: sandboxed Jinja2, plain text, errors with file and line.

Templates live under the communications policy's ``templates`` folder:
``<audience>/<stage>.txt.j2`` for one audience, else ``<stage>.txt.j2``. The sandbox
refuses access to Python internals; autoescape is off (the output is plain text), and
values people typed are only ever data: a title containing ``{{`` stays ``{{``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.durations import hm
from warroom.errors import PolicyError
from warroom.incident.milestones import MILESTONES
from warroom.policy.communications import CommunicationsPolicy

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

SUFFIX = ".txt.j2"


def minutes_text(minutes: float | None) -> str:
    """``2 h 05 min``, ``45 min`` (never negative); empty when unknown."""
    return hm(None if minutes is None else max(minutes, 0), unknown="")


def clock_time(value: datetime | None, fmt: str = "%H:%M UTC") -> str:
    return "" if value is None else value.astimezone(UTC).strftime(fmt)


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return clock_time(value, "%Y-%m-%d %H:%M UTC")
    return value


def environment(folder: Path) -> SandboxedEnvironment:
    from warroom.templating import sandboxed_environment  # Jinja2: on the first render

    return sandboxed_environment(folder, _finalize, (("hm", minutes_text), ("time", clock_time)))


def folder(policy: CommunicationsPolicy, directory: str | Path) -> Path:
    path = Path(policy.templates)
    return path if path.is_absolute() else Path(directory) / path


def candidates(audience: str, stage: str) -> list[str]:
    return [f"{audience}/{stage}{SUFFIX}", f"{stage}{SUFFIX}"]


def _where(exc: BaseException, fallback: str) -> str:
    """``FILE at line N`` from a Jinja2 error (its traceback has the template's frames)."""
    import jinja2

    if isinstance(exc, jinja2.TemplateSyntaxError):
        name = exc.filename or exc.name or fallback
        return f"{name} at line {exc.lineno}"
    found: tuple[str, int] | None = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code.co_filename
        if code.endswith(SUFFIX):
            found = (code, tb.tb_lineno)
        tb = tb.tb_next
    return f"{found[0]} at line {found[1]}" if found else fallback


def render(
    policy: CommunicationsPolicy,
    directory: str | Path,
    audience: str,
    stage: str,
    context: dict[str, Any],
) -> str:
    """The update's text from the template of (audience, stage). A missing or broken
    template is a :class:`PolicyError` naming the file and line."""
    import jinja2

    root = folder(policy, directory)
    names = candidates(audience, stage)
    try:
        template = environment(root).select_template(names)
    except jinja2.TemplatesNotFound:
        raise PolicyError(
            f"there is no template for the {stage} stage: expected {root / names[0]} or "
            f"{root / names[1]} (communications.yaml `templates`)."
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise PolicyError(
            f"{_where(exc, str(root / names[-1]))}: Jinja2 syntax error: "
            f"{(exc.message or '').rstrip('.')}."
        ) from None
    except OSError as exc:
        raise PolicyError(f"{root}: the status templates cannot be read ({exc}).") from None
    where = template.filename or str(root / names[-1])
    try:
        text = template.render(context)
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise PolicyError(
            f"{_where(exc, where)}: the template failed: {type(exc).__name__}: "
            f"{str(exc).rstrip('.')}."
        ) from None
    text = "\n".join(line.rstrip() for line in text.strip("\n").splitlines())
    if not text.strip():
        raise PolicyError(f"{where}: the template rendered nothing for the {stage} stage.")
    return text


def sample_context(audience: str, audience_name: str, stage: str, stage_name: str) -> dict:
    """A made-up incident, to try every template when the policy is loaded."""
    at = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    incident = {
        "ref": "INC-1",
        "title": "Checkout fails",
        "severity": 1,
        "severity_name": "Critical",
        "status": "open",
        "phase": "assess",
        "phase_name": "Assess",
        "channel": "#incident-2026-01-01-checkout-fails",
        "bridge": None,
        "drill": False,
        "ic": "alice",
        "milestones": dict.fromkeys(
            MILESTONES,
            at,
        ),
        "elapsed_minutes": 42.0,
        "elapsed": "42 min",
    }
    return {
        "incident": incident,
        "ic": "alice",
        "channel": incident["channel"],
        "elapsed": "42 min",
        "elapsed_minutes": 42.0,
        "audience": {"id": audience, "name": audience_name},
        "stage": {"id": stage, "name": stage_name},
        "next_update_at": at,
        "next_update": "09:30 UTC",
        "now": at,
    }


def check(policy: CommunicationsPolicy, directory: str | Path) -> None:
    """Every (audience, stage) has a template that parses and renders a sample incident."""
    for aid, audience in policy.audiences.items():
        for sid, stage in policy.stages.items():
            render(policy, directory, aid, sid, sample_context(aid, audience.name, sid, stage.name))
