"""The process from the policy: deadlines per severity, Draft -> In Review -> Final,
the meeting agenda, and blameless warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.postmortem_replay import at, replay_sev1
from warroom.clock import ManualClock
from warroom.errors import BadInput
from warroom.incident.commands import Commands
from warroom.incident.queries import load_view
from warroom.policy import Policies
from warroom.postmortem import load_document
from warroom.postmortem.agenda import agenda_markdown, meeting_agenda
from warroom.postmortem.blameless import check_text
from warroom.postmortem.overview import pending_postmortems, postmortem_list_note
from warroom.store import Store

FILLED = {
    "executive_summary": "Checkout failed for 38 minutes.",
    "impact": "All EU customers; no data lost.",
    "root_cause": "The config loader accepted an empty pool size.",
    "detection": "The error-rate alert; a synthetic check would have caught it 8 min sooner.",
    "response": "Rollback was quick; the runbook lacked the flag name.",
    "lessons_learned": "Validate configuration at load time.",
}


async def resolved(commands: Commands, clock: ManualClock, severity: int, hours_ago: float) -> str:
    """An incident of ``severity`` resolved ``hours_ago`` before the clock's now."""
    now = clock.now()
    resolved_at = now - timedelta(hours=hours_ago)
    clock.set(resolved_at - timedelta(minutes=30))
    inc = await commands.declare(f"SEV{severity} thing", severity, ic="alice")
    clock.set(resolved_at)
    await commands.resolve(inc.ref or "")
    clock.set(now)
    return inc.ref or ""


@pytest.mark.parametrize(
    ("severity", "hours", "required"),
    [(1, 48, True), (2, 168, True), (3, 336, False)],
)
async def test_deadline_per_severity_is_due_then_overdue(
    commands: Commands,
    clock: ManualClock,
    store: Store,
    policies: Policies,
    severity: int,
    hours: float,
    required: bool,
) -> None:
    ref = await resolved(commands, clock, severity, 0)
    resolved_at = clock.now()
    d = (await load_document(store, policies, ref)).deadline
    assert d.state == "due" and d.required is required and d.hours == hours
    assert d.due_at == resolved_at + timedelta(hours=hours)
    assert d.label(clock.now(), UTC).startswith("due in ")
    clock.advance(hours=hours)
    assert (await load_document(store, policies, ref)).deadline.state == "due"  # at the deadline
    clock.advance(minutes=1)
    d = (await load_document(store, policies, ref)).deadline
    assert d.overdue and d.label(clock.now(), UTC).startswith("overdue by 1m")
    if not required:
        assert d.label(clock.now(), UTC).endswith("(optional)")


async def test_sev4_has_no_deadline_and_unresolved_is_pending(
    commands: Commands, clock: ManualClock, store: Store, policies: Policies
) -> None:
    ref = await resolved(commands, clock, 4, 1000)
    d = (await load_document(store, policies, ref)).deadline
    assert d.state == "none" and d.due_at is None and not d.overdue
    inc = await commands.declare("open one", 1, ic="alice")
    d = (await load_document(store, policies, inc.ref or "")).deadline
    assert d.state == "pending" and d.label(clock.now(), UTC) == "due 48 h after resolution"


async def test_list_shows_due_and_overdue_post_mortems_overdue_first(
    commands: Commands, clock: ManualClock, store: Store, policies: Policies
) -> None:
    sev2_due = await resolved(commands, clock, 2, 10)
    sev1_late = await resolved(commands, clock, 1, 50)
    await resolved(commands, clock, 3, 1)  # optional and not started: not listed
    await resolved(commands, clock, 4, 1)  # no deadline
    pending = await pending_postmortems(store, policies)
    assert [p.ref for p in pending] == [sev1_late, sev2_due]
    note = await postmortem_list_note(store, policies, UTC)
    assert note is not None
    lines = note.strip().splitlines()
    assert lines[0] == "Post-mortems due:"
    assert lines[1].startswith(f"  {sev1_late} SEV1 (not started): overdue by 2h 00m")
    assert lines[2].startswith(f"  {sev2_due} SEV2 (not started): due in 6d 14h")
    await commands.move_postmortem_status(sev2_due, "in_review")
    pending = await pending_postmortems(store, policies)
    assert pending[1].status == "in_review" and pending[1].started


async def test_status_moves_draft_review_final(
    commands: Commands, clock: ManualClock, store: Store, policies: Policies
) -> None:
    ref = (await replay_sev1(commands, clock)).ref or ""
    with pytest.raises(BadInput, match="can move to In Review, not Final"):
        await commands.move_postmortem_status(ref, "final")
    await commands.move_postmortem_status(ref, "review")
    with pytest.raises(BadInput) as err:
        await commands.move_postmortem_status(ref, "final")
    message = err.value.message
    assert "cannot be Final" in message and "Executive summary" in message
    assert "Action items" in message and "stays In Review" in message
    doc = await load_document(store, policies, ref)
    assert doc.status == "in_review" and doc.final_at is None
    await commands.save_sections(ref, FILLED)
    await commands.add_action(ref, "Validate pool size", owner="bob", due="+7d")
    clock.advance(hours=3)
    pm = await commands.move_postmortem_status(ref, "final")
    assert pm.status == "final" and pm.final_at == clock.now()
    doc = await load_document(store, policies, ref)
    assert doc.deadline.state == "done" and doc.deadline.on_time is True
    with pytest.raises(BadInput, match="is Final"):
        await commands.save_sections(ref, {"impact": "changed"})
    await commands.move_postmortem_status(ref, "in_review")  # reopen
    kinds = [(e.kind, e.text) for e in (await load_view(store, ref)).timeline]
    assert ("postmortem", "Post-mortem: Draft -> In Review") in kinds
    assert ("postmortem", "Post-mortem: In Review -> Final") in kinds
    assert ("postmortem", "Post-mortem: Final -> In Review") in kinds


