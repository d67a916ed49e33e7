"""One bad step never stops all paging: absurd durations are refused by the policy
check, and an error in one incident's escalation is said in its timeline while every
other incident is paged as usual."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.cli_helpers import Warroom
from tests.escalation_support import Recorder, roster_for
from warroom.clock import ManualClock
from warroom.errors import PolicyError
from warroom.escalation import EscalationLoop
from warroom.incident.commands import Commands
from warroom.models import EscalationFiring, TimelineEntry
from warroom.policy import Policies, load_policies
from warroom.store import Store

ABSURD = [
    ("escalation.yaml", "after_minutes: 15", "after_minutes: 1e12"),
    ("escalation.yaml", "after_minutes: 15", "after_minutes: .inf"),
    ("escalation.yaml", "after_minutes: 15", "after_minutes: 1e300"),
    ("escalation.yaml", "after_minutes: 15", "after_minutes: 43201"),
    ("oncall.yaml", "timeout_minutes: 5", "timeout_minutes: .inf"),
    ("postmortem.yaml", "SEV1: 48", "SEV1: .inf"),
    ("metrics.yaml", "mttr_minutes: {SEV1: 60", "mttr_minutes: {SEV1: 1e300"),
]


@pytest.mark.parametrize(("file", "old", "new"), ABSURD)
def test_policy_check_refuses_non_finite_and_absurd_durations(
    tmp_path: Path, policies_dir: Path, file: str, old: str, new: str
) -> None:
    pdir = tmp_path / "policies"
    shutil.copytree(policies_dir, pdir)
    text = (pdir / file).read_text()
    assert old in text
    (pdir / file).write_text(text.replace(old, new, 1))
    with pytest.raises(PolicyError, match="30 days"):
        load_policies(pdir)
    r = Warroom(tmp_path / "w.db")("policies", "check", str(pdir))
    assert r.exit_code == 2, r.output
    assert file in r.stderr and "at most" in r.stderr and "Traceback" not in r.output


def test_thirty_days_is_still_a_usable_delay(tmp_path: Path, policies_dir: Path) -> None:
    pdir = tmp_path / "policies"
    shutil.copytree(policies_dir, pdir)
    text = (pdir / "escalation.yaml").read_text()
    (pdir / "escalation.yaml").write_text(text.replace("after_minutes: 15", "after_minutes: 43200"))
    load_policies(pdir)


def poisoned(policies: Policies) -> Policies:
    """The packaged policy with a SEV1 step the check would refuse (1e300 minutes),
    built past the check as a hand-edited or older policy object could be."""
    esc = policies.escalation
    steps = list(esc.time_based["SEV1"])
    bad = steps[0].model_construct(**{**dict(steps[0]), "after_minutes": 1e300})
    time_based = {**esc.time_based, "SEV1": [*steps, bad]}
    return policies.model_construct(
        **{
            **dict(policies),
            "escalation": esc.model_construct(tiers=esc.tiers, time_based=time_based),
        }
    )


async def test_an_error_in_one_incident_never_stops_the_pages_of_the_others(
    store: Store, policies: Policies, clock: ManualClock
) -> None:
    bad_policies = poisoned(policies)
    c = Commands(store, bad_policies, "alice")
    sev1 = await c.declare("Checkout down", 1, at=clock.now() - timedelta(minutes=1))
    sev2 = await c.declare("Search slow", 2, at=clock.now() - timedelta(minutes=1))
    sender = Recorder()
    loop = EscalationLoop(store, bad_policies, roster_for(), clock, sender=sender)
    for _ in range(3):  # the error is said once, not once a tick
        report = await loop.tick()
        await loop.drain()
        assert report.error is None
        clock.advance(seconds=1)
    async with store.read() as s:
        fired = (await s.execute(select(EscalationFiring.incident_id))).scalars().all()
        said = (
            (
                await s.execute(
                    select(TimelineEntry.text).where(
                        TimelineEntry.incident_id == sev1.id,
                        TimelineEntry.text.like("Escalation error%"),  # type: ignore[attr-defined]
                    )
                )
            )
            .scalars()
            .all()
        )
    assert sev2.id in fired, "the SEV2's first page fired despite the SEV1's bad step"
    assert sev1.id not in fired
    assert len(said) == 1 and "OverflowError" in said[0] and "other incidents" in said[0]
    assert any("Search slow" in f"{m.title} {m.body}" for _url, m in sender.sent)
    assert loop.plan_for(sev1.id or 0) is None  # the console shows no plan, never crashes
