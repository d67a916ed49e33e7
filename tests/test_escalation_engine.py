"""The escalation matrix of the default policies, minute by minute (pure engine)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.data import T0
from warroom.escalation import IncidentSnapshot, plan
from warroom.policy import Policies


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def snap(
    severity: int = 1,
    *,
    ack: float | None = None,
    resolved: float | None = None,
    changes: tuple[tuple[float, int], ...] = (),
    fired: dict[str, float] | None = None,
    update: float | None = None,
) -> IncidentSnapshot:
    return IncidentSnapshot(
        incident_id=7,
        ref="INC-7",
        title="Checkout down",
        declared_at=T0,
        acknowledged_at=at(ack) if ack is not None else None,
        resolved_at=at(resolved) if resolved is not None else None,
        severity_history=((T0, severity), *((at(m), s) for m, s in changes)),
        fired={k: at(m) for k, m in (fired or {}).items()},
        last_status_update_at=at(update) if update is not None else None,
    )


def simulate(policies: Policies, base: IncidentSnapshot, minutes: int) -> dict[str, int]:
    """Run the engine every minute, firing whatever is due; step -> minute it fired."""
    fired: dict[str, int] = {}
    for m in range(minutes + 1):
        s = IncidentSnapshot(**{**base.__dict__, "fired": {k: at(v) for k, v in fired.items()}})
        for step in plan(policies, s, at(m)).due:
            assert step.key not in fired, f"{step.key} fired twice"
            fired[step.key] = m
    return fired


# The unresolved steps of each severity, at their minutes: they fire whether or not
# anyone acknowledged.
SEV1_UNRESOLVED = {"sev1-unresolved-30": 30, "sev1-unresolved-60": 60, "sev1-unresolved-120": 120}
SEV2_UNRESOLVED = {"sev2-unresolved-60": 60, "sev2-unresolved-240": 240}

MATRIX = [
    # (case, snapshot, steps fired at which minute)
    ("SEV1 never acknowledged", snap(1), {"sev1-page": 0, "sev1-no-ack-15": 15, **SEV1_UNRESOLVED}),
    ("SEV1 acknowledged at 10", snap(1, ack=10), {"sev1-page": 0, **SEV1_UNRESOLVED}),
    ("SEV1 acknowledged exactly at 15", snap(1, ack=15), {"sev1-page": 0, **SEV1_UNRESOLVED}),
    (
        "SEV1 acknowledged at 20, after the re-page",
        snap(1, ack=20),
        {"sev1-page": 0, "sev1-no-ack-15": 15, **SEV1_UNRESOLVED},
    ),
    (
        "SEV1 resolved at 45",
        snap(1, resolved=45),
        {"sev1-page": 0, "sev1-no-ack-15": 15, "sev1-unresolved-30": 30},
    ),
    ("SEV1 acked at 5, resolved at 29", snap(1, ack=5, resolved=29), {"sev1-page": 0}),
    ("SEV2 never acknowledged", snap(2), {"sev2-page": 0, "sev2-no-ack-30": 30, **SEV2_UNRESOLVED}),
    ("SEV2 acknowledged at 5", snap(2, ack=5), {"sev2-page": 0, **SEV2_UNRESOLVED}),
    ("SEV2 resolved at 50", snap(2, resolved=50), {"sev2-page": 0, "sev2-no-ack-30": 30}),
    (
        "SEV2 raised to SEV1 at 20, never acknowledged",
        snap(2, changes=((20, 1),)),
        {
            "sev2-page": 0,
            "sev1-page": 20,  # raised and still unacknowledged: SEV1's pages go out at once
            "sev1-no-ack-15": 20,  # its 15 min passed before the change: due at the change
            **SEV1_UNRESOLVED,
        },
    ),
    (
        "SEV2 raised to SEV1 at 20, acknowledged at 10",
        snap(2, ack=10, changes=((20, 1),)),
        {"sev2-page": 0, **SEV1_UNRESOLVED},
    ),
    (
        "SEV1 lowered to SEV2 at 40",
        snap(1, changes=((40, 2),)),
        {
            "sev1-page": 0,
            "sev2-page": 40,
            "sev1-no-ack-15": 15,
            "sev1-unresolved-30": 30,
            "sev2-no-ack-30": 40,  # catch-up at the change, still unacknowledged
            **SEV2_UNRESOLVED,
        },
    ),
    ("SEV4 has no escalation", snap(4), {}),
]


@pytest.mark.parametrize(("case", "base", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
def test_matrix_minute_by_minute(
    policies: Policies, case: str, base: IncidentSnapshot, expected: dict[str, int]
) -> None:
    assert simulate(policies, base, 250) == expected


def test_plan_lists_fired_due_upcoming_with_due_times(policies: Policies) -> None:
    p = plan(policies, snap(1, fired={"sev1-page": 0, "sev1-no-ack-15": 15}), at(31))
    assert [s.step_id for s in p.fired] == ["sev1-page", "sev1-no-ack-15"]
    assert [s.fired_at for s in p.fired] == [at(0), at(15)]
    assert [(s.step_id, s.due_at) for s in p.due] == [("sev1-unresolved-30", at(30))]
    assert [(s.step_id, s.due_at) for s in p.upcoming] == [
        ("sev1-unresolved-60", at(60)),
        ("sev1-unresolved-120", at(120)),
    ]
    step = p.upcoming[0]
    assert step.condition == "unresolved"
    assert step.after_minutes == 60
    assert step.targets == ("engineering_manager", "executive_oncall")
    assert step.urgency == "high"
    assert p.next_step is not None and p.next_step.step_id == "sev1-unresolved-30"
    page = p.fired[0]  # the page at declaration: severity.yaml's pages, at minute 0
    assert (page.condition, page.after_minutes, page.due_at) == ("no_ack", 0, at(0))
    assert (page.targets, page.urgency) == (("primary_oncall",), "high")
    # Nothing fired yet: the page at declaration is due first, then the rest in order.
    p = plan(policies, snap(1), at(16))
    assert [(s.step_id, s.due_at) for s in p.due] == [
        ("sev1-page", at(0)),
        ("sev1-no-ack-15", at(15)),
    ]
    assert p.next_step is not None and p.next_step.step_id == "sev1-page"
    low = plan(policies, snap(3), at(0)).due
    assert [(s.step_id, s.targets, s.urgency) for s in low] == [
        ("sev3-page", ("primary_oncall",), "low")
    ]


def test_cancelled_steps_say_why(policies: Policies) -> None:
    p = plan(policies, snap(1, ack=3, fired={"sev1-page": 0}), at(10))
    assert [s.step_id for s in p.fired] == ["sev1-page"]
    assert [(s.step_id, s.cancelled_by) for s in p.cancelled] == [("sev1-no-ack-15", "ack")]
    # Acknowledged before any engine ran: the page at declaration is cancelled too.
    p = plan(policies, snap(1, ack=3), at(10))
    assert not p.fired and not p.due
    assert [(s.step_id, s.cancelled_by) for s in p.cancelled] == [
        ("sev1-page", "ack"),
        ("sev1-no-ack-15", "ack"),
    ]
    p = plan(policies, snap(1, resolved=40, fired={"sev1-page": 0, "sev1-no-ack-15": 15}), at(50))
    assert [s.step_id for s in p.fired] == ["sev1-page", "sev1-no-ack-15"]
    assert {s.cancelled_by for s in p.cancelled} == {"resolution"}
    assert not p.due and not p.upcoming


def test_a_missed_step_of_an_earlier_severity_is_reported(policies: Policies) -> None:
    # SEV2's 30-minute step was never fired (nothing was running) before the raise at 35.
    p = plan(policies, snap(2, changes=((35, 1),)), at(36))
    assert ("sev2-no-ack-30", "severity") in [(s.step_id, s.cancelled_by) for s in p.cancelled]


def test_already_fired_steps_survive_a_severity_change(policies: Policies) -> None:
    # SEV2 paged at 0 and re-paged at 30, raised to SEV1 at 35 (its page and re-page fired
    # then), back to SEV2 at 50: the SEV2 page at declaration does not go out again.
    fired: dict[str, float] = {
        "sev2-page": 0,
        "sev2-no-ack-30": 30,
        "sev1-page": 35,
        "sev1-no-ack-15": 35,
    }
    s = snap(2, changes=((35, 1), (50, 2)), fired=fired)
    p = plan(policies, s, at(55))
    assert p.severity == 2
    assert [x.step_id for x in p.fired] == [
        "sev2-page",
        "sev2-no-ack-30",
        "sev1-page",
        "sev1-no-ack-15",
    ]
    assert not p.due  # nothing fires again
    assert [x.step_id for x in p.upcoming] == ["sev2-unresolved-60", "sev2-unresolved-240"]


def test_plan_is_as_of_now(policies: Policies) -> None:
    """A later ack, resolution, severity change or firing has not happened yet."""
    s = snap(2, ack=40, resolved=90, changes=((20, 1),), fired={"sev1-no-ack-15": 20})
    early = plan(policies, s, at(10))
    assert early.severity == 2 and not early.fired and not early.acknowledged
    assert early.upcoming[0].step_id == "sev2-no-ack-30"
    mid = plan(policies, s, at(45))
    assert mid.acknowledged and not mid.resolved
    assert [x.step_id for x in mid.fired] == ["sev1-no-ack-15"]
    assert [x.step_id for x in mid.due] == ["sev1-unresolved-30"]


def test_status_update_cadence(policies: Policies) -> None:
    p = plan(policies, snap(1), at(29))
    assert p.next_update_due == at(30) and not p.update_overdue
    assert plan(policies, snap(1), at(31)).update_overdue
    p = plan(policies, snap(1, update=25), at(40))
    assert p.next_update_due == at(55) and not p.update_overdue
    p = plan(policies, snap(2), at(10))
    assert p.next_update_due == at(60)
    # The severity in force sets the cadence; resolution ends it.
    assert plan(policies, snap(2, changes=((20, 1),)), at(31)).update_overdue
    p = plan(policies, snap(1, resolved=20), at(40))
    assert p.next_update_due is None and not p.update_overdue
