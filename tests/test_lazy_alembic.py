"""Opening an up-to-date database reads its revision with a plain query and never loads
Alembic (issue 15: it cost about 0.2 s on every verb)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from tests.data import T0
from warroom.clock import ManualClock
from warroom.store import HEAD_REVISION, MIGRATIONS, Store

OPEN_AND_REPORT = """
import asyncio, sys
from warroom.store import Store

async def main() -> None:
    for read_only in (False, True):
        store = await Store.open(sys.argv[1], read_only=read_only)
        await store.change_mark()
        await store.close()
    loaded = any(m.split(".")[0] == "alembic" for m in sys.modules)
    print("alembic loaded" if loaded else "no alembic")

asyncio.run(main())
"""


def test_the_head_constant_is_the_newest_migration() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head == HEAD_REVISION, (
        f"a migration was added: set HEAD_REVISION = {head!r} in warroom/store.py"
    )


async def test_opening_an_up_to_date_database_does_not_import_alembic(db_path: Path) -> None:
    store = await Store.open(db_path, ManualClock(T0))  # created and migrated here
    await store.close()
    out = subprocess.run(
        [sys.executable, "-c", OPEN_AND_REPORT, str(db_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == "no alembic", out.stderr


def test_a_database_without_a_schema_is_still_migrated(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    out = subprocess.run(
        [sys.executable, "-c", OPEN_AND_REPORT, str(db)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == "alembic loaded", out.stderr
