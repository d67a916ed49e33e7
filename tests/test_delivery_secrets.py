"""Status destinations hold tokens: the outbox stores which destination, never its URL,
and the sender resolves the URL from its configuration (issue 12)."""

from __future__ import annotations

import shutil
from datetime import UTC
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from tests.cli_helpers import Warroom
from warroom.clock import ManualClock
from warroom.comms.updates import deliver_now
from warroom.escalation import delivery
from warroom.incident.commands import Commands
from warroom.models import Delivery, StatusUpdate
from warroom.notify import Message
from warroom.policy import Policies, load_policies
from warroom.store import Store

TOKEN, PASSWORD = "xoxb-S3CR3T-T0KEN-4711", "Pa55w0rd-hunter2"
URLS = f"json://hooks.example/status?token={TOKEN} mailto://ops:{PASSWORD}@mail.example"
SECRETS = [TOKEN, PASSWORD, "hooks.example/status?token"]


class Recorder:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, url: str, message: Message) -> None:
        self.sent.append(url)


def database_bytes(db: Path) -> bytes:
    """The database file and whatever SQLite keeps beside it (WAL, journal)."""
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


async def test_no_secret_of_the_url_reaches_the_database_file(
    db_path: Path, policies: Policies, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_STATUS_CUSTOMERS", URLS)
    sender = Recorder()
    async with await Store.open(db_path, clock) as store:
        commands = Commands(store, policies, "alice", UTC)
        inc = await commands.declare("Checkout down", 1)
        posted = await commands.post_update(inc.ref or "", audience="customers", text="Looking")
        assert [d.shown for d in posted.queued] == [
            "WARROOM_STATUS_CUSTOMERS#1 (json://hooks.example)",
            "WARROOM_STATUS_CUSTOMERS#2 (mailto://mail.example)",
        ]
        outcomes = await deliver_now(store, sender, posted.delivery_ids, policies)
        assert [o.ok for o in outcomes] == [True, True]
    assert sorted(sender.sent) == sorted(URLS.split())  # the real URLs were used to send
    data = database_bytes(db_path)
    assert b"Looking" in data  # the update itself is there (the check reads the right file)
    for secret in SECRETS:
        assert secret.encode() not in data


async def test_the_sender_resolves_from_its_own_configuration(
    commands: Commands, store: Store, policies: Policies, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_STATUS_CUSTOMERS", URLS)
    inc = await commands.declare("Checkout down", 1)
    await commands.post_update(inc.ref or "", audience="customers", text="Looking")
    # The second destination is now another service: never sent there; the first stays.
    monkeypatch.setenv("WARROOM_STATUS_CUSTOMERS", "json://hooks.example/new slack://T/B/C")
    claimed = await delivery.claim_due(store, None, policies=policies)
    assert [c.url for c in claimed] == ["json://hooks.example/new", None]
    outcomes = await delivery.send_all(store, Recorder(), claimed)
    assert [o.ok for o in outcomes] == [True, False]
    assert outcomes[1].error == "customers's destination is not in this configuration any more"


async def test_a_row_queued_before_the_change_still_sends_to_its_stored_url(
    commands: Commands, store: Store, policies: Policies, clock: ManualClock
) -> None:
    inc = await commands.declare("Checkout down", 1)
    now = clock.now()

    async def old_row(s: object) -> None:
        update = StatusUpdate(
            incident_id=inc.id, at=now, audience="customers", text="Old", author="alice"
        )
        s.add(update)  # type: ignore[attr-defined]
        await s.flush()  # type: ignore[attr-defined]
        s.add(  # type: ignore[attr-defined]
            Delivery(
                incident_id=inc.id,
                status_update_id=update.id,
                person="customers",
                method="json",
                url="json://legacy.example/hook",
                next_attempt_at=now,
                created_at=now,
            )
        )

    await store.transaction(old_row)
    sender = Recorder()
    await delivery.send_all(store, sender, await delivery.claim_due(store, None, policies=policies))
    assert sender.sent == ["json://legacy.example/hook"]
    async with store.read() as s:
        row = (await s.execute(select(Delivery))).scalars().one()
    assert row.status == "sent"


def test_status_output_names_the_destination_not_the_url(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_STATUS_CUSTOMERS", URLS)
    w = Warroom(db_path)
    assert w("declare", "--sev", "1", "--title", "Checkout down").exit_code == 0
    r = w("status", "INC-1", "--audience", "customers", "--text", "Looking", "--no-send")
    assert r.exit_code == 0, r.output
    assert "-> WARROOM_STATUS_CUSTOMERS#1 (json://hooks.example): queued" in r.output
    assert "-> WARROOM_STATUS_CUSTOMERS#2 (mailto://mail.example): queued" in r.output
    data = w.json("status", "INC-1", "--audience", "customers", "--text", "Again", "--no-send")
    assert [d["destination_id"] for d in data["deliveries"]] == [
        "WARROOM_STATUS_CUSTOMERS#1",
        "WARROOM_STATUS_CUSTOMERS#2",
    ]
    for secret in SECRETS:
        assert secret not in r.output + str(data)


async def test_a_destination_from_communications_yaml_is_resolved_from_the_policy(
    tmp_path: Path, policies_dir: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdir = tmp_path / "policies"
    shutil.copytree(policies_dir, pdir)
    comms = pdir / "communications.yaml"
    data = yaml.safe_load(comms.read_text())
    data["audiences"]["customers"]["destinations"] = [f"json://status.example/?key={TOKEN}"]
    comms.write_text(yaml.safe_dump(data))
    policies = load_policies(pdir)
    db = tmp_path / "w.db"
    sender = Recorder()
    async with await Store.open(db, clock) as store:
        commands = Commands(store, policies, "alice", UTC)
        inc = await commands.declare("Checkout down", 1)
        posted = await commands.post_update(
            inc.ref or "", audience="customers", text="Looking", environ={}
        )
        assert [d.shown for d in posted.queued] == ["customers#1 (json://status.example)"]
        # The sender's environment has another list: the policy's destination is the one.
        monkeypatch.setenv("WARROOM_STATUS_CUSTOMERS", "json://elsewhere.example/")
        await deliver_now(store, sender, posted.delivery_ids, policies)
    assert sender.sent == [f"json://status.example/?key={TOKEN}"]
    assert TOKEN.encode() not in database_bytes(db)
