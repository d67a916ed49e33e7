"""Each verb and the console import only what they need (issue 15): a script calling
``warroom log`` from an alert hook never pays for Alembic, Jinja2, apprise or Textual,
and the console loads the post-mortem renderer when a post-mortem is opened.

Each check runs in a fresh Python process (this one has imported everything) and
reports which of the heavy packages it loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.data import T0, seed_sev1
from warroom.clock import ManualClock

HEAVY = ("alembic", "jinja2", "apprise", "textual", "markdown_it", "icalendar")
RENDERER = "warroom.postmortem.render"

VERB = """
import json, sys
from warroom.cli import cli
try:
    cli.main(args=sys.argv[1:], prog_name="warroom")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"exit": code, "loaded": sorted({m.split(".")[0] for m in sys.modules})}),
      file=sys.stderr)
"""

CONSOLE = """
import asyncio, json, sys
from datetime import timedelta
import warroom.cli  # the path `warroom` takes
from screens.app import make_app
from tests.data import T0
from warroom.clock import ManualClock
from warroom.policy.cached import load_policies

async def main() -> None:
    app = make_app(sys.argv[1], load_policies(), ManualClock(T0 + timedelta(minutes=20)))
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        home = type(app.screen).__name__, "RENDERER" in sys.modules
        app.open_postmortem(int(sys.argv[2]))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        opened = type(app.screen).__name__, "RENDERER" in sys.modules
    print(json.dumps({"home": home, "opened": opened}))

asyncio.run(main())
""".replace("RENDERER", RENDERER)


def _env(tmp_path: Path) -> dict[str, str]:
    root = Path(__file__).resolve().parent.parent
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        WARROOM_USER="alice",
    )


def _verb(tmp_path: Path, db: Path, *args: str) -> tuple[int, set[str]]:
    out = subprocess.run(
        [sys.executable, "-c", VERB, "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=120,
    )
    report = json.loads(out.stderr.strip().splitlines()[-1])
    return report["exit"], set(report["loaded"])


@pytest.fixture
def incident(db_path: Path) -> int:
    import asyncio

    return asyncio.run(seed_sev1(db_path, ManualClock(T0)))


def test_headless_verbs_load_no_migrations_templates_notifier_or_textual(
    tmp_path: Path, db_path: Path, incident: int
) -> None:
    ref = f"INC-{incident}"
    # The first verb after the policies changed checks their status templates (Jinja2)
    # and keeps the result in the cache; the ones after it load the policies from there.
    assert _verb(tmp_path, db_path, "list")[0] in (0, None)
    for args in (["list"], ["log", ref, "rolled back deploy 4812"], ["ack", ref], ["show", ref]):
        code, loaded = _verb(tmp_path, db_path, *args)
        assert code in (0, None), args
        assert not loaded & set(HEAVY), f"warroom {args[0]} loaded {sorted(loaded & set(HEAVY))}"


def test_a_changed_template_is_checked_again(tmp_path: Path, db_path: Path, incident: int) -> None:
    import shutil

    from warroom.policy.loader import bundled_dir

    policies = tmp_path / "policies"
    shutil.copytree(bundled_dir("policies"), policies)
    args = ["--policies", str(policies), "list"]
    assert _verb(tmp_path, db_path, *args)[0] in (0, None)
    assert "jinja2" not in _verb(tmp_path, db_path, *args)[1]
    broken = next((policies / "templates" / "status").glob("*.txt.j2"))
    broken.write_text("{% if %}", encoding="utf-8")
    code, loaded = _verb(tmp_path, db_path, *args)
    assert code == 1 or code == 2, "a broken template is refused, cache or not"
    assert "jinja2" in loaded


def test_the_console_loads_the_postmortem_renderer_when_one_is_opened(
    tmp_path: Path, db_path: Path, incident: int
) -> None:
    out = subprocess.run(
        [sys.executable, "-c", CONSOLE, f"sqlite+aiosqlite:///{db_path}", str(incident)],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["home"] == ["HomeScreen", False], "the renderer loaded before it was needed"
    assert report["opened"] == ["PostmortemScreen", True]