async def test_final_needs_a_resolved_incident(
    commands: Commands, clock: ManualClock, store: Store
) -> None:
    ref = (await replay_sev1(commands, clock, resolve=False)).ref or ""
    await commands.save_sections(ref, {**FILLED, "action_items": "None needed."})
    await commands.move_postmortem_status(ref, "in_review")
    with pytest.raises(BadInput, match="not resolved yet"):
        await commands.move_postmortem_status(ref, "final")


async def test_sections_are_saved_exactly_and_recorded(
    commands: Commands, clock: ManualClock, store: Store, policies: Policies
) -> None:
    ref = (await replay_sev1(commands, clock)).ref or ""
    text = "Line one\r\n\x1b[31mred\x1b[0m | pipe\n"
    pm = await commands.save_sections(ref, {"root-cause": text}, author="carol")
    assert pm is not None and pm.author == "carol"
    assert await commands.save_sections(ref, {"root_cause": text}) is None  # no change
    doc = await load_document(store, policies, ref)
    assert doc.sections["root_cause"] == text and doc.author == "carol"
    entries = [e for e in (await load_view(store, ref)).timeline if e.kind == "postmortem"]
    assert [e.text for e in entries] == ["Post-mortem: root cause updated; author carol"]
    with pytest.raises(BadInput, match="unknown post-mortem section 'cause'"):
        await commands.save_sections(ref, {"cause": "x"})


async def test_meeting_agenda_names_the_people(
    commands: Commands, clock: ManualClock, store: Store, policies: Policies
) -> None:
    ref = (await replay_sev1(commands, clock)).ref or ""
    await commands.add_action(ref, "Add a synthetic check", owner="dave", due="+7d")
    doc = await load_document(store, policies, ref)
    agenda = meeting_agenda(doc)
    people = {a.role: a.person for a in agenda.attendees}
    assert people["incident_commander"] == "alice" and people["technical_lead"] == "bob"
    assert people["service_owner"] is None and people["action_owner"] == "dave"
    assert agenda.items == list(policies.postmortem.meeting.agenda)
    assert agenda.duration_minutes == 60
    md = agenda_markdown(agenda, list(policies.postmortem.principles))
    assert "- Technical lead: bob" in md and "1. Review the timeline (10 min)" in md
    assert "- Service owner: _to be invited_" in md


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("The outage was Bob's fault.", "Bob's fault"),
        ("Root cause: human error by the on-call engineer.", "human error by the"),
        ("The operator should have known the flag was dangerous.", "should have known"),
        ("alice forgot to drain the node first.", "alice forgot"),
        ("Then carol accidentally caused the failover.", "carol accidentally caused"),
        ("@dave failed to page the DBA.", "@dave failed to"),
        ("The outage was caused by erin.", "caused by erin"),
    ],
)
def test_blameless_warnings(text: str, phrase: str) -> None:
    names = ["alice", "bob", "carol", "@dave", "erin"]
    found = check_text("root_cause", text, names)
    assert [w.phrase for w in found] == [phrase]
    assert "describe the system condition instead" in found[0].message
    assert found[0].message.startswith("Root cause: ")


@pytest.mark.parametrize(
    "text",
    [
        "The deploy pipeline had no canary stage, so a bad config reached every region.",
        "The alert fired 8 minutes after errors began; the threshold was too high.",
        "Alice's team rolled back the deploy, which caused the error rate to drop.",
        "Bob noticed the dashboard, and the failover caused a brief spike.",
        "The job failed to start because the queue was full.",
    ],
)
def test_no_warning_on_system_focused_text(text: str) -> None:
    assert check_text("root_cause", text, ["alice", "bob", "carol"]) == []


async def test_document_warns_but_never_blocks(
    commands: Commands, clock: ManualClock, store: Store, policies: Policies
) -> None:
    ref = (await replay_sev1(commands, clock)).ref or ""
    await commands.save_sections(ref, {**FILLED, "root_cause": "It was bob's fault."})
    await commands.add_action(ref, "Validate pool size", owner="bob", due="+7d")
    doc = await load_document(store, policies, ref)
    assert [w.section for w in doc.warnings] == ["root_cause"]
    await commands.move_postmortem_status(ref, "in_review")
    assert (await commands.move_postmortem_status(ref, "final")).status == "final"


def test_deadline_label_when_final_late() -> None:
    from warroom.postmortem.deadline import Deadline

    due = datetime(2026, 3, 4, 11, 0, tzinfo=UTC)
    late = Deadline(1, True, 48, due, "done", due + timedelta(hours=1))
    assert late.on_time is False and late.label(due, UTC) == "final (late)"
    assert at(11, 0) < due
