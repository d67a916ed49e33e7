"""Stakeholder status updates: templates, validation, recording once, delivery through
the outbox with retries (a stub sender, no network), broken templates refused."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.cli_helpers import Warroom
from tests.data import TEMPLATE_TEXT, TEMPLATE_TITLE
from warroom.clock import ManualClock
from warroom.comms.destinations import Destination
from warroom.comms.updates import split_console_argument
from warroom.errors import BadInput, PolicyError
from warroom.escalation import EscalationLoop, delivery
from warroom.incident.commands import Commands
from warroom.incident.scribe import complete
from warroom.models import Delivery, StatusUpdate, TimelineEntry
from warroom.notify import DeliveryFailed, Message
from warroom.policy import Policies, load_policies
from warroom.policy.loader import bundled_dir
from warroom.store import Store

HOSTILE_TITLE = TEMPLATE_TITLE
HOSTILE_TEXT = TEMPLATE_TEXT
DESTS = {"WARROOM_STATUS_CUSTOMERS": "json://status.example/hook mailto://u:secret@mail.example"}


class FlakySender:
    """Fails the first ``failures`` sends (chat is down), then delivers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[tuple[str, Message]] = []

    async def send(self, url: str, message: Message) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryFailed("503 Service Unavailable")
        self.sent.append((url, message))


async def count(store: Store, model: type, **where: object) -> int:
    async with store.read() as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return int((await s.execute(q)).scalar() or 0)


async def texts(store: Store, kind: str) -> list[str]:
    async with store.read() as s:
        q = select(TimelineEntry.text).where(TimelineEntry.kind == kind)  # type: ignore[call-overload]
        return [str(t) for t in (await s.execute(q.order_by(TimelineEntry.id))).scalars()]


# --- rendering -------------------------------------------------------------------------


async def test_template_renders_hostile_incident_text_as_plain_data(
    commands: Commands, clock: ManualClock
) -> None:
    inc = await commands.declare(HOSTILE_TITLE, 1, ic="alice")
    clock.advance(minutes=12)
    p = await commands.post_update(inc.ref or "", audience="internal", stage="identified")
    text = p.update.text
    assert text.splitlines()[0] == f"{inc.ref} (SEV1, Critical): {HOSTILE_TITLE}"
    assert "49" not in text  # the title is data, never evaluated
    assert "Elapsed: 12 min" in text and "IC: alice" in text
    assert "Next update by 09:42 UTC." in text  # SEV1 cadence: 30 min after this update
    assert p.next_update_at == clock.now() + timedelta(minutes=30)
    assert p.from_template and p.stage == "identified"


async def test_given_text_is_stored_exactly_and_never_rendered(commands: Commands) -> None:
    inc = await commands.declare("Checkout down", 2)
    p = await commands.post_update(inc.ref or "", audience="customers", text=HOSTILE_TEXT)
    assert p.update.text == HOSTILE_TEXT and not p.from_template
    assert p.update.stage is None  # no stage guessed for text written by hand


async def test_customers_template_does_not_leak_internal_names(commands: Commands) -> None:
    inc = await commands.declare("payments-db-7 OOM after deploy 4812", 1, ic="alice")
    p = await commands.post_update(inc.ref or "", audience="customers", stage="investigating")
    assert "payments-db" not in p.update.text and "alice" not in p.update.text
    assert p.update.text.startswith("We are investigating")


# --- validation ------------------------------------------------------------------------


async def test_unknown_audience_or_stage_lists_the_valid_ones(commands: Commands) -> None:
    inc = await commands.declare("Checkout down", 2)
    with pytest.raises(BadInput, match="internal, customers, executives"):
        await commands.post_update(inc.ref or "", audience="press", text="hi")
    with pytest.raises(BadInput, match="investigating, identified, monitoring, resolved"):
        await commands.post_update(inc.ref or "", audience="customers", stage="fixed")
    with pytest.raises(BadInput, match="not resolved"):
        await commands.post_update(inc.ref or "", audience="customers", stage="resolved")
    assert await count(commands.store, StatusUpdate) == 0


