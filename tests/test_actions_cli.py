"""``warroom actions`` and ``warroom report monthly`` end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.cli_helpers import Warroom, seeded
from warroom.clock import ManualClock
from warroom.incident.commands import Commands

FAR = "2099-01-31"


async def seed(c: Commands, _clock: ManualClock) -> None:
    """Two incidents declared in March 2026; one action item due (long ago) in March."""
    await c.declare("Checkout down", 1, ic="alice")
    await c.declare("Search slow", 2, ic="alice")
    await c.add_action("INC-1", "Old | item `x`", owner="bob", due="2026-03-05")


@pytest.fixture
def wr(tmp_path: Path) -> Warroom:
    return seeded(tmp_path / "w.db", seed)


def test_add_list_update_done(wr: Warroom) -> None:
    r = wr(
        "actions", "add", "INC-2", "Add a canary", "--owner", "carol", "--due", FAR,
        "--priority", "P1", "--kind", "detection",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert r.stdout == "AI-2 INC-2 [open] P1 detection, carol, 2099-01-31: Add a canary\n"
    items = wr.json("actions", "list")
    assert [i["id"] for i in items] == [1, 2]  # the overdue one first
    assert items[0]["overdue"] is True and items[0]["days_overdue"] > 200
    assert items[1]["overdue"] is False and items[1]["ref"] == "INC-2"
    assert [i["id"] for i in wr.json("actions", "list", "--overdue")] == [1]
    assert [i["id"] for i in wr.json("actions", "list", "--owner", "carol")] == [2]
    assert [i["id"] for i in wr.json("actions", "list", "--incident", "INC-2")] == [2]
    text = wr("actions", "list").stdout
    assert text.splitlines()[0].split() == [
        "ID", "INC", "PRI", "KIND", "OWNER", "DUE", "STATUS", "ACTION",
    ]  # fmt: skip
    assert "d overdue)" in text.splitlines()[1]
    r = wr("actions", "update", "AI-2", "--status", "in_progress", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["status"] == "in_progress"
    r = wr("actions", "done", "2")
    assert r.exit_code == 0 and "[done]" in r.stdout
    assert [i["id"] for i in wr.json("actions", "list")] == [1]
    done = wr.json("actions", "list", "--all")[-1]
    assert done["status"] == "done" and done["completed_at"].endswith("Z")
    r = wr("actions", "update", "1", "--status", "wont_do", "--reason", "superseded")
    assert r.exit_code == 0 and "[won't do]" in r.stdout
    shown = wr.json("show", "INC-2")
    assert [e["kind"] for e in shown["timeline"]].count("action") == 3


def test_bad_input(wr: Warroom, tmp_path: Path, policies_dir: Path, data_dir: Path) -> None:
    cases = [
        (["actions", "add", "INC-1", "x", "--owner", "bob", "--due", "2020-01-01"], "in the past"),
        (["actions", "add", "INC-1", "x", "--owner", "bob"], "Missing option '--due'"),
        (["actions", "add", "INC-7", "x", "--owner", "bob", "--due", FAR], "no incident INC-7"),
        (["actions", "add", "INC-1", "x", "--owner", "bob", "--due", FAR, "--priority", "P9"],
         "unknown priority"),
        (["actions", "update", "AI-1", "--status", "wont_do"], "won't do needs a reason"),
        (["actions", "update", "AI-1", "--status", "later"], "unknown action item status"),
        (["actions", "done", "AI-9"], "no action item AI-9"),
        (["actions", "done", "nine"], "is not an action item"),
        (["report", "monthly", "--month", "2026-13"], "is not a month"),
    ]  # fmt: skip
    for args, message in cases:
        r = wr(*args)
        assert r.exit_code == 2, (args, r.output)
        assert message in r.output and "Traceback" not in r.output, (args, r.output)
    folder = tmp_path / "policies"
    shutil.copytree(policies_dir, folder)
    shutil.copy(data_dir / "roster.yaml", folder / "roster.yaml")
    wr.policies = folder
    r = wr("actions", "add", "INC-1", "x", "--owner", "mallory", "--due", FAR)
    assert r.exit_code == 2 and "unknown owner 'mallory'" in r.stderr
    assert wr("actions", "add", "INC-1", "x", "--owner", "dave", "--due", FAR).exit_code == 0
    assert len(wr.json("actions", "list", "--all")) == 2


def test_monthly_report(wr: Warroom, tmp_path: Path) -> None:
    out = tmp_path / "review.md"
    r = wr("report", "monthly", "--month", "2026-03", "-o", str(out))
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert text.startswith("# Action item review: March 2026\n")
    md = MarkdownIt("commonmark").enable("table")
    html = md.render(text)
    assert "| Created in March 2026 | 1 |" in text
    assert "<td>Old | item `x`</td>" in html  # escaped, one cell
    assert html.count("<table>") == 3  # summary, open items, by owner
    r = wr("report", "monthly", "-o", str(tmp_path / "nope" / "x.md"))
    assert r.exit_code == 2 and "does not exist" in r.stderr
