"""The edited sections of a post-mortem, their titles and the prompt each answers.

The names are the policy's (``PostmortemPolicy.required_sections``); everything
else in the document is assembled from the store.
"""

from __future__ import annotations

from warroom.errors import BadInput

SECTIONS: dict[str, tuple[str, str]] = {
    "executive_summary": (
        "Executive summary",
        "Two or three sentences: what happened, who was affected, how it ended.",
    ),
    "impact": (
        "Impact",
        "Customers affected, duration of impact, revenue, data, SLA.",
    ),
    "root_cause": (
        "Root cause",
        "The conditions in the system that made this possible (not who).",
    ),
    "detection": (
        "Detection",
        "How it was detected, and could we have detected it sooner?",
    ),
    "response": (
        "Response",
        "What went well; what could be improved.",
    ),
    "contributing_factors": (
        "Contributing factors",
        "Other conditions that made it worse or slowed the response.",
    ),
    "action_items": (
        "Action items",
        "Notes on the action items (the table below comes from the tracker).",
    ),
    "lessons_learned": (
        "Lessons learned",
        "What others should know; what we would do the same way again.",
    ),
    "appendix": (
        "Appendix",
        "Links: dashboards, logs, chat transcript, related incidents.",
    ),
}
STATUSES = ("draft", "in_review", "final")
STATUS_LABELS = {"draft": "Draft", "in_review": "In Review", "final": "Final"}
# from -> the statuses it may move to
MOVES: dict[str, tuple[str, ...]] = {
    "draft": ("in_review",),
    "in_review": ("draft", "final"),
    "final": ("in_review",),
}


def next_status(status: str, direction: int) -> str | None:
    """The status one step on (``direction`` +1) or back (-1) from ``status``, when
    ``MOVES`` allows that move; None otherwise (Final has nothing on, Draft nothing back)."""
    i = STATUSES.index(status) + direction if status in STATUSES else -1
    if not 0 <= i < len(STATUSES):
        return None
    target = STATUSES[i]
    return target if target in MOVES[status] else None


def section_id(text: str) -> str:
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in SECTIONS:
        raise BadInput(
            f"unknown post-mortem section {text!r}; the sections are {', '.join(SECTIONS)}."
        )
    return key


def status_id(text: str) -> str:
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    key = {"review": "in_review", "inreview": "in_review"}.get(key, key)
    if key not in STATUSES:
        raise BadInput(f"unknown post-mortem status {text!r}; expected draft, in_review or final.")
    return key


def title(section: str) -> str:
    return SECTIONS[section][0]


def prompt(section: str) -> str:
    return SECTIONS[section][1]


def filled(text: str | None) -> bool:
    return bool(text and text.strip())
