"""Changing a post-mortem: write sections, move Draft -> In Review -> Final.

One transaction each, with a ``postmortem`` timeline entry on the incident and the
change-feed row. Final needs a resolved incident and every required section filled.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from warroom.errors import BadInput, NotFound
from warroom.incident import timeline
from warroom.incident.commands import Commands
from warroom.incident.refs import parse_ref, ref_for
from warroom.models import ActionItem, Incident, Postmortem
from warroom.postmortem.sections import (
    SECTIONS,
    STATUS_LABELS,
    filled,
    section_id,
    status_id,
    title,
)
from warroom.store import record_change
from warroom.text import MAX_ENTRY_CHARS, MAX_NAME_CHARS, check_line, check_unicode

# from -> the statuses it may move to
MOVES = {
    "draft": ("in_review",),
    "in_review": ("draft", "final"),
    "final": ("in_review",),
}


async def _incident(s: AsyncSession, ref: str) -> Incident:
    n = parse_ref(ref)
    q = select(Incident).where(Incident.id == n).with_for_update()  # type: ignore[arg-type]
    inc = (await s.execute(q)).scalar_one_or_none()
    if inc is None:
        raise NotFound(f"no incident {ref_for(n)} in this database (see warroom list).")
    return inc


async def _record(s: AsyncSession, inc: Incident) -> Postmortem | None:
    q = select(Postmortem).where(Postmortem.incident_id == inc.id)  # type: ignore[arg-type]
    return (await s.execute(q)).scalar_one_or_none()


async def _entry(commands: Commands, s: AsyncSession, inc: Incident, text: str) -> None:
    now = commands.now()
    await timeline.append(
        s, inc, at=now, recorded_at=now, author=commands.actor, kind="postmortem", text=text
    )
    record_change(s, inc.id, "postmortem", now)


def check_section_text(text: str) -> str:
    if len(text) > MAX_ENTRY_CHARS:
        raise BadInput(
            f"the section is {len(text):,} characters; the limit is {MAX_ENTRY_CHARS:,}. "
            "Link long material from the appendix instead."
        )
    check_unicode(text, "the section")
    return text


async def save_sections(
    commands: Commands,
    ref: str,
    sections: dict[str, str],
    *,
    author: str | None = None,
    base: dict[str, str] | None = None,
) -> Postmortem | None:
    """Save some sections (text stored exactly as typed). Returns None when nothing changed.

    ``base`` is the stored text each section had when its editor loaded it: a section
    someone else saved since then is refused (nothing saved), never overwritten unseen."""
    changes = {section_id(k): check_section_text(v) for k, v in sections.items()}
    who = check_line(author, "author", MAX_NAME_CHARS) if author else None

    async def work(s: AsyncSession) -> Postmortem | None:
        inc = await _incident(s, ref)
        pm = await _record(s, inc)
        now = commands.now()
        if pm is not None and pm.status == "final":
            raise BadInput(
                f"the post-mortem of {inc.ref} is Final; move it back to In Review to change it "
                f"(warroom postmortem {inc.ref} --status in_review)."
            )
        current = dict(pm.sections or {}) if pm else {}
        changed = [k for k, v in changes.items() if current.get(k, "") != v]
        if base is not None:
            moved = [k for k in changed if k in base and current.get(k, "") != base[k]]
            if moved:
                raise BadInput(
                    f"someone else saved {', '.join(title(k).lower() for k in moved)} of "
                    f"{inc.ref} while you were editing; nothing was saved. Both texts are "
                    "kept in the editor: merge them, then save again."
                )
        new_author = who if who and (pm is None or pm.author != who) else None
        if not changed and not new_author:
            return None
        if pm is None:
            pm = Postmortem(
                incident_id=inc.id,  # type: ignore[arg-type]
                status="draft",
                author=who or commands.actor,
                sections={},
                created_at=now,
                updated_at=now,
            )
            s.add(pm)
        current.update({k: changes[k] for k in changed})
        pm.sections = {k: current[k] for k in SECTIONS if k in current}  # a new dict: JSON
        pm.updated_at = now
        parts = []
        if changed:
            parts.append(", ".join(title(k).lower() for k in changed) + " updated")
        if new_author:
            pm.author = new_author
            parts.append(f"author {new_author}")
        await _entry(commands, s, inc, "Post-mortem: " + "; ".join(parts))
        return pm

    return await commands.store.transaction(work)


async def move_status(commands: Commands, ref: str, status: str) -> Postmortem:
    """Draft -> In Review -> Final (and back one step); Final only when complete."""
    target = status_id(status)
    required = commands.policies.postmortem.required_sections

    async def work(s: AsyncSession) -> Postmortem:
        inc = await _incident(s, ref)
        pm = await _record(s, inc)
        now = commands.now()
        current = pm.status if pm else "draft"
        if current == target:
            raise BadInput(
                f"the post-mortem of {inc.ref} is already {STATUS_LABELS[target]}; nothing changed."
            )
        if target not in MOVES[current]:
            raise BadInput(
                f"the post-mortem of {inc.ref} is {STATUS_LABELS[current]}; it can move to "
                + " or ".join(STATUS_LABELS[m] for m in MOVES[current])
                + f", not {STATUS_LABELS[target]} (Draft -> In Review -> Final)."
            )
        if target == "final":
            if inc.resolved_at is None:
                raise BadInput(
                    f"{inc.ref} is not resolved yet; its post-mortem can be Final only after."
                )
            sections = pm.sections if pm else {}
            items = (
                await s.execute(
                    select(func.count(ActionItem.id)).where(ActionItem.incident_id == inc.id)  # type: ignore[arg-type]
                )
            ).scalar() or 0
            missing = [
                k
                for k in required
                if not filled(sections.get(k)) and not (k == "action_items" and items)
            ]
            if missing:
                raise BadInput(
                    f"the post-mortem of {inc.ref} cannot be Final: "
                    + ", ".join(title(k) for k in missing)
                    + (" is" if len(missing) == 1 else " are")
                    + " still empty. Fill "
                    + ("it" if len(missing) == 1 else "them")
                    + " in first; it stays "
                    + STATUS_LABELS[current]
                    + "."
                )
        if pm is None:
            pm = Postmortem(
                incident_id=inc.id,  # type: ignore[arg-type]
                status=target,
                author=commands.actor,
                sections={},
                created_at=now,
                updated_at=now,
            )
            s.add(pm)
        pm.status = target
        pm.updated_at = now
        pm.final_at = now if target == "final" else None
        await _entry(
            commands,
            s,
            inc,
            f"Post-mortem: {STATUS_LABELS[current]} -> {STATUS_LABELS[target]}",
        )
        return pm

    return await commands.store.transaction(work)


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