def test_cli_bad_input_exits_2_with_the_reason(tmp_path: Path) -> None:
    w = Warroom(tmp_path / "w.db")
    assert w("declare", "--sev", "1", "--title", "Checkout down").exit_code == 0
    r = w("status", "INC-1", "--audience", "press", "--text", "hi")
    assert r.exit_code == 2 and "internal, customers, executives" in r.stderr
    r = w("status", "INC-1", "--audience", "customers", "--stage", "fixed", "--from-template")
    assert r.exit_code == 2 and "investigating, identified" in r.stderr
    r = w("status", "INC-1", "--audience", "customers")
    assert r.exit_code == 2 and "--from-template" in r.stderr
    r = w("status", "INC-1", "--audience", "customers", "--stage", "resolved", "--from-template")
    assert r.exit_code == 2 and "not resolved" in r.stderr
    data = w.json("status", "INC-1", "--audience", "customers", "--from-template")
    assert data["stage"] == "investigating" and data["requirement"] == "required"
    assert data["deliveries"] == [] and data["text"].startswith("We are investigating")


# --- recording and delivery ------------------------------------------------------------


async def test_recorded_once_then_retried_until_delivered_even_after_resolution(
    commands: Commands,
    store: Store,
    policies: Policies,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, urls in DESTS.items():  # the sender resolves the URLs from its environment
        monkeypatch.setenv(key, urls)
    inc = await commands.declare("Checkout down", 1)
    ref = inc.ref or ""
    p = await commands.post_update(
        ref,
        audience="customers",
        stage="identified",
        text="Fix rolling out",
        environ=DESTS,
    )
    assert [d.label for d in p.queued] == ["json://status.example", "mailto://mail.example"]
    assert await count(store, StatusUpdate) == 1
    assert await texts(store, "status") == [
        "Status update (customers, identified): Fix rolling out"
    ]
    assert await count(store, Delivery, status="pending", status_update_id=p.update.id) == 2

    sender = FlakySender(failures=2)  # chat is down for the first attempt of both
    loop = EscalationLoop(store, policies, None, clock, sender=sender)
    await loop.tick()
    await loop.drain()
    failed = await texts(store, "delivery")
    assert len(failed) == 2 and all("retrying in 15 s" in t for t in failed)
    assert "secret" not in " ".join(failed)
    await commands.resolve(ref)  # an escalation page would stop here; an update does not
    clock.advance(seconds=16)
    await loop.tick()
    await loop.drain()
    assert sorted(u for u, _ in sender.sent) == sorted(DESTS["WARROOM_STATUS_CUSTOMERS"].split())
    assert {m.title for _, m in sender.sent} == {"Service status: Identified"}
    assert {m.body for _, m in sender.sent} == {"Fix rolling out"}
    assert await count(store, Delivery, status="sent") == 2
    assert "delivered the customers status update (identified) via json" in await texts(
        store, "delivery"
    )
    clock.advance(minutes=20)
    await loop.tick()
    await loop.drain()
    assert len(sender.sent) == 2  # never twice
    assert await count(store, StatusUpdate) == 1


async def test_a_drill_records_the_update_but_sends_nothing(commands: Commands) -> None:
    inc = await commands.declare("Game day", 1, drill=True)
    p = await commands.post_update(
        inc.ref or "", audience="customers", stage="investigating", environ=DESTS
    )
    assert p.queued == [] and len(p.held) == 2
    assert Destination("slack://TA/TB/TC", "t").label == "slack://…"  # tokens never shown
    assert await count(commands.store, Delivery) == 0


# --- the policy ------------------------------------------------------------------------


@pytest.fixture
def pdir(tmp_path: Path, policies_dir: Path) -> Path:
    d = tmp_path / "policies"
    shutil.copytree(policies_dir, d)
    return d


def test_broken_templates_are_refused_with_file_and_line(pdir: Path) -> None:
    template = pdir / "templates" / "status" / "identified.txt.j2"
    template.write_text("line one\nline two\n{% if incident.ref %}\nno endif\n")
    with pytest.raises(PolicyError, match=rf"{template}.*line 4.*syntax error"):
        load_policies(pdir)
    template.write_text("line one\n{{ incident.nope }}\n")
    with pytest.raises(PolicyError, match=rf"{template} at line 2.*nope"):
        load_policies(pdir)
    template.write_text("{{ incident.__class__.__mro__ }}\n")  # the sandbox holds
    with pytest.raises(PolicyError, match=rf"{template} at line 1"):
        load_policies(pdir)


def test_a_stage_without_a_template_is_refused(pdir: Path) -> None:
    (pdir / "templates" / "status" / "monitoring.txt.j2").unlink()
    with pytest.raises(PolicyError, match="no template for the monitoring stage"):
        load_policies(pdir)


def test_a_folder_without_communications_yaml_uses_the_packaged_one(pdir: Path) -> None:
    (pdir / "communications.yaml").unlink()
    shutil.rmtree(pdir / "templates" / "status")
    p = load_policies(pdir)
    assert list(p.communications.audiences) == ["internal", "customers", "executives"]
    assert Path(p.communications_dir) == bundled_dir("policies")


# --- the console -----------------------------------------------------------------------


def test_console_argument_and_completion(policies: Policies) -> None:
    split = split_console_argument
    assert split(policies, "customers identified We  found it") == (
        "customers",
        "identified",
        "We  found it",
    )
    assert split(policies, "Customers monitoring") == ("customers", "monitoring", None)
    # an internal note that merely starts with an audience word stays internal
    assert split(policies, "customers are seeing 500s") == (
        "internal",
        None,
        "customers are seeing 500s",
    )
    with pytest.raises(BadInput, match="needs a stage"):
        split(policies, "executives")
    words = {"audiences": ["internal", "customers"], "stages": ["identified", "investigating"]}
    assert complete("/status cu", prefixes={}, **words) == "/status customers "
    assert (
        complete("/status customers ide", prefixes={}, **words) == "/status customers identified "
    )


# --- the outbox under contention (review) ------------------------------------------------

ONE_DEST = {"WARROOM_STATUS_CUSTOMERS": "json://status.example/hook"}


async def claimed_twice(
    commands: Commands, store: Store, clock: ManualClock
) -> tuple[list[delivery.Claimed], list[delivery.Claimed]]:
    """A SEV1's update to the customers' one destination, claimed by a sender that then
    hangs and, once its lease ran out, by another: (the hung claim, the second claim)."""
    inc = await commands.declare("Checkout down", 1)
    await commands.post_update(
        inc.ref or "", audience="customers", text="Looking", environ=ONE_DEST
    )
    slow = await delivery.claim_due(store, None)  # a sender that then hangs
    clock.advance(delivery.LEASE + timedelta(seconds=1))
    second = await delivery.claim_due(store, None)  # its lease ran out: another takes over
    return slow, second


async def test_a_stale_attempt_never_reopens_a_delivery_another_sender_holds(
    commands: Commands, store: Store, clock: ManualClock
) -> None:
    slow, second = await claimed_twice(commands, store, clock)
    assert len(slow) == len(second) == 1
    # The hung attempt finally fails while the second is still sending: it must not
    # schedule a retry over the second one's lease (a third sender would send it again).
    await delivery.record(store, [delivery.Attempt(slow[0], "timed out", False)])
    clock.advance(seconds=20)
    assert await delivery.claim_due(store, None) == []
    assert not any("retrying" in t for t in await texts(store, "delivery"))
    await delivery.record(store, [delivery.Attempt(second[0], None, False)])
    assert await count(store, Delivery, status="sent") == 1


async def test_a_success_stays_sent_when_a_stale_attempt_fails_later(
    commands: Commands, store: Store, clock: ManualClock
) -> None:
    slow, second = await claimed_twice(commands, store, clock)
    await delivery.record(store, [delivery.Attempt(second[0], None, False)])
    await delivery.record(store, [delivery.Attempt(slow[0], "timed out", True)])
    assert await count(store, Delivery, status="sent") == 1
    assert not any("gave up" in t for t in await texts(store, "delivery"))


async def test_a_newer_update_supersedes_an_older_one_still_waiting_for_the_same_destination(
    commands: Commands,
    store: Store,
    policies: Policies,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, urls in ONE_DEST.items():  # the sender resolves the URLs from its environment
        monkeypatch.setenv(key, urls)
    inc = await commands.declare("Checkout down", 1, ic="alice")
    ref = inc.ref or ""
    await commands.post_update(ref, audience="customers", stage="investigating", environ=ONE_DEST)
    sender = FlakySender(failures=1)  # the status page is down for the first attempt
    loop = EscalationLoop(store, policies, None, clock, sender=sender)
    await loop.tick()
    await loop.drain()
    clock.advance(seconds=5)
    await commands.resolve(ref)
    await commands.post_update(ref, audience="customers", stage="resolved", environ=ONE_DEST)
    for _ in range(3):
        clock.advance(seconds=20)
        await loop.tick()
        await loop.drain()
    # Customers never read "investigating" after "resolved".
    assert [m.title for _, m in sender.sent] == ["Service status: Resolved"]
    assert await count(store, Delivery, status="cancelled") == 1
    assert any("superseded" in t for t in await texts(store, "delivery"))
