"""The post-mortem document of a replayed incident, read back with a real Markdown parser."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tests.postmortem_replay import NASTY, replay_sev1
from warroom.clock import ManualClock
from warroom.incident.commands import Commands
from warroom.models import EscalationFiring
from warroom.policy import Policies
from warroom.postmortem import load_document, render_markdown, to_json
from warroom.postmortem.markdown import block, cell, inline
from warroom.store import Store

HEADINGS = [
    "Executive summary",
    "Impact",
    "Timeline (UTC)",
    "Severity history",
    "Pages sent",
    "Roles",
    "Root cause",
    "Detection",
    "Response",
    "Contributing factors",
    "Action items",
    "Lessons learned",
    "Appendix",
]


def gfm() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Every table as rows of cell texts (header row first)."""
    out: list[list[list[str]]] = []
    row: list[str] = []
    inside = False
    for t in tokens:
        if t.type == "table_open":
            out.append([])
        elif t.type == "tr_open":
            row = []
        elif t.type in ("th_open", "td_open"):
            inside = True
            row.append("")
        elif t.type == "inline" and inside:
            row[-1] = "".join(
                "\n" if c.type == "html_inline" and c.content == "<br>" else c.content
                for c in t.children or []
            )
        elif t.type in ("th_close", "td_close"):
            inside = False
        elif t.type == "tr_close":
            out[-1].append(row)
    return out


def headings(tokens: list[Token]) -> list[str]:
    return [
        tokens[i + 1].content
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag in ("h2", "h3")
    ]


@pytest.fixture
async def replayed(commands: Commands, clock: ManualClock, store: Store) -> str:
    inc = await replay_sev1(commands, clock)
    ref = inc.ref or ""
    await commands.add_action(ref, "Add a canary | stage `now`", owner="bob", due="+7d")
    await commands.add_action(ref, "Alert on <script> error rate", owner="carol", due="+14d")
    async with store.read() as s:
        s.add(
            EscalationFiring(
                incident_id=inc.id or 0,
                step_key="sev1-no-ack-15",
                due_at=datetime(2026, 3, 2, 10, 18, tzinfo=UTC),
                fired_at=datetime(2026, 3, 2, 10, 18, tzinfo=UTC),
                fired_by="watch",
                detail={"action": "Page the team lead", "recipients": [{"person": "frank"}]},
            )
        )
        await s.commit()
    await commands.save_sections(
        ref,
        {
            "executive_summary": "Checkout failed for **all** customers for 38 minutes.",
            "root_cause": "A config push skipped the canary.\n\n```\nunclosed <b> fence",
            "impact": "Customers | revenue <script>alert(2)</script>",
        },
    )
    return ref


@pytest.fixture
async def md(replayed: str, store: Store, policies: Policies) -> str:
    """The replayed incident's post-mortem, rendered as Markdown."""
    return render_markdown(await load_document(store, policies, replayed))


async def test_document_has_every_section_and_the_facts(md: str) -> None:
    tokens = gfm().parse(md)
    assert tokens[0].type == "heading_open"
    assert "".join(c.content for c in tokens[1].children or []) == "Post-mortem: Checkout | down"
    assert headings(tokens) == HEADINGS
    assert "**Duration:** 1 h 08 min (2026-03-02 09:52 to 2026-03-02 11:00 UTC)" in md
    assert "**Duration of impact:** 38 min" in md
    assert "**Time to detect:** 8 min" in md
    assert "**Time to resolve:** 1 h 00 min" in md
    assert "**Incident commander:** alice" in md
    assert "**Status:** Draft" in md
    assert "**Severity:** SEV1 (Critical)" in md


async def test_timeline_rows_are_milestones_and_key_events_in_time_order(md: str) -> None:
    timeline, severity, pages, actions = tables(gfm().parse(md))
    header, *rows = timeline
    assert header == ["Time (UTC)", "Event", "Description", "By"]
    times = [r[0] for r in rows]
    assert times == sorted(times)
    events = [r[1] for r in rows]
    assert events == [
        "Started",
        "Detected",
        "Declared",
        "Decision",  # the war room opened
        "Role",  # IC: alice
        "Acknowledged",
        "Checklist",  # one summary row of the automated entries
        "Role",  # ENG: bob
        "Note",  # every entry a person wrote is in the war room's record
        "Decision",  # 10:12, recorded after the 10:20 one
        "Decision",
        "Severity",
        "Severity",
        "Mitigated",
        "Resolved",
        "Action item",
        "Action item",
    ]
    assert "Error rate 40% after deploy 4411" in str(rows)  # a note
    assert all(len(r) == 4 for r in timeline)
    decision = rows[10]
    assert decision[0] == "2026-03-02 10:20"
    assert decision[2] == NASTY  # literal text, the line break kept as <br>
    assert [r[1:3] for r in severity[1:]] == [["-", "SEV1"], ["SEV1", "SEV2"], ["SEV2", "SEV1"]]
    assert pages[1] == ["2026-03-02 10:18", "Page the team lead", "frank"]
    assert actions[0] == ["ID", "Action", "Owner", "Priority", "Due date", "Status"]
    assert actions[1][1] == "Add a canary | stage `now`"
    assert actions[2][1] == "Alert on <script> error rate"


