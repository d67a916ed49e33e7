"""The post-mortem screen and the action items view, driven with Pilot."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static, TextArea

from screens.action_items import ActionItemsScreen
from screens.app import WarroomApp
from screens.declare import DeclareScreen
from screens.postmortem import PostmortemScreen
from tests.console_helpers import ConsoleFactory, paste, settle, show
from tests.data import commands_on
from tests.postmortem_replay import replay_sev1
from warroom.clock import ManualClock
from warroom.policy import Policies
from warroom.postmortem import load_document
from widgets.markdown_preview import MarkdownPreview, split_sections


async def seed(db: Path, clock: ManualClock, policies: Policies) -> int:
    async with commands_on(db, clock, policies) as c:
        inc = await replay_sev1(c, clock)
        await c.add_action(inc.ref or "", "Validate [bold]pool[/] size", owner="bob", due="+7d")
        late = await c.add_action(inc.ref or "", "Add a synthetic check", owner="carol", due="+1d")
        assert inc.id is not None and late.id is not None
        return inc.id


def preview(app: WarroomApp) -> str:
    return app.screen.query_one(MarkdownPreview).source


async def test_edit_preview_save_status_and_export(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies, tmp_path: Path
) -> None:
    incident_id = await seed(db_path, clock, policies)
    async with console(size=(160, 50), actor="alice") as (app, pilot):
        screen = await show(app, pilot, PostmortemScreen(incident_id, export_dir=tmp_path))
        assert "# Post-mortem: Checkout \\| down" in preview(app)
        assert "_To be written: The conditions in the system" in preview(app)
        header = str(screen.query_one("#pm-header", Static).render())
        assert "Post-mortem: Draft" in header and "due in 1d 23h" in header

        screen.query_one("#section-root_cause", TextArea).focus()
        await paste(pilot, "Pool 0")
        await settle(app, pilot)
        assert "## Root cause\n\nPool 0\n" in preview(app)
        assert "1 unsaved" in str(screen.query_one("#pm-header", Static).render())

        impact = screen.query_one("#section-impact", TextArea)
        impact.focus()
        await paste(pilot, "bob's fault")
        await settle(app, pilot)
        warning = screen.query_one("#warn-impact", Static)
        assert warning.has_class("-shown") and "bob's fault" in str(warning.render())
        assert not screen.query_one("#warn-root_cause", Static).has_class("-shown")

        await pilot.press("ctrl+s")
        await settle(app, pilot)
        doc = await load_document(app.store, policies, f"INC-{incident_id}")
        assert doc.sections["root_cause"] == "Pool 0"
        assert doc.sections["impact"] == "bob's fault"
        assert "unsaved" not in str(screen.query_one("#pm-header", Static).render())

        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert (await load_document(app.store, policies, f"INC-{incident_id}")).status == (
            "in_review"
        )
        await pilot.press("ctrl+n")  # Final refused: sections are empty
        await settle(app, pilot)
        doc = await load_document(app.store, policies, f"INC-{incident_id}")
        assert doc.status == "in_review"

        await pilot.press("ctrl+o")
        await settle(app, pilot)
        exported = tmp_path / f"inc-{incident_id}-postmortem.md"
        assert screen.last_export == exported
        text = exported.read_text()
        assert "Pool 0" in text and "**Status:** In Review" in text
        assert "Validate \\[bold\\]pool\\[/\\] size" in text

        await pilot.press("f8")
        await settle(app, pilot)
        assert preview(app).startswith("# Post-mortem meeting: INC-1")


async def test_action_items_view_overdue_first(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    incident_id = await seed(db_path, clock, policies)
    clock.advance(days=3)  # the synthetic check (due +1d) is now overdue
    async with console(size=(140, 30), actor="alice") as (app, pilot):
        screen = await show(app, pilot, ActionItemsScreen())
        table = screen.query_one(DataTable)
        titles = [str(table.get_row_at(r)[-1]) for r in range(table.row_count)]
        assert titles == ["Add a synthetic check", "Validate [bold]pool[/] size"]
        assert "(2d late)" in str(table.get_row_at(0)[5])
        summary = str(screen.query_one("#ai-summary", Static).render())
        assert "1 overdue" in summary and "post-mortems overdue: INC-1" in summary
        await pilot.press("x")  # done: the overdue one
        await settle(app, pilot)
        assert table.row_count == 1
        assert str(table.get_row_at(0)[-1]) == "Validate [bold]pool[/] size"
        await pilot.press("a")
        await settle(app, pilot)
        assert table.row_count == 2 and str(table.get_row_at(1)[6]) == "done"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, PostmortemScreen)
        assert app.screen.incident_id == incident_id
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("d")  # declare works here too
        await settle(app, pilot)
        assert isinstance(app.screen, DeclareScreen)


def test_preview_sections_split_outside_code_fences() -> None:
    text = "# T\n\nintro\n## A\n\n```\n## not a heading\n```\n## B\n#tag\n"
    chunks = split_sections(text)
    assert chunks == ["# T\n\nintro\n", "## A\n\n```\n## not a heading\n```\n", "## B\n#tag\n"]
    assert "".join(chunks) == text


async def test_control_characters_stored_by_the_cli_never_reach_the_terminal(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    """A coloured log saved with ``warroom postmortem --set-file`` is shown with ␛, not
    written to the terminal as escape sequences (which would clear or retitle it)."""
    incident_id = await seed(db_path, clock, policies)
    log = "before \x1b[2J\x1b]0;pwned\x07 after"
    async with commands_on(db_path, clock, policies, actor="bob") as bob:
        await bob.save_sections(f"INC-{incident_id}", {"root_cause": log})
    async with console(size=(160, 50), actor="alice") as (app, pilot):
        screen = await show(app, pilot, PostmortemScreen(incident_id))
        area = screen.query_one("#section-root_cause", TextArea)
        assert area.text == log  # kept exactly
        lines = ["".join(s.text for s in area.render_line(y)) for y in range(area.size.height)]
        assert any("before ␛[2J␛]0;pwned␇ after" in line for line in lines), lines
        drawn = app.export_screenshot()  # the editor and the preview
        assert "\x1b" not in drawn and "\x07" not in drawn


async def test_a_section_saved_elsewhere_while_edited_here_keeps_both_texts(
    console: ConsoleFactory, db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    """Two people write the root cause at once: the second save never wipes the first."""
    incident_id = await seed(db_path, clock, policies)
    ref = f"INC-{incident_id}"
    async with console(size=(160, 50), actor="alice") as (app, pilot):
        screen = await show(app, pilot, PostmortemScreen(incident_id))
        screen.query_one("#section-root_cause", TextArea).focus()
        await paste(pilot, "Pool 0")
        await settle(app, pilot)
        async with commands_on(db_path, clock, policies, actor="bob") as bob:  # elsewhere
            await bob.save_sections(ref, {"root_cause": "Deploy 4812 halved the pool"})
        await app.check_changes()
        await settle(app, pilot)
        text = screen.query_one("#section-root_cause", TextArea).text
        assert "Deploy 4812 halved the pool" in text and "Pool 0" in text
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        stored = (await load_document(app.store, policies, ref)).sections["root_cause"]
        assert stored == text  # both kept, for alice to merge


async def test_saving_over_a_section_someone_else_changed_is_refused(
    db_path: Path, clock: ManualClock, policies: Policies
) -> None:
    from warroom.errors import BadInput

    incident_id = await seed(db_path, clock, policies)
    ref = f"INC-{incident_id}"
    async with commands_on(db_path, clock, policies) as alice:
        store = alice.store
        await alice.save_sections(ref, {"impact": "EU checkout down"})
        try:
            await alice.save_sections(ref, {"impact": "mine"}, base={"impact": ""})
        except BadInput as err:
            assert "someone else saved impact" in err.message
        else:
            raise AssertionError("an unseen change was overwritten")
        doc = await load_document(store, policies, ref)
    assert doc.sections["impact"] == "EU checkout down"
