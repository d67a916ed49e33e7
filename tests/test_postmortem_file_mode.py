"""Post-mortem files hold the incident log: written 0600 unless the user says otherwise
(issue 12)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.cli_helpers import Warroom, seeded
from tests.postmortem_replay import replay_sev1


@pytest.fixture
def wr(tmp_path: Path) -> Warroom:
    return seeded(tmp_path / "w.db", replay_sev1)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_post_mortem_agenda_and_monthly_review_files_are_private(
    wr: Warroom, tmp_path: Path
) -> None:
    old = os.umask(0o022)  # the usual umask: open() would make them 0644
    try:
        for args, name in [
            (("postmortem", "INC-1"), "pm.md"),
            (("postmortem", "INC-1", "--format", "json"), "pm.json"),
            (("postmortem", "INC-1", "--agenda"), "agenda.md"),
            (("report", "monthly", "--month", "2026-03"), "monthly.md"),
        ]:
            out = tmp_path / name
            r = wr(*args, "-o", str(out))
            assert r.exit_code == 0, r.output
            assert mode(out) == 0o600, name
    finally:
        os.umask(old)


def test_the_user_can_say_otherwise(wr: Warroom, tmp_path: Path) -> None:
    shared = tmp_path / "shared.md"
    r = wr("postmortem", "INC-1", "-o", str(shared), "--file-mode", "644")
    assert r.exit_code == 0, r.output
    assert mode(shared) == 0o644
    chosen = tmp_path / "chosen.md"  # a file the owner already gave a mode keeps it
    chosen.write_text("old")
    chosen.chmod(0o640)
    assert wr("postmortem", "INC-1", "-o", str(chosen)).exit_code == 0
    assert mode(chosen) == 0o640 and chosen.read_text().startswith("# Post-mortem")


def test_a_bad_file_mode_is_bad_input_and_writes_nothing(wr: Warroom, tmp_path: Path) -> None:
    out = tmp_path / "pm.md"
    r = wr("postmortem", "INC-1", "-o", str(out), "--file-mode", "rw-r--r--")
    assert r.exit_code == 2 and "not a file mode" in r.output
    assert not out.exists()
