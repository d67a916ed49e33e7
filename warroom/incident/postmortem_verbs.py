"""Post-mortem verbs: write sections, move Draft -> In Review -> Final.

One transaction each, with a ``postmortem`` timeline entry on the incident and the
change-feed row. Final needs a resolved incident and every required section filled
(the rules and the status moves are in :mod:`warroom.postmortem.sections`).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import col

from warroom.errors import BadInput
from warroom.incident.mutation import CommandScope, Mutation
from warroom.models import ActionItem, Postmortem, TimelineEntry
from warroom.postmortem.process import check_section_text
from warroom.postmortem.sections import (
    MOVES,
    SECTIONS,
    STATUS_LABELS,
    filled,
    section_id,
    status_id,
    title,
)
from warroom.postmortem.timeline import DROPPED_KEY, dropped_keys, row_key
from warroom.text import MAX_NAME_CHARS, check_line


async def _postmortem(m: Mutation) -> Postmortem | None:
    q = select(Postmortem).where(col(Postmortem.incident_id) == m.incident_id)
    return (await m.session.execute(q)).scalar_one_or_none()


class PostmortemVerbs(CommandScope):
    async def save_sections(
        self,
        ref: str,
        sections: dict[str, str],
        *,
        author: str | None = None,
        base: dict[str, str] | None = None,
    ) -> Postmortem | None:
        """Save some sections (text stored exactly as typed). Returns None when nothing
        changed.

        ``base`` is the stored text each section had when its editor loaded it: a section
        someone else saved since then is refused (nothing saved), never overwritten unseen."""
        changes = {section_id(k): check_section_text(v) for k, v in sections.items()}
        who = check_line(author, "author", MAX_NAME_CHARS) if author else None

        async def work(m: Mutation) -> Postmortem | None:
            inc, now = m.incident, m.now
            pm = await _postmortem(m)
            if pm is not None and pm.status == "final":
                raise BadInput(
                    f"the post-mortem of {inc.ref} is Final; move it back to In Review to "
                    f"change it (warroom postmortem {inc.ref} --status in_review)."
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
                    incident_id=m.incident_id,
                    status="draft",
                    author=who or self.actor,
                    sections={},
                    created_at=now,
                    updated_at=now,
                )
                m.session.add(pm)
            current.update({k: changes[k] for k in changed})
            kept = {k: current[k] for k in SECTIONS if k in current}  # a new dict: JSON
            if DROPPED_KEY in current:  # the timeline rows left out (drop_timeline_row)
                kept[DROPPED_KEY] = current[DROPPED_KEY]
            pm.sections = kept
            pm.updated_at = now
            parts = []
            if changed:
                parts.append(", ".join(title(k).lower() for k in changed) + " updated")
            if new_author:
                pm.author = new_author
                parts.append(f"author {new_author}")
            await m.entry("postmortem", "Post-mortem: " + "; ".join(parts))
            return pm

        return await self.mutate(ref, work)

    async def move_postmortem_status(self, ref: str, status: str) -> Postmortem:
        """Draft -> In Review -> Final (and back one step); Final only when complete."""
        target = status_id(status)
        required = self.policies.postmortem.required_sections

        async def work(m: Mutation) -> Postmortem:
            inc, now = m.incident, m.now
            pm = await _postmortem(m)
            current = pm.status if pm else "draft"
            if current == target:
                raise BadInput(
                    f"the post-mortem of {inc.ref} is already {STATUS_LABELS[target]}; "
                    "nothing changed."
                )
            if target not in MOVES[current]:
                raise BadInput(
                    f"the post-mortem of {inc.ref} is {STATUS_LABELS[current]}; it can move to "
                    + " or ".join(STATUS_LABELS[x] for x in MOVES[current])
                    + f", not {STATUS_LABELS[target]} (Draft -> In Review -> Final)."
                )
            if target == "final":
                if inc.resolved_at is None:
                    raise BadInput(
                        f"{inc.ref} is not resolved yet; its post-mortem can be Final only after."
                    )
                sections = pm.sections if pm else {}
                count = select(func.count(col(ActionItem.id))).where(
                    col(ActionItem.incident_id) == m.incident_id
                )
                items = (await m.session.execute(count)).scalar() or 0
                missing = [
                    k
                    for k in required
                    if not filled(sections.get(k)) and not (k == "action_items" and items)
                ]
                if missing:
                    one = len(missing) == 1
                    raise BadInput(
                        f"the post-mortem of {inc.ref} cannot be Final: "
                        + ", ".join(title(k) for k in missing)
                        + (" is" if one else " are")
                        + " still empty. Fill "
                        + ("it" if one else "them")
                        + " in first; it stays "
                        + STATUS_LABELS[current]
                        + "."
                    )
            if pm is None:
                pm = Postmortem(
                    incident_id=m.incident_id,
                    status=target,
                    author=self.actor,
                    sections={},
                    created_at=now,
                    updated_at=now,
                )
                m.session.add(pm)
            pm.status = target
            pm.updated_at = now
            pm.final_at = now if target == "final" else None
            await m.entry(
                "postmortem", f"Post-mortem: {STATUS_LABELS[current]} -> {STATUS_LABELS[target]}"
            )
            return pm

        return await self.mutate(ref, work)

    async def drop_timeline_row(self, ref: str, key: str, *, dropped: bool = True) -> Postmortem:
        """Leave one row out of the post-mortem's timeline (``dropped=False``: put it back).
        The row's entry stays in the log; a ``postmortem`` entry says what was done."""
        value = row_key(key)

        async def work(m: Mutation) -> Postmortem:
            inc, now = m.incident, m.now
            pm = await _postmortem(m)
            if pm is not None and pm.status == "final":
                raise BadInput(
                    f"the post-mortem of {inc.ref} is Final; move it back to In Review to "
                    "change its timeline."
                )
            if value.startswith("e:"):
                seq = int(value[2:])
                q = select(func.count()).where(
                    col(TimelineEntry.incident_id) == m.incident_id, col(TimelineEntry.seq) == seq
                )
                if not (await m.session.execute(q)).scalar():
                    raise BadInput(f"{inc.ref} has no entry #{seq}; nothing changed.")
            current = dict(pm.sections or {}) if pm else {}
            keys = set(dropped_keys(current))
            if (value in keys) == dropped:
                state = "already left out of" if dropped else "already in"
                raise BadInput(f"that row is {state} the post-mortem's timeline; nothing changed.")
            (keys.add if dropped else keys.discard)(value)
            if pm is None:
                pm = Postmortem(
                    incident_id=m.incident_id,
                    status="draft",
                    author=self.actor,
                    sections={},
                    created_at=now,
                    updated_at=now,
                )
                m.session.add(pm)
            current[DROPPED_KEY] = " ".join(sorted(keys))
            if not keys:
                del current[DROPPED_KEY]
            pm.sections = current  # a new dict: JSON
            pm.updated_at = now
            shown = f"#{value[2:]}" if value.startswith("e:") else value
            what = "left out of" if dropped else "put back in"
            await m.entry("postmortem", f"Post-mortem: timeline row {shown} {what} the document")
            return pm

        return await self.mutate(ref, work)
