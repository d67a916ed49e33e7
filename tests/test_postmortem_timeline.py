"""The post-mortem's timeline carries the war room's record: milestones, decisions,
severity changes, status updates, pages, pinned entries and every entry a person wrote
(with their role), in event-time order; automated entries are summarised; which kinds go
in is the policy's (postmortem.yaml); the editor leaves a row out of the document
without touching the log."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from textual.widgets import SelectionList, TextArea

from screens.postmortem import PostmortemScreen
from screens.postmortem_rows import PostmortemRowsScreen
from tests.cli_helpers import Warroom
from tests.console_helpers import ConsoleFactory, settle
from tests.data import T0, commands_on
from tests.postmortem_replay import replay_sev1
from warroom.clock import ManualClock
from warroom.errors import BadInput, PolicyError
from warroom.incident.commands import Commands
from warroom.incident.queries import load_view
from warroom.incident.timeline import verify_chain
from warroom.policy import Policies, load_policies
from warroom.postmortem import load_document, render_markdown

# A public incident's timeline as a scribe types it (times UTC on 2026-03-02): a
# database primary lost its disk, the failover promoted a lagging replica, writes
# were queued, then replayed. (role, HH:MM, text)
TYPED = [
    ("ENG", "09:58", "Write latency on orders-db primary at 8 s; disk await 900 ms."),
    ("ENG", "10:01", "orders-db primary disk reports I/O errors in the kernel log."),
    ("IC", "10:02", "Decision pending: failover vs. waiting for the storage team."),
    ("COMMS", "10:04", "Status page: Investigating, Orders (all regions)."),
    ("ENG", "10:05", "Replica lag: replica-a 2 s, replica-b 41 s."),
    ("IC", "10:06", "Failing over to replica-a; bob drives, dave records each step."),
    ("ENG", "10:07", "Orchestrator promoted replica-b, not replica-a: its lag check was cached."),
    ("ENG", "10:09", "41 s of writes missing on the new primary; app servers see 23 conflicts."),
    ("IC", "10:10", "Freeze writes: orders service to read-only mode."),
    ("COMMS", "10:12", "Customers told: orders are read-only, no data lost, next update 10:40."),
    ("ENG", "10:15", "Read-only mode on; error rate back under 1%."),
    ("ENG", "10:20", "Extracting the 41 s of binlog from the old primary before it dies."),
    ("SCRIBE", "10:08", "Support: first tickets about failed orders came in at 10:03."),
    ("ENG", "10:31", "Binlog extracted: 1,904 transactions, checksums OK."),
    ("ENG", "10:44", "Replay of the missing transactions on the new primary started."),
    ("IC", "10:46", "Keep read-only until the replay and the reconciliation are done."),
    ("ENG", "10:58", "Replay done; reconciliation finds 0 diffs."),
    ("COMMS", "11:02", "Customers: orders are back, no data was lost."),
    ("ENG", "11:05", "Writes re-enabled; p99 latency 120 ms."),
    ("IC", "11:20", "Holding for 15 minutes of clean metrics before resolving."),
]
DAY = "2026-03-02T"


def replayed_by_cli(tmp_path: Path) -> Warroom:
    """The incident above through the CLI: declare, the typed entries (out of order,
    backdated), ack, severity, mitigate, resolve."""
    wr = Warroom(tmp_path / "w.db")
    r = wr("declare", "--sev", "2", "--title", "Orders writes failing", "--ic", "alice",
           "--at", DAY + "10:00", "--detected-at", DAY + "09:57")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert wr("ack", "INC-1", "--at", DAY + "10:03").exit_code == 0
    for role, hhmm, text in TYPED[:8]:
        r = wr("log", "INC-1", text, "--role", role, "--at", DAY + hhmm)
        assert r.exit_code == 0, r.output
    assert wr("severity", "INC-1", "1", "--at", DAY + "10:09").exit_code == 0
    for role, hhmm, text in TYPED[8:]:
        r = wr("log", "INC-1", text, "--role", role, "--at", DAY + hhmm)
        assert r.exit_code == 0, r.output
    assert wr("mitigate", "INC-1", "--at", DAY + "10:15").exit_code == 0
    assert wr("resolve", "INC-1", "--at", DAY + "11:35", "--force").exit_code == 0
    return wr


def test_a_cli_replay_gives_every_typed_entry_in_order(tmp_path: Path) -> None:
    wr = replayed_by_cli(tmp_path)
    r = wr("postmortem", "INC-1", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["timeline"]
    texts = [row["text"] for row in rows]
    # every entry the scribe typed is there, once, in event-time order
    expected = [text for _role, _hhmm, text in sorted(TYPED, key=lambda t: t[1])]
    assert [t for t in texts if t in expected] == expected
    by = {row["text"]: row["by"] for row in rows}
    assert by[TYPED[0][2]] == "alice (ENG)" and by[TYPED[3][2]] == "alice (COMMS)"
    assert [row["at"] for row in rows] == sorted(row["at"] for row in rows)
    events = [row["event"] for row in rows]
    for wanted in ("Detected", "Declared", "Acknowledged", "Severity", "Mitigated", "Resolved"):
        assert wanted in events
    md = wr("postmortem", "INC-1").stdout
    assert "Replay done; reconciliation finds 0 diffs." in md
    assert "| 2026-03-02 10:08 | Note | Support: first tickets" in md  # backdated: in place


async def test_pins_decisions_status_pages_and_summaries(
    commands: Commands, clock: ManualClock, store: object, policies: Policies
) -> None:
    inc = await replay_sev1(commands, clock)
    ref = inc.ref or ""
    await commands.record_status(ref, "We are on it.", audience="internal")
    tick = await commands.toggle_checklist(ref, 5)  # a manual line: one summary row
    assert tick.done
    view = await load_view(commands.store, ref)
    checklist_entry = next(e for e in view.timeline if e.kind == "checklist")
    await commands.pin(ref, checklist_entry.seq)
    doc = await load_document(commands.store, policies, ref)
    rows = doc.timeline_rows()
    events = [r.event for r in rows]
    assert "Status update" in events and "Checklist (pinned)" in events
    summary = [r for r in rows if r.key == "s:checklist"]
    assert len(summary) == 1 and "automated" in summary[0].text
    assert not any(r.text.startswith("Pinned #") for r in rows)  # the pin marks, is no row


async def test_the_policy_says_which_kinds_go_in(
    tmp_path: Path, policies_dir: Path, db_path: Path, clock: ManualClock
) -> None:
    folder = tmp_path / "p"
    shutil.copytree(policies_dir, folder)
    path = folder / "postmortem.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("kinds: [note, ", "kinds: ["), encoding="utf-8")
    quiet = load_policies(folder)
    async with commands_on(db_path, clock, quiet) as c:
        inc = await replay_sev1(c, clock)
        rows = (await load_document(c.store, quiet, inc.ref or "")).timeline_rows()
        assert "Note" not in [r.event for r in rows] and "Decision" in [r.event for r in rows]
    path.write_text(text.replace("kinds: [note, ", "kinds: [nope, "), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"postmortem.yaml: at timeline.kinds.*'nope'"):
        load_policies(folder)
    path.write_text(text.replace("kinds: [note, ", "kinds: [pin, "), encoding="utf-8")
    with pytest.raises(PolicyError, match="pins and corrections"):
        load_policies(folder)


async def test_dropping_a_row_leaves_the_log_as_it_was(
    commands: Commands, clock: ManualClock, policies: Policies
) -> None:
    inc = await replay_sev1(commands, clock)
    ref = inc.ref or ""
    before = await load_view(commands.store, ref)
    note = next(e for e in before.timeline if e.kind == "note")
    await commands.drop_timeline_row(ref, f"#{note.seq}")
    await commands.save_sections(ref, {"impact": "All checkout failed."})  # keeps the drop
    doc = await load_document(commands.store, policies, ref)
    assert note.text not in [r.text for r in doc.timeline_rows()]
    assert note.text not in render_markdown(doc)
    assert next(r for r in doc.all_timeline_rows() if r.dropped).key == f"e:{note.seq}"
    after = await load_view(commands.store, ref)
    assert [e.text for e in after.timeline][: len(before.timeline)] == [
        e.text for e in before.timeline
    ]  # nothing changed in the log; a postmortem entry says what was done
    assert after.timeline[-1].kind == "postmortem"
    assert verify_chain(ref, after.timeline).ok
    with pytest.raises(BadInput, match="already left out"):
        await commands.drop_timeline_row(ref, f"e:{note.seq}")
    with pytest.raises(BadInput, match="no entry #999"):
        await commands.drop_timeline_row(ref, "999")
    with pytest.raises(BadInput, match="not a timeline row"):
        await commands.drop_timeline_row(ref, "DROP TABLE")
    await commands.drop_timeline_row(ref, f"e:{note.seq}", dropped=False)
    doc = await load_document(commands.store, policies, ref)
    assert note.text in [r.text for r in doc.timeline_rows()]


# --- the console -----------------------------------------------------------------------


async def test_the_editor_leaves_a_row_out_from_the_console(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    async with commands_on(db_path, clock, policies) as c:
        inc = await replay_sev1(c, clock)
    async with console(actor="alice") as (app, pilot):
        app.open_postmortem(inc.id or 0)
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PostmortemScreen)
        # A writing screen opens with the cursor in its first empty section.
        assert isinstance(app.focused, TextArea) and app.focused.id == "section-executive_summary"
        await pilot.press("h", "d", "m")  # typed, not shortcuts
        assert app.focused.text == "hdm" and app.screen is screen
        await pilot.press("f5")
        await settle(app, pilot)
        rows = app.screen
        assert isinstance(rows, PostmortemRowsScreen)
        listing = rows.query_one(SelectionList)
        keys = [r.key for r in rows.rows]
        note_at = next(i for i, r in enumerate(rows.rows) if r.event == "Note")
        listing.highlighted = note_at
        await pilot.press("space")
        await settle(app, pilot)
        assert keys[note_at] not in listing.selected
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen
        assert screen.doc is not None
        assert "Error rate 40% after deploy 4411" not in [
            r.text for r in screen.doc.timeline_rows()
        ]
    assert T0  # the clock the replay set stays the test's


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_timeline_rows(
    snap_compare: object,
    console: ConsoleFactory,
    db_path: Path,
    clock: ManualClock,
    policies: Policies,
    size: tuple[int, int],
) -> None:
    import asyncio

    async def seed() -> None:
        async with commands_on(db_path, clock, policies) as c:
            inc = await replay_sev1(c, clock)
            await c.drop_timeline_row(inc.ref or "", "m:started_at")

    asyncio.run(seed())

    async def ready(pilot: object) -> None:
        app = pilot.app  # type: ignore[attr-defined]
        await settle(app, pilot)  # type: ignore[arg-type]
        app.open_postmortem(1)
        await settle(app, pilot)  # type: ignore[arg-type]
        await pilot.press("f5")  # type: ignore[attr-defined]
        await settle(app, pilot)  # type: ignore[arg-type]

    app = console.app(actor="alice")
    assert snap_compare(app, terminal_size=size, run_before=ready)  # type: ignore[operator]
