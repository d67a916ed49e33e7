"""``warroom postmortem`` end to end: one command for the draft, edits, status, agenda,
and every bad input with its exit code and nothing half-written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.cli_helpers import Warroom, seeded
from tests.postmortem_replay import replay_sev1


@pytest.fixture
def wr(tmp_path: Path) -> Warroom:
    return seeded(tmp_path / "w.db", replay_sev1)


def test_a_resolved_sev1_becomes_a_draft_in_one_command(wr: Warroom, tmp_path: Path) -> None:
    out = tmp_path / "pm.md"
    r = wr("postmortem", "INC-1", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.stdout == f"Post-mortem written to {out}\n"
    text = out.read_text()
    assert text.startswith("# Post-mortem: Checkout \\| down\n")
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    assert sum(1 for t in tokens if t.type == "table_open") == 2  # timeline, severity
    assert "**Duration:** 1 h 08 min" in text
    assert not list(tmp_path.glob(".pm.md.*"))  # no temp file left behind
    stdout = wr("postmortem", "inc-1").stdout
    assert stdout == text


def test_json_format(wr: Warroom) -> None:
    r = wr("postmortem", "INC-1", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["ref"] == "INC-1" and data["duration_min"] == 68
    assert data["deadline"]["state"] == "overdue"  # resolved in March 2026, 48 h deadline
    assert data["deadline"]["due_at"] == "2026-03-04T11:00:00Z"


def test_edit_sections_move_status_and_warn(wr: Warroom, tmp_path: Path) -> None:
    impact = tmp_path / "impact.md"
    impact.write_text("All EU customers for 38 minutes.\n\n- no data lost\n")
    r = wr(
        "postmortem",
        "INC-1",
        "--set",
        "executive_summary=Checkout failed.",
        "--set",
        "root_cause=It was bob's fault; bob forgot the flag.",
        "--set-file",
        f"impact={impact}",
        "--author",
        "carol",
    )
    assert r.exit_code == 0, r.output
    assert r.stdout == "INC-1 post-mortem: executive summary, root cause, impact saved.\n"
    assert 'warning (blameless): Root cause: "bob\'s fault"' in r.stderr
    assert 'Root cause: "bob forgot" names a person as the cause' in r.stderr
    r = wr("postmortem", "INC-1", "--status", "in_review")
    assert r.exit_code == 0 and r.stdout.endswith("Draft -> In Review.\n")
    r = wr("postmortem", "INC-1", "--status", "final")
    assert r.exit_code == 2
    empty = "Detection, Response, Action items, Lessons learned are still empty"
    assert f"cannot be Final: {empty}" in r.stderr
    check = wr("postmortem", "INC-1", "--check")
    assert "Required sections still empty: Detection, Response" in check.stdout
    assert "Blameless warnings: 2" in check.stdout
    for name in ("detection", "response", "action_items", "lessons_learned"):
        assert wr("postmortem", "INC-1", "--set", f"{name}=Done.").exit_code == 0
    r = wr("postmortem", "INC-1", "--status", "final", "-o", str(tmp_path / "final.md"))
    assert r.exit_code == 0, r.output
    assert "**Status:** Final" in (tmp_path / "final.md").read_text()
    r = wr("postmortem", "INC-1", "--set", "impact=late change")
    assert r.exit_code == 2 and "is Final" in r.stderr
    shown = wr.json("show", "INC-1")
    pm = [e["text"] for e in shown["timeline"] if e["kind"] == "postmortem"]
    assert pm[-1] == "Post-mortem: In Review -> Final"


def test_agenda(wr: Warroom) -> None:
    r = wr("postmortem", "INC-1", "--agenda")
    assert r.exit_code == 0, r.output
    assert "# Post-mortem meeting: INC-1" in r.stdout and "- Incident commander: alice" in r.stdout
    data = json.loads(wr("postmortem", "INC-1", "--agenda", "--format", "json").stdout)
    assert data["duration_minutes"] == 60 and data["attendees"][1]["person"] == "bob"


def test_list_shows_the_overdue_post_mortem(wr: Warroom) -> None:
    out = wr("list").stdout
    assert "Post-mortems due:" in out
    assert "INC-1 SEV1 (not started): overdue by" in out
    listed = {i["ref"]: i for i in wr.json("list", "--all")}
    pm = listed["INC-1"]["postmortem"]
    assert (pm["status"], pm["state"], pm["overdue"], pm["started"]) == (
        "draft",
        "overdue",
        True,
        False,
    )
    assert pm["due_at"].endswith("Z") and pm["deadline_hours"] == 48


def broken_policies(tmp_path: Path, policies_dir: Path, template: str | None) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(policies_dir, folder)
    path = folder / "templates" / "postmortem.md.j2"
    if template is None:
        path.unlink()
    else:
        path.write_text(template)
    return folder


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("# {{ incident.title }\n", "has a Jinja2 syntax error at line 1"),
        ("{% for x in timeline %}\n", "has a Jinja2 syntax error"),
        ("{{ no_such_thing }}\n", "failed while rendering INC-1: UndefinedError"),
        ("{{ incident.__class__.__mro__ }}\n", "failed while rendering INC-1"),
        (None, "does not exist"),
    ],
)
def test_a_broken_template_writes_nothing(
    wr: Warroom, tmp_path: Path, policies_dir: Path, template: str | None, message: str
) -> None:
    wr.policies = broken_policies(tmp_path, policies_dir, template)
    out = tmp_path / "pm.md"
    out.write_text("the previous version\n")
    r = wr("postmortem", "INC-1", "-o", str(out))
    assert r.exit_code == 2
    assert message in r.stderr and "Traceback" not in r.output
    assert r.stderr.startswith("warroom: the post-mortem template ")
    assert out.read_text() == "the previous version\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pm.md", "policies", "w.db"]


def test_an_unwritable_output_path(wr: Warroom, tmp_path: Path) -> None:
    a_file = tmp_path / "plain"
    a_file.write_text("x")
    for target, message in [
        (tmp_path / "missing" / "pm.md", "the folder"),
        (a_file / "pm.md", "does not exist"),
        (tmp_path, "it is a folder"),
    ]:
        r = wr("postmortem", "INC-1", "-o", str(target))
        assert r.exit_code == 2, r.output
        assert message in r.stderr and "cannot write" in r.stderr and "Traceback" not in r.output


def test_bad_arguments(wr: Warroom) -> None:
    cases = [
        (["postmortem", "INC-9"], "no incident INC-9"),
        (["postmortem", "INC-1", "--set", "root_cause"], "expected SECTION=TEXT"),
        (["postmortem", "INC-1", "--set", "cause=x"], "unknown post-mortem section 'cause'"),
        (["postmortem", "INC-1", "--status", "done"], "unknown post-mortem status 'done'"),
        (["postmortem", "INC-1", "--set-file", "impact=/nope/x.md"], "cannot read /nope/x.md"),
        (["postmortem", "INC-1", "--format", "pdf"], "Invalid value for '--format'"),
    ]
    for args, message in cases:
        r = wr(*args)
        assert r.exit_code == 2, (args, r.output)
        assert message in r.output, (args, r.output)
