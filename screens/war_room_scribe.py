"""The war room's scribe line: Enter queues, one writer records, in order, exactly once.

Enter takes the line out of the input (``widgets.scribe_input``) and it lands in the
screen's ``EntryQueue`` (``screens.entry_queue``); it shows at once under the timeline
as "saving…". One worker (group ``war-room-scribe``) takes the lines one at a time,
oldest first, and performs each through the verb registry (``verbs.perform``), so a
slash command runs after the lines typed before it. A committed line's pending row is
dropped by the timeline reload that brings the stored row. A line that fails goes back
into the input if that is empty, otherwise it stays under the timeline as "not saved:
REASON" and ctrl+e (``war_room.edit_failed``) puts the oldest one back in the input.

The queue and the failed lines are kept in a drafts file (see ``screens.entry_queue``)
and come back, as failed lines, when the war room opens again after a quit or a crash.

A backdate that was probably not meant (``warroom.incident.backdate``: before the
incident began, more than 12 hours back) is not queued: the line goes back into the
input and the status line says the full date, time and zone it would record; Enter on
the same line records it, any edit (or Escape) disarms. When the input is not free (the
next line is being typed, or a paste brought several), the line is kept as not saved
with that question, and ctrl+e brings it back to be confirmed.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from textual import on, work
from textual.binding import Binding
from textual.widgets import Input

from screens.entry_queue import EntryQueue, QueuedLine, drafts_file, read_drafts, write_drafts
from screens.war_room_view import WarRoomView
from warroom.comms.draft import draft_update
from warroom.comms.updates import split_console_argument
from warroom.errors import BadInput, WarroomError
from warroom.incident.backdate import incident_began, odd_backdate, other_day
from warroom.incident.scribe import Command, Note, typed_time
from warroom.incident.verbs import perform
from warroom.text import printable
from widgets.scribe_input import ScribeInput
from widgets.timeline_lines import PendingRow
from widgets.timeline_view import TimelineView


class WarRoomScribe(WarRoomView):
    """The queue of the scribe's lines (``entries``) and its one writer."""

    _armed: str | None  # a key waiting for its confirmation (the screen's)

    BINDINGS = [
        Binding(
            "ctrl+e",
            "edit_failed",
            "Edit unsaved line",
            id="war_room.edit_failed",
            show=False,
            priority=True,  # over the input's own ctrl+e (End does that too)
            tooltip="Put the oldest line that was not saved back into the input",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries = EntryQueue()
        self._draining = False
        self._leave_when_settled = False  # Escape pressed while lines were being saved
        self._drafts_lock = asyncio.Lock()
        self._drafts_written: list[dict[str, object]] | None = None
        self._drafts_failed = False
        self._backdate_armed: tuple[str, datetime] | None = None  # (line, at) asked about

    @property
    def scribe(self) -> ScribeInput:
        return self.query_one(ScribeInput)

    # --- the queue -------------------------------------------------------------------

    @on(ScribeInput.EntrySubmitted)
    def _entry_submitted(self, event: ScribeInput.EntrySubmitted) -> None:
        self._armed = None
        parsed = event.parsed
        if parsed.at is not None and not self._backdate_confirmed(event.line, parsed.at):
            return
        if isinstance(parsed, Command) and parsed.name == "status":
            try:
                audience, stage, text = split_console_argument(self.wapp.policies, parsed.argument)
            except BadInput as err:
                self._refuse(event.line, err.message)
                return
            if text is None and stage is not None:  # the template: read it before it goes
                self._preview_status(event.line, audience, stage, parsed)
                return
        self._enqueue(event.line, parsed)

    @on(ScribeInput.EntryRefused)
    def _entry_refused(self, event: ScribeInput.EntryRefused) -> None:
        self._refuse(event.line, event.reason, into_input=False)

    # --- odd backdates: asked about before they are queued ----------------------------

    def _backdate_confirmed(self, line: str, at: datetime) -> bool:
        """Whether ``line`` (backdated to ``at``) may be queued now. An odd backdate goes
        back into the input, asked about, unless the same line was asked about already."""
        state = self.state
        inc = state.incident if state is not None else None
        began = incident_began(inc.started_at, inc.detected_at, inc.declared_at) if inc else None
        rules = self.wapp.policies.warroom.rules
        typed = typed_time(line, rules.message_prefixes)
        try:
            question = odd_backdate(
                at, now=self.wapp.clock.now(), tz=self.shown_tz, began=began, typed=typed
            )
        except BadInput as err:
            self._refuse(line, err.message)
            return False
        if question is None:
            return True
        if self._backdate_armed == (line, at):  # asked, and Enter again on the same line
            self._backdate_armed = None
            return True
        scribe = self.scribe
        if scribe.value or scribe.paste_waiting is not None:  # not free: kept, asked later
            self._refuse(line, f"{question}; it is recorded only once you say yes")
            return False
        self._backdate_armed = (line, at)
        scribe.value = line
        back = self.key_for("war_room.back") or "esc"
        scribe.say(f"{question} — Enter again to record it, {back} to edit", error=True)
        return False

    @on(Input.Changed, "#scribe-entry")
    def _scribe_edited(self, event: Input.Changed) -> None:
        armed = self._backdate_armed
        # "" is Enter taking the line out (the confirmation itself), not an edit.
        if armed is not None and event.value not in ("", armed[0]):
            self._backdate_armed = None
            self.scribe.say("Edited: Enter checks the time again.")

    def disarm_backdate(self) -> bool:
        """Escape while a backdate is asked about: not recorded, the line stays to edit."""
        if self._backdate_armed is None:
            return False
        self._backdate_armed = None
        back = self.key_for("war_room.back") or "esc"
        self.scribe.say(
            f"Not recorded; edit the line, Enter checks its time again ({back} again leaves)."
        )
        return True

    # --- the queue, continued ------------------------------------------------------------

    def _enqueue(self, line: str, parsed: Note | Command) -> None:
        now = self.wapp.clock.now().isoformat()
        self.entries.add(QueuedLine(line, self.wapp.actor, now, parsed=parsed))
        self._show_pending()
        self._keep_drafts()
        if not self._draining:
            self._draining = True
            self._drain()

    @work(group="war-room-scribe", exclusive=True, exit_on_error=False)
    async def _drain(self) -> None:
        """Record the queued lines one at a time, oldest first, each exactly once."""
        try:
            while True:
                item = self.entries.start()
                if item is None:
                    self._draining = False  # (no await from here on: a new line restarts us)
                    break
                await self._save_drafts()  # "saving" on disk before it is performed
                assert item.parsed is not None
                try:
                    message = await self._perform(item.parsed)
                except WarroomError as err:
                    self._line_failed(item, err.message)
                    continue
                except Exception as err:
                    text = f"unexpected error ({type(err).__name__}: {printable(str(err))})"
                    self.log.error(f"war room command failed: {err!r}")
                    self._line_failed(item, text)  # said on the status line, not in a toast
                    continue
                self.entries.committed(item)
                self.scribe.saved(item.line, message)
                self.reload()
        finally:
            self._draining = False
        self._keep_drafts()
        leave, self._leave_when_settled = self._leave_when_settled, False
        if leave and self.is_active:  # not from under a dialog opened meanwhile
            self.action_back()

    def action_back(self) -> None:
        self.dismiss(None)

    async def _perform(self, parsed: Note | Command) -> str:
        """Run one command through the verb registry; return what to tell the user (its
        times in the zone shown, and the day of a backdate to another day)."""
        commands, tz = self.wapp.commands, self.shown_tz
        if commands.tz != tz:  # the messages' times in the zone the panes show
            commands = replace(commands, tz=tz)
        message = (await perform(commands, self.ref, parsed)).message
        day = other_day(parsed.at, now=self.wapp.clock.now(), tz=tz)
        return f"{message} · on {day}" if day else message

    def _line_failed(self, item: QueuedLine, reason: str) -> None:
        back = self.scribe.failed(item.line, reason)
        self.entries.failed_with(item, reason, keep=not back)
        if not back:
            self._say_failed(reason)
        self._show_pending()

    def _refuse(self, line: str, reason: str, *, into_input: bool = True) -> None:
        """A line not queued (or cancelled): into the input if it is free, else kept."""
        if into_input and self.scribe.failed(line, reason):
            return
        now = self.wapp.clock.now().isoformat()
        self.entries.failed.append(QueuedLine(line, self.wapp.actor, now, "failed", reason))
        self._say_failed(reason)
        self._show_pending()
        self._keep_drafts()

    def _say_failed(self, reason: str) -> None:
        key = self.key_for("war_room.edit_failed") or "ctrl+e"
        self.scribe.say(f"Not saved: {reason} ({key} puts it back in the input)", error=True)

    def _show_pending(self) -> None:
        rows = [
            PendingRow(i.line, i.reason if i.state == "failed" else None)
            for i in self.entries.shown()
        ]
        self.query_one(TimelineView).set_pending(rows)

    async def _load_timeline(self) -> None:
        landed = list(self.entries.landed)  # committed before this read began
        await super()._load_timeline()
        if landed:  # their stored rows are in now: the pending ones go in the same paint
            self.entries.landed = [i for i in self.entries.landed if i not in landed]
            self._show_pending()

    def action_edit_failed(self) -> None:
        """The oldest line that was not saved, back in the input to edit and send again."""
        scribe = self.scribe
        if not self.entries.failed:
            scribe.say("No unsaved line to edit.")
            return
        if scribe.value.strip():
            key = self.key_for("war_room.edit_failed") or "ctrl+e"
            scribe.say(f"Send or clear the line you are typing, then {key} again.", error=True)
            return
        item = self.entries.take_failed()
        assert item is not None
        scribe.value = item.line
        scribe.entry.focus()
        more = f" ({len(self.entries.failed)} more)" if self.entries.failed else ""
        scribe.say(f"Not saved: {item.reason}. Edit it, Enter sends it again{more}.", error=True)
        self._show_pending()
        self._keep_drafts()

    # --- the /status template ----------------------------------------------------------

    @work(group="war-room-status", exit_on_error=False)
    async def _preview_status(self, line: str, audience: str, stage: str, parsed: Command) -> None:
        """``/status AUDIENCE STAGE``: the template filled in, in an editor; ctrl+s sends."""
        try:
            draft = await draft_update(self.wapp.commands, self.ref, audience, stage, at=parsed.at)
        except WarroomError as err:
            self._refuse(line, err.message)
            return

        def chosen(text: str | None) -> None:
            if text is None:
                self._refuse(line, "status update cancelled; nothing was sent.")
            else:
                self._enqueue(line, Command("status", f"{audience} {stage} {text}", at=parsed.at))

        self._leave_when_settled = False  # the preview answers the Escape pressed meanwhile
        self.wapp.edit_status_update(draft, chosen)

    # --- the drafts file ---------------------------------------------------------------

    @property
    def drafts_path(self) -> Path:
        url = getattr(self.wapp.store, "url", self.wapp.db_url)
        return drafts_file(url, self.incident_id, self.wapp.actor)

    def restore_lines(self) -> None:
        """Lines not saved when the war room (or the console) last closed: failed rows."""
        count = self.entries.restore(read_drafts(self.drafts_path))
        if not count:
            return
        self._show_pending()
        self._keep_drafts()
        key = self.key_for("war_room.edit_failed") or "ctrl+e"
        what = "1 line" if count == 1 else f"{count} lines"
        self.scribe.say(
            f"{what} not saved last time under the timeline; {key} puts the oldest back.",
            error=True,
        )

    @work(group="war-room-drafts", exit_on_error=False)
    async def _keep_drafts(self) -> None:
        await self._save_drafts()

    async def _save_drafts(self) -> None:
        """Write what is not committed to the drafts file (in turn; the newest state)."""
        async with self._drafts_lock:
            lines = self.entries.kept()
            if lines == self._drafts_written:
                return
            try:
                await asyncio.to_thread(write_drafts, self.drafts_path, lines)
            except (WarroomError, OSError) as err:
                if not self._drafts_failed:  # said once; the queue keeps working
                    self._drafts_failed = True
                    self.report(err, "Unsaved lines are not kept on disk")
                return
            self._drafts_written = lines
