"""The default policies agree with each other and with the process, and ``policies
check`` says where two files (or the roster beside them) disagree: exit 2, each
problem naming its file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import Warroom
from warroom.policy import Policies
from warroom.policy.consistency import disagreements


def check(tmp_path: Path, pol_dir: Path) -> tuple[int, str]:
    r = Warroom(tmp_path / "w.db")("policies", "check", str(pol_dir))
    assert "Traceback" not in r.output
    return r.exit_code, r.output


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_the_picker_s_respond_in_is_the_mtta_target(policies: Policies) -> None:
    targets = policies.metrics.targets.mtta_minutes
    for sev, level in policies.severity.levels.items():
        assert targets[sev] == level.response_time_minutes, sev
    assert disagreements(policies) == []


def test_the_escalation_levels_are_the_process_s(policies: Policies) -> None:
    """Primary 5 min, secondary 10 min, then the engineering manager (at 15 min)."""
    levels = policies.oncall.escalation_policy.levels
    assert [(lvl.target, lvl.timeout_minutes) for lvl in levels] == [
        ("primary_oncall", 5),
        ("secondary_oncall", 10),
        ("engineering_manager", None),
    ]


def test_the_packaged_policies_and_the_demo_roster_pass(tmp_path: Path, pol_dir: Path) -> None:
    code, out = check(tmp_path, pol_dir)
    assert code == 0, out
    assert "roster.yaml: ok (6 people" in out


def test_an_mtta_target_unlike_the_response_time_is_refused(tmp_path: Path, pol_dir: Path) -> None:
    edit(pol_dir / "metrics.yaml", "SEV1: 15, SEV2: 30", "SEV1: 5, SEV2: 30")
    code, out = check(tmp_path, pol_dir)
    assert code == 2
    assert "metrics.yaml: at targets.mtta_minutes.SEV1" in out
    assert "severity.yaml (levels.SEV1.response_time_minutes)" in out
    assert "5 min" in out and "15 min" in out


def test_a_no_ack_re_page_before_the_response_time_is_refused(
    tmp_path: Path, pol_dir: Path
) -> None:
    edit(pol_dir / "escalation.yaml", "after_minutes: 15", "after_minutes: 10")
    code, out = check(tmp_path, pol_dir)
    assert code == 2
    assert "escalation.yaml: at time_based.SEV1.0.after_minutes: step 'sev1-no-ack-15'" in out


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        (
            "  - name: bob\n",
            '  - name: Alice\n    contacts: {sms: "json://pager.example.com/sms/x"}\n'
            "  - name: bob\n",
            "people.1.name: 'Alice' is already the name of people.0 ('alice'",
        ),
        (
            "id: platform-secondary",
            "id: platform-primary",
            "rotations.1.id: the id 'platform-primary' is already used by rotations.0",
        ),
    ],
    ids=["person-named-twice", "rotation-id-twice"],
)
def test_policies_check_reads_the_roster_and_names_what_is_twice(
    tmp_path: Path, pol_dir: Path, old: str, new: str, named: str
) -> None:
    edit(pol_dir / "roster.yaml", old, new)
    code, out = check(tmp_path, pol_dir)
    assert code == 2, out
    assert named in out
    assert "none yet" not in out
