"""``--db`` pointed at another application's SQLite file is refused before anything is
written to it; an empty file given as the database is adopted, private (issue 12)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tests.cli_helpers import Warroom


def digest(folder: Path) -> dict[str, str]:
    """Every file of the folder and its content: "nothing changed" means this is equal."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def app_db(tmp_path: Path) -> Path:
    """Another application's database (a browser history, say)."""
    folder = tmp_path / "other-app"
    folder.mkdir()
    path = folder / "history.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE urls (id INTEGER PRIMARY KEY, url TEXT)")
    con.execute("INSERT INTO urls (url) VALUES ('https://example.com')")
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize(
    "verb",
    [
        ("list",),
        ("show", "INC-1"),
        ("declare", "--sev", "2", "--title", "x"),
        ("log", "INC-1", "x"),
    ],
)
def test_another_applications_database_is_refused_and_left_alone(
    app_db: Path, verb: tuple[str, ...]
) -> None:
    before = digest(app_db.parent)
    r = Warroom(app_db)(*verb)
    assert r.exit_code == 2
    assert str(app_db) in r.stderr
    assert "is not a warroom database: it holds another application's tables (urls)" in r.stderr
    assert "Traceback" not in r.output
    assert digest(app_db.parent) == before  # no warroom table, no WAL switch, no new file
    con = sqlite3.connect(app_db)
    tables = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["urls"]
    con.close()


def test_an_empty_file_is_adopted_and_made_private(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    path.touch()
    os.chmod(path, 0o644)
    w = Warroom(path)
    r = w("list")
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert w("declare", "--sev", "2", "--title", "Checkout slow").exit_code == 0
    assert "Checkout slow" in w("list").output


def test_a_warroom_database_still_opens(tmp_path: Path) -> None:
    w = Warroom(tmp_path / "w.db")
    assert w("declare", "--sev", "2", "--title", "Checkout slow").exit_code == 0
    assert "Checkout slow" in w("list").output
