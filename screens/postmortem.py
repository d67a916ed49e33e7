"""The post-mortem of one incident: a field per section, a live Markdown preview.

The facts (milestones, durations, roles, timeline, pages, action items) come from
the store; people write the sections on the left and see the document on the right
as they type. Blameless-language warnings show under the section they concern
(never blocking). Ctrl+S saves, Ctrl+N / Ctrl+B move the status on / back, Ctrl+O exports the
Markdown file, F5 lists the timeline rows to keep or leave out of the document (the
war-room log never changes), F8 shows the meeting agenda instead of the document. It
opens with the cursor in the first empty section.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Static, TextArea

from screens.base import ConsoleScreen
from screens.messages import Changes
from warroom.errors import WarroomError
from warroom.files import write_text_atomic
from warroom.incident.refs import ref_for
from warroom.postmortem import load_document, render_markdown
from warroom.postmortem.agenda import agenda_markdown, meeting_agenda
from warroom.postmortem.blameless import check_text
from warroom.postmortem.document import PostmortemDoc
from warroom.postmortem.markdown import inline
from warroom.postmortem.process import merge_block
from warroom.postmortem.sections import (
    MOVES,
    SECTIONS,
    STATUS_LABELS,
    next_status,
    prompt,
    title,
)
from widgets.markdown_preview import MarkdownPreview
from widgets.safe_text import SafeTextArea


class PostmortemScreen(ConsoleScreen):
    CSS_PATH = "postmortem.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back", id="postmortem.back"),
        Binding("ctrl+s", "save", "Save", id="postmortem.save"),
        Binding("ctrl+n", "next_status", "Next status", id="postmortem.next_status"),
        Binding("ctrl+b", "previous_status", "Status back", id="postmortem.previous_status"),
        Binding("ctrl+o", "export", "Export .md", id="postmortem.export"),
        Binding("f5", "timeline_rows", "Timeline rows", id="postmortem.timeline_rows"),
        Binding("f8", "toggle_agenda", "Agenda", id="postmortem.agenda"),
        Binding("f9", "action_items", "Action items", id="postmortem.action_items"),
    ]

    def __init__(self, incident_id: int, *, export_dir: Path | None = None) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.ref = ref_for(incident_id)
        self.export_dir = export_dir
        self.doc: PostmortemDoc | None = None
        self.show_agenda = False
        self.last_export: Path | None = None
        self._shown: dict[str, str] = {}
        self._base: dict[str, str] = {}  # each section's stored text at the last load

    # --- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(Content(f"{self.ref} post-mortem: loading"), id="pm-header")
        with Horizontal(id="pm-body"):
            with VerticalScroll(id="pm-fields"):
                for name in SECTIONS:
                    yield Static(Content(title(name)), classes="pm-label", id=f"label-{name}")
                    yield SafeTextArea(
                        id=f"section-{name}",
                        classes="pm-section",
                        soft_wrap=True,
                        placeholder=prompt(name),
                    )
                    yield Static(Content(""), classes="pm-warnings", id=f"warn-{name}")
            yield MarkdownPreview(id="pm-preview")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#pm-fields").border_title = "Sections"
        self.query_one("#pm-preview").border_title = "Preview"
        self.reload()

    def area(self, name: str) -> TextArea:
        return self.query_one(f"#section-{name}", TextArea)

    # --- state -----------------------------------------------------------------------

    def edits(self) -> dict[str, str]:
        return {name: self.area(name).text for name in SECTIONS}

    def dirty(self) -> dict[str, str]:
        """Sections whose text differs from what is stored."""
        if self.doc is None:
            return {}
        return {k: v for k, v in self.edits().items() if v != self.doc.sections.get(k, "")}

    def current(self) -> PostmortemDoc | None:
        return self.doc.with_sections(self.edits()) if self.doc else None

    # --- loading ---------------------------------------------------------------------

    async def load(self) -> None:
        app = self.wapp
        doc = await load_document(app.store, app.policies, self.ref, app.roster)
        dirty = self.dirty()
        old = self.doc
        self.doc = doc
        # The first load brings back what was typed here before and not saved.
        drafts = self.wapp.drafts.postmortem.pop(self.incident_id, {}) if old is None else {}
        clashed = []
        for name in SECTIONS:
            area = self.area(name)
            stored = doc.sections.get(name, "")
            if name in drafts:
                area.load_text(drafts[name])
            elif name not in dirty and (old is None or area.text != stored):
                area.load_text(stored)
            elif name in dirty and stored != self._base.get(name, stored) and stored != area.text:
                # Someone else saved this section while it was being edited here: keep
                # both texts in the editor, theirs first, for the person here to merge.
                area.load_text(merge_block(stored, area.text))
                clashed.append(name)
            self._base[name] = stored  # what this editor has seen of the stored text
            area.read_only = doc.status == "final"
        if clashed:
            names = ", ".join(title(n).lower() for n in clashed)
            self.notify(
                f"Someone else saved {names} while you were editing. Both texts are in the "
                "editor (theirs first): merge them, then Ctrl+S.",
                title=self.ref,
                severity="warning",
                markup=False,
            )
        if old is None:
            self._focus_writing(doc)
        if drafts:
            self.notify(
                f"Your {len(drafts)} unsaved section(s) are back; Ctrl+S saves them.",
                title=self.ref,
            )
        self._show()

    def _focus_writing(self, doc: PostmortemDoc) -> None:
        """A screen for writing opens with the cursor in its first empty section (so a
        sentence typed at once goes there, never to a one-letter shortcut)."""
        if doc.status == "final":
            return
        empty = next((n for n in SECTIONS if not self.area(n).text.strip()), None)
        self.area(empty or next(iter(SECTIONS))).focus()

    def concerns(self, changes: Changes) -> bool:
        return changes.touches(self.incident_id)

    # --- showing ---------------------------------------------------------------------

    def _show(self) -> None:
        doc = self.current()
        if doc is None:
            return
        now = self.wapp.clock.now()
        inc = doc.view.incident
        unsaved = len(self.dirty())
        parts = [
            f"{doc.ref}  SEV{inc.severity}  {inc.title}",
            f"Post-mortem: {doc.status_label}",
            doc.deadline.label(now, self.wapp.tz),
        ]
        if doc.missing:
            parts.append(f"{len(doc.missing)} required section(s) empty")
        if unsaved:
            parts.append(f"{unsaved} unsaved")
        self._set("pm-header", "  ·  ".join(parts))
        for name in SECTIONS:
            self._show_warnings(name, doc)
        self.refresh_preview()
        self.refresh_bindings()

    def _show_warnings(self, name: str, doc: PostmortemDoc) -> None:
        found = check_text(name, doc.sections.get(name, ""), doc.people)
        self._set(f"warn-{name}", "\n".join(f"⚠ {w.message}" for w in found))
        self.query_one(f"#warn-{name}").set_class(bool(found), "-shown")
        required = name in doc.policies.postmortem.required_sections
        self._set(f"label-{name}", title(name) + (" (required)" if required else ""))
        self.query_one(f"#label-{name}").set_class(name in doc.missing, "-missing")

    def _set(self, widget_id: str, text: str) -> None:
        """Update a Static only when its text changes (each update re-lays out the screen)."""
        if self._shown.get(widget_id) != text:
            self._shown[widget_id] = text
            self.query_one(f"#{widget_id}", Static).update(Content(text))

    def preview_text(self) -> str:
        doc = self.current()
        if doc is None:
            return ""
        if self.show_agenda:
            return agenda_markdown(meeting_agenda(doc), list(doc.policies.postmortem.principles))
        try:
            return render_markdown(doc)
        except WarroomError as err:
            return f"# The template cannot be rendered\n\n{inline(err.message)}\n"

    def refresh_preview(self) -> None:
        """Re-render the preview; typing while it renders coalesces into one more pass."""
        self.coalesced("preview", self._render_preview)

    async def _render_preview(self) -> None:
        await self.query_one(MarkdownPreview).show(self.preview_text())

    @on(TextArea.Changed, ".pm-section")
    def _edited(self, event: TextArea.Changed) -> None:
        if self.doc is not None:
            self._show()

    # --- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        status = self.doc.status if self.doc else None
        if action == "next_status":
            return status is not None and next_status(status, +1) is not None
        if action == "previous_status":
            return status is not None and next_status(status, -1) is not None
        if action == "save":
            return status is not None and status != "final"
        return True

    def unsaved_work(self) -> str | None:
        n = len(self.dirty())
        return f"{n} unsaved post-mortem section(s) of {self.ref}" if n else None

    def action_back(self) -> None:
        dirty = self.dirty()
        if dirty:
            self.wapp.drafts.postmortem[self.incident_id] = dirty
            self.notify(
                f"Your {len(dirty)} unsaved section(s) of {self.ref} are kept; "
                "they are back when you reopen its post-mortem.",
                severity="warning",
            )
        self.dismiss(None)

    def action_save(self) -> None:
        self._save_and(None)

    def action_next_status(self) -> None:
        target = next_status(self.doc.status, +1) if self.doc else None
        if target is not None:
            self._save_and(target)

    def action_previous_status(self) -> None:
        target = next_status(self.doc.status, -1) if self.doc else None
        if target is not None:
            self._save_and(target)

    def action_toggle_agenda(self) -> None:
        self.show_agenda = not self.show_agenda
        self.query_one("#pm-preview").border_title = (
            "Meeting agenda" if self.show_agenda else "Preview"
        )
        self.refresh_preview()

    def action_action_items(self) -> None:
        self.wapp.open_action_items(self.incident_id)

    def action_timeline_rows(self) -> None:
        """The rows the war room's record gives the timeline: keep or leave out each."""
        from screens.postmortem_rows import PostmortemRowsScreen

        if self.doc is not None:
            rows = self.doc.all_timeline_rows()
            final = self.doc.status == "final"
            self.app.push_screen(PostmortemRowsScreen(self.ref, rows, read_only=final))

    def action_export(self) -> None:
        self._export()

    @work(exclusive=True, group="postmortem-save", exit_on_error=False)
    async def _save_and(self, status: str | None) -> None:
        app = self.wapp
        try:
            changes = self.dirty()
            if changes:
                await app.commands.save_sections(self.ref, changes, base=dict(self._base))
            if status is not None:
                assert self.doc is not None
                if status not in MOVES.get(self.doc.status, ()):
                    return
                pm = await app.commands.move_postmortem_status(self.ref, status)
                self.notify(f"{self.ref} post-mortem is now {STATUS_LABELS[pm.status]}.")
            elif changes:
                self.notify(f"Saved {len(changes)} section(s).", title=self.ref)
            else:
                self.notify("Nothing to save.", title=self.ref)
        except WarroomError as err:
            self.report(err, "Not saved")
        self.reload()

    @work(exclusive=True, group="postmortem-export", exit_on_error=False)
    async def _export(self) -> None:
        app = self.wapp
        try:
            changes = self.dirty()
            if changes and self.doc is not None and self.doc.status != "final":
                await app.commands.save_sections(self.ref, changes, base=dict(self._base))
            doc = await load_document(app.store, app.policies, self.ref, app.roster)
            text = render_markdown(doc)
            folder = self.export_dir or Path.cwd()
            path = folder / f"{self.ref.lower()}-postmortem.md"
            self.last_export = await asyncio.to_thread(
                write_text_atomic, path, text, "the post-mortem"
            )
        except WarroomError as err:
            self.report(err, "Not exported")
            return
        self.notify(f"Exported to {self.last_export}", title=self.ref, markup=False)
        self.reload()
