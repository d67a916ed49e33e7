"""Policy files: the packaged ones are valid; each kind of broken file gets a clear message."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import Warroom
from warroom.errors import PolicyError
from warroom.policy import load_policies


@pytest.fixture
def pdir(tmp_path: Path, policies_dir: Path) -> Path:
    d = tmp_path / "policies"
    shutil.copytree(policies_dir, d)
    return d


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_packaged_policies_hold_the_process(policies_dir: Path) -> None:
    p = load_policies(policies_dir)
    assert [s.after_minutes for s in p.escalation.steps_for(1)] == [15, 30, 60, 120]
    assert [s.condition for s in p.escalation.steps_for(2)] == [
        "no_ack",
        "unresolved",
        "unresolved",
    ]
    assert p.level(1).war_room == "automatic" and p.level(2).war_room == "offered"
    assert p.warroom.workflow.ids() == ["declare", "assess", "mitigate", "resolve", "follow_up"]
    assert p.oncall.rotation.handoff_time == "10:00"
    assert p.postmortem.deadline_hours["SEV1"] == 48


CASES = [
    (
        "severity.yaml",
        "    response_time_minutes: 15\n",
        "",
        "levels.SEV1.response_time_minutes",
        "required",
    ),
    (
        "escalation.yaml",
        "after_minutes: 15",
        "after_minutes: -15",
        "time_based.SEV1.0.after_minutes",
        "greater than or equal to 0",
    ),
    (
        "escalation.yaml",
        "after_minutes: 30\n",
        "after_minutes: thirty\n",
        "time_based.SEV1.1.after_minutes",
        "number",
    ),
    ("warroom.yaml", "activation:", "activaton:", "activaton", "did you mean 'activation'"),
    ("severity.yaml", "  SEV4:", "  SEV5:", "levels", "unknown severity 'SEV5'"),
    (
        "oncall.yaml",
        "      timeout_minutes: 10\n    - target: engineering_manager",
        "      timeout_minutes: null\n    - target: engineering_manager",
        "escalation_policy.levels",
        "can never be reached",
    ),
    (
        "escalation.yaml",
        "after_minutes: 60",
        "after_minutes: 20",
        "time_based.SEV1.2.after_minutes",
        "not later than",
    ),
    (
        "escalation.yaml",
        "targets: [team_lead]\n      urgency",
        "targets: [the_boss]\n      urgency",
        "time_based.SEV1.1.targets.0",
        "primary_oncall",
    ),
    (
        "oncall.yaml",
        'handoff_time: "10:00"',
        'handoff_time: "25:00"',
        "rotation.handoff_time",
        "HH:MM",
    ),
    ("severity.yaml", "levels:", "levels: [\n", "line", "not valid YAML"),
    # a key written twice: YAML keeps the last silently, so SEV1 would answer in 999 min
    (
        "severity.yaml",
        "    response_time_minutes: 15\n",
        "    response_time_minutes: 15\n    response_time_minutes: 999\n",
        "levels.SEV1.response_time_minutes",
        "twice",
    ),
    # yes/true is not a number of minutes (pydantic would read it as 1)
    (
        "escalation.yaml",
        "after_minutes: 15",
        "after_minutes: yes",
        "time_based.SEV1.0.after_minutes",
        "number",
    ),
    # YAML reads an unquoted 10:00 as the number 600
    (
        "oncall.yaml",
        'handoff_time: "10:00"',
        "handoff_time: 10:00",
        "rotation.handoff_time",
        'quote it: "10:00"',
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "where", "expected"), CASES)
def test_broken_file_is_named_with_key_and_expectation(
    pdir: Path, file: str, old: str, new: str, where: str, expected: str
) -> None:
    edit(pdir / file, old, new)
    with pytest.raises(PolicyError) as err:
        load_policies(pdir)
    msg = str(err.value)
    assert str(pdir / file) in msg
    assert where in msg
    assert expected in msg
    assert "\n" not in msg


def test_missing_file(pdir: Path) -> None:
    (pdir / "metrics.yaml").unlink()
    with pytest.raises(PolicyError, match=r"metrics\.yaml: the policy file is missing"):
        load_policies(pdir)


def test_policies_check_command(pdir: Path, tmp_path: Path) -> None:
    wr = Warroom(tmp_path / "w.db")
    ok = wr("policies", "check", str(pdir))
    assert ok.exit_code == 0 and "ok" in ok.stdout
    edit(pdir / "escalation.yaml", "after_minutes: 15", "after_minutes: -1")
    bad = wr("policies", "check", str(pdir))
    assert bad.exit_code == 2
    assert "escalation.yaml" in bad.stderr and "after_minutes" in bad.stderr
    assert "Traceback" not in bad.output


def test_broken_policies_stop_every_verb_cleanly(pdir: Path, tmp_path: Path) -> None:
    edit(pdir / "severity.yaml", "name: Critical", "name: [unclosed")
    wr = Warroom(tmp_path / "w.db", policies=pdir)
    r = wr("declare", "--sev", "1", "--title", "x")
    assert r.exit_code == 2 and "severity.yaml" in r.stderr


def test_policies_env_var(pdir: Path, tmp_path: Path) -> None:
    edit(
        pdir / "warroom.yaml",
        'channel_format: "#incident-{date}-{slug}"',
        'channel_format: "#inc-{slug}"',
    )
    env = {"WARROOM_POLICIES": str(pdir), "WARROOM_DB": str(tmp_path / "w.db"), "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-m", "warroom", "declare", "--sev", "1", "--title", "Payments down"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "#inc-payments-down" in out.stdout
