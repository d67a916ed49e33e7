"""Render a post-mortem as Markdown (the policy's Jinja2 template) or as JSON.

The template is ``policies/<postmortem.template>``. Every ``{{ expression }}`` is
escaped as literal one-line Markdown unless a filter already made it safe
(``cell`` for table cells, ``block`` for the authors' sections, ``raw`` to opt out),
so a team's template cannot be broken by what people typed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from warroom.durations import hm
from warroom.errors import BadInput
from warroom.incident.milestones import MILESTONES
from warroom.policy import Policies
from warroom.postmortem.agenda import meeting_agenda
from warroom.postmortem.document import PostmortemDoc
from warroom.postmortem.markdown import Md, block, cell, inline
from warroom.postmortem.sections import SECTIONS, prompt, title
from warroom.templating import sandboxed_environment
from warroom.timeparse import iso_z


def utc(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "unknown"
    return value.astimezone(UTC).strftime(fmt)


def _finalize(value: Any) -> Any:
    if isinstance(value, Md):
        return value
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime):
        return utc(value)
    if isinstance(value, date):
        return value.isoformat()
    return inline(value)


def template_path(policies: Policies) -> Path:
    path = Path(policies.postmortem.template)
    return path if path.is_absolute() else Path(policies.directory) / path


def _raw(v: Any) -> Md:
    return Md("" if v is None else str(v))


FILTERS = (
    ("cell", cell),
    ("block", block),
    ("inline", inline),
    ("raw", _raw),
    ("hm", hm),
    ("utc", utc),
)


def _environment(folder: Path) -> SandboxedEnvironment:
    return sandboxed_environment(folder, _finalize, FILTERS, keep_trailing_newline=True)


def context(doc: PostmortemDoc) -> dict[str, Any]:
    """What the template sees (raw values; the finalizer escapes them)."""
    inc = doc.view.incident
    level = doc.policies.level(inc.severity)
    roles = doc.roles()
    ic = next((r["person"] for r in roles if r["role"] == "ic"), None)

    def section(name: str) -> Md:
        text = doc.sections.get(name, "")
        if text.strip():
            return block(text)
        return Md(f"_To be written: {inline(prompt(name))}_")

    return {
        "incident": {
            "ref": doc.ref,
            "title": inc.title,
            "severity": inc.severity,
            "severity_name": level.name,
            "status": inc.status,
            "channel": inc.channel,
            "bridge": inc.bridge,
            "drill": inc.drill,
        },
        "document": {
            "status": doc.status,
            "status_label": doc.status_label,
            "author": doc.author,
            "date": doc.start.date(),
            "created_at": doc.created_at,
            "updated_at": doc.updated_at,
            "final_at": doc.final_at,
        },
        "start": doc.start,
        "end": doc.end,
        "milestones": {name: getattr(inc, name) for name in MILESTONES},
        **doc.figures(),
        "ic": ic,
        "roles": roles,
        "timeline": doc.timeline_rows(),
        "severity_history": doc.severity_history(),
        "pages": doc.pages(),
        "action_items": doc.action_items(),
        "sections": dict(doc.sections),
        "section": section,
        "section_title": title,
        "section_names": list(SECTIONS),
        "required_sections": list(doc.policies.postmortem.required_sections),
        "missing_sections": doc.missing,
        "deadline": doc.deadline,
        "deadline_label": doc.deadline.label(doc.now, UTC),
        "warnings": [w.message for w in doc.warnings],
        "principles": list(doc.policies.postmortem.principles),
        "generated_at": doc.now,
    }


def render_markdown(doc: PostmortemDoc) -> str:
    """The document as Markdown; a broken template is a clear :class:`BadInput`."""
    path = template_path(doc.policies)
    where = f"the post-mortem template {path}"
    try:
        template = _environment(path.parent).get_template(path.name)
        text = template.render(context(doc))
    except jinja2.TemplateNotFound as exc:
        missing = path if str(exc.name) == path.name else exc.name
        raise BadInput(
            f"{where} cannot be used: {missing} does not exist (postmortem.yaml names the "
            "template; restore it or point `template:` at another file). Nothing was written."
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        line = f" at line {exc.lineno}" if exc.lineno else ""
        raise BadInput(
            f"{where} has a Jinja2 syntax error{line}: {exc.message}. Nothing was written."
        ) from None
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise BadInput(
            f"{where} failed while rendering {doc.ref}: {type(exc).__name__}: {exc}. "
            "Nothing was written."
        ) from None
    except OSError as exc:
        raise BadInput(f"{where} cannot be read ({exc.strerror}). Nothing was written.") from None
    return text if text.endswith("\n") else text + "\n"


def to_json(doc: PostmortemDoc) -> dict[str, Any]:
    inc = doc.view.incident
    roles = doc.roles()
    return {
        "ref": doc.ref,
        "title": inc.title,
        "severity": inc.severity,
        "incident_status": inc.status,
        "status": doc.status,
        "author": doc.author,
        "date": doc.start.date().isoformat(),
        "created_at": iso_z(doc.created_at),
        "updated_at": iso_z(doc.updated_at),
        "final_at": iso_z(doc.final_at),
        **{name: iso_z(getattr(inc, name)) for name in MILESTONES},
        **doc.figures(),
        "roles": {r["role"]: r["person"] for r in roles},
        "role_history": [
            {
                "role": r["role"],
                "person": h["person"],
                "from": iso_z(h["from"]),
                "until": iso_z(h["until"]),
            }
            for r in roles
            for h in r["history"]
        ],
        "timeline": [row.to_json() for row in doc.timeline_rows()],
        "severity_history": [
            {"at": iso_z(c["at"]), "from": c["from"], "to": c["to"], "by": c["by"]}
            for c in doc.severity_history()
        ],
        "pages": [{**p, "at": iso_z(p["at"])} for p in doc.pages()],
        "action_items": [
            {k: v for k, v in a.items() if k not in ("item", "status_label")}
            for a in doc.action_items()
        ],
        "sections": {name: doc.sections.get(name, "") for name in SECTIONS},
        "required_sections": list(doc.policies.postmortem.required_sections),
        "missing_sections": doc.missing,
        "deadline": doc.deadline.to_json(),
        "meeting": meeting_agenda(doc).to_json(),
        "warnings": [w.to_json() for w in doc.warnings],
    }
