"""The rules of changing a post-mortem's text: the section size limit and the merge
block shown when two people edited one section at once.

Saving sections and moving Draft -> In Review -> Final are verbs of the command layer
(``Commands.save_sections`` and ``Commands.move_postmortem_status``, in
:mod:`warroom.incident.postmortem_verbs`).
"""

from __future__ import annotations

from warroom.errors import BadInput
from warroom.text import MAX_ENTRY_CHARS, check_unicode


def check_section_text(text: str) -> str:
    if len(text) > MAX_ENTRY_CHARS:
        raise BadInput(
            f"the section is {len(text):,} characters; the limit is {MAX_ENTRY_CHARS:,}. "
            "Link long material from the appendix instead."
        )
    check_unicode(text, "the section")
    return text


def merge_block(theirs: str, mine: str) -> str:
    """Both versions of a section two people edited at once, theirs first, marked so
    the person merging sees which is which (nothing typed by either is lost)."""
    return (
        "<<<<<<< saved by someone else\n"
        f"{theirs.rstrip(chr(10))}\n"
        "=======\n"
        f"{mine.rstrip(chr(10))}\n"
        ">>>>>>> yours (merge, then save)\n"
    )