async def test_user_text_cannot_break_the_document(md: str) -> None:
    tokens = gfm().parse(md)
    html = gfm().render(md)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert not [t for t in tokens if t.type == "html_block"]
    inline_html = {c.content for t in tokens if t.children for c in t.children if "html" in c.type}
    assert inline_html <= {"<br>"}
    # the unclosed fence in the root cause is closed before Detection starts
    assert "Detection" in headings(tokens)
    fence = next(t for t in tokens if t.type == "fence")
    assert fence.content == "unclosed <b> fence\n"
    assert "Customers | revenue" in html


async def test_json_has_the_same_facts(replayed: str, store: Store, policies: Policies) -> None:
    data = to_json(await load_document(store, policies, replayed))
    assert data["ref"] == replayed and data["status"] == "draft" and data["severity"] == 1
    assert data["duration_min"] == 68 and data["impact_min"] == 38
    assert data["time_to_detect_min"] == 8 and data["time_to_resolve_min"] == 60
    assert data["resolved_at"] == "2026-03-02T11:00:00Z"
    assert data["roles"] == {"ic": "alice", "comms": None, "tech": "bob", "scribe": None}
    assert [r["at"] for r in data["timeline"]] == sorted(r["at"] for r in data["timeline"])
    assert data["deadline"] == {
        "required": True,
        "deadline_hours": 48,
        "due_at": "2026-03-04T11:00:00Z",
        "state": "due",
        "overdue": False,
        "on_time": None,
    }
    assert "detection" in data["missing_sections"] and "impact" not in data["missing_sections"]
    assert len(data["action_items"]) == 2 and data["pages"][0]["to"] == "frank"
    assert data["meeting"]["attendees"][0] == {
        "role": "incident_commander",
        "label": "Incident commander",
        "person": "alice",
    }


async def test_an_unresolved_incident_still_renders(
    commands: Commands, clock: ManualClock, store: Store, policies: Policies
) -> None:
    inc = await replay_sev1(commands, clock, resolve=False)
    md = render_markdown(await load_document(store, policies, inc.ref or ""))
    assert "not resolved yet" in md and "**Time to resolve:** unknown" in md
    assert "due 48 h after resolution" in md


@pytest.mark.parametrize(
    "text",
    ["a | b", "`code`", "<script>x</script>", "line1\nline2\r\nline3", "\\|", "- item", "1. x"],
)
def test_a_table_cell_stays_one_cell(text: str) -> None:
    md = f"| A | B |\n|---|---|\n| {cell(text)} | end |\n"
    rows = tables(gfm().parse(md))[0]
    assert rows[1][1] == "end" and len(rows[1]) == 2
    assert rows[1][0].replace("\n", "") == re.sub(r"\r?\n|\r", "", text)


def test_inline_and_block_escape_what_they_must() -> None:
    assert gfm().render(f"# {inline('Fix #')}").strip() == "<h1>Fix #</h1>"
    assert gfm().render(inline("- not a list")).startswith("<p>- not a list")
    assert gfm().render(inline("&lt; stays")).strip() == "<p>&amp;lt; stays</p>"
    kept = gfm().render(block("* a list\n* `<b>` in code\n\n<https://example.com>"))
    assert "<li><code>&lt;b&gt;</code> in code</li>" in kept
    assert '<a href="https://example.com">' in kept
    assert "<b>" not in gfm().render(block("raw <b>html</b>"))


@pytest.mark.parametrize(
    "text",
    [
        "1. roll back\n   ```sh\n   kubectl rollout undo\n   ```\n2. <b>done</b>",
        "- ```\n  code\n  ```\n<script>x</script>",
        "```\nnever closed <b>",
        "<!--\n\n```\n<b>hidden</b>",
        "> ```\n> quoted, never closed",
    ],
)
def test_a_section_with_code_cannot_swallow_the_document(text: str) -> None:
    html = gfm().render(f"## Response\n\n{block(text)}\n\n## Next\n\nafter\n")
    assert "<h2>Next</h2>" in html and "<p>after</p>" in html
    assert "<b>" not in html and "<script>" not in html
