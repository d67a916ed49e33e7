"""Shared test data: the fixed instant, the packaged folders, hostile text, seeding.

Import from here instead of writing a constant again in a test file; the fixtures in
``conftest.py`` (``clock``, ``db_path``, ``db_url``, ``console``) are built on these.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from warroom.clock import ManualClock
from warroom.incident.commands import Commands
from warroom.policy import Policies, load_policies
from warroom.policy.loader import bundled_dir
from warroom.store import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""Every test's "now" unless it says otherwise: a Monday, before the 10:00 handoff."""

ACTOR = "tester"
"""The console's actor when a test does not name one (``make_app``'s default)."""

POLICIES_DIR: Path = bundled_dir("policies")
"""The packaged default policies (the ``policies_dir`` fixture)."""

DATA_DIR: Path = bundled_dir("data")
"""The packaged demo data: the demo roster, scenarios (the ``data_dir`` fixture)."""

# --- hostile text ------------------------------------------------------------------------

MARKUP = [
    "[bold]not bold",
    "[/]",
    "[@click=app.quit]quit[/]",
    "[link=x]a link[/link]",
]
"""Rich/Textual markup typed as text: must be stored and shown literally."""

CONTROL = [
    "escape \x1b[2J\x1b]0;title\x07 bell \x00 nul \x9b csi",
    "tab\there\r\nand a newline",
]
"""Terminal escapes and control characters: stored byte-exact, never drawn raw."""

NASTY = MARKUP + CONTROL
"""Everything a scribe line must survive."""

MARKUP_TITLE = "[bold]DB[/] down [@click=app.quit]click[/] [link=https://x]y[/link]"
"""An incident title that is markup, actions and links."""

EXPORT_NASTY = [
    'Rolled back, "v2.3" | v2.4, then\nre-deployed;\r\nthen paged, ünïcødé ✓ 🚨',
    "tab\there, a lone \r, a line\u2028separator, NEL\x85 and \x1b[31mred\x1b[0m",
]
"""Text that tries to break CSV and JSON Lines exports."""

MARKDOWN_NASTY = "rolled back | deploy `4411` <script>alert(1)</script>\nsecond line | more"
"""A timeline entry that tries to break a Markdown table (post-mortem key events)."""

TEMPLATE_TITLE = "Checkout {{ 7*7 }} {% raw %} [bold]down[/] \\x1b"
TEMPLATE_TEXT = "We found it: [bold]{{ config }}[/]\n{% for x in y %}\n  second line\x1b[2J"
"""A title and a status text that are Jinja and markup: never evaluated, never styled."""

# --- databases and seeding -----------------------------------------------------------------


def sqlite_url(db: Path) -> str:
    """The SQLAlchemy URL of a SQLite file (what ``--db PATH`` becomes)."""
    return f"sqlite+aiosqlite:///{db}"


@asynccontextmanager
async def commands_on(
    db: Path | str,
    clock: ManualClock | None = None,
    policies: Policies | None = None,
    *,
    actor: str = "alice",
) -> AsyncIterator[Commands]:
    """The command layer on ``db`` (opened, migrated, closed after), acting as ``actor``:
    how a test seeds a database as the CLI would."""
    async with await Store.open(db, clock or ManualClock(T0)) as store:
        yield Commands(store, policies or load_policies(POLICIES_DIR), actor, UTC)


async def seed_sev1(
    db: Path, clock: ManualClock, policies: Policies | None = None, *, ic: str = ACTOR
) -> int:
    """A SEV1 declared at the clock's time with ``ic`` as IC and two entries, as the CLI
    would write them; the clock ends 10 minutes later. Returns the incident id."""
    async with commands_on(db, clock, policies) as c:
        inc = await c.declare("Checkout API returns 500 for EU customers", 1, ic=ic)
        clock.advance(minutes=3)
        await c.log(inc.ref or "", "Error rate 40% on checkout-api since deploy 4812", role="tech")
        clock.advance(minutes=2)
        await c.log(inc.ref or "", "Rolling back deploy 4812", kind="decision", role="ic")
        clock.advance(minutes=5)
        assert inc.id is not None
        return inc.id
