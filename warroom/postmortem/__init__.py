"""Blameless post-mortems: assembled from the incident record, finished by people.

- :mod:`.document` loads a post-mortem (facts from the store + written sections)
- :mod:`.render` turns it into Markdown (the policy's Jinja2 template) or JSON
- :mod:`.process` checks section text; saving and Draft -> In Review -> Final are
  ``Commands.save_sections`` / ``Commands.move_postmortem_status``
- :mod:`.deadline` / :mod:`.overview` say which post-mortems are due or overdue
- :mod:`.agenda` prepares the meeting, :mod:`.blameless` warns about blame
- :mod:`.monthly` writes the monthly action item review
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warroom.postmortem.document import PostmortemDoc, load_document
    from warroom.postmortem.render import render_markdown, to_json


def __getattr__(name: str) -> Any:
    """The document and its renderer (Jinja2, Markdown) load on first use (issue 15)."""
    if name in ("PostmortemDoc", "load_document"):
        from warroom.postmortem import document

        return getattr(document, name)
    if name in ("render_markdown", "to_json"):
        from warroom.postmortem import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PostmortemDoc",
    "load_document",
    "render_markdown",
    "to_json",
]
