"""``warroom serve``: the browser console runs this same warroom with the same options."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.cli_helpers import Warroom
from tests.net_helpers import free_port
from warroom.cli.web_console import console_command


def test_the_console_command_carries_the_global_options_absolute_and_quoted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policies_dir: Path
) -> None:
    folder = tmp_path / "it's a dir; rm -rf ~"
    folder.mkdir()
    monkeypatch.chdir(folder)
    wr = Warroom(Path("team $HOME.db"), actor="Zoë O'Brien", tz="Europe/Paris")
    wr.policies = policies_dir
    r = wr("serve", "--print-command")
    assert r.exit_code == 0, r.output
    assert shlex.split(r.stdout) == [
        sys.executable,
        "-m",
        "warroom",
        "--db",
        f"sqlite+aiosqlite:///{folder / 'team $HOME.db'}",
        "--policies",
        str(Path(policies_dir).resolve()),
        "--as",
        "Zoë O'Brien",
        "--tz",
        "Europe/Paris",
    ]
    relative = console_command(
        "sqlite+aiosqlite:////x.db", policies_dir="../p", actor="a", tz_name=None
    )
    assert relative.argv[relative.argv.index("--policies") + 1] == str(tmp_path / "p")
    assert "--tz" not in relative.argv  # no --tz: the console uses the same local zone


def test_a_password_goes_through_the_environment_not_the_command_line() -> None:
    url = "postgresql+asyncpg://war:s3cret@db.example/warroom"
    cmd = console_command(url, policies_dir=None, actor="alice", tz_name="UTC")
    assert "s3cret" not in cmd.shell and "--db" not in cmd.argv
    assert cmd.env == {"WARROOM_DB": url}


def _first_answer(proc: subprocess.Popen[bytes], port: int) -> tuple[int, str] | None:
    """The server's first answer to ``GET /``; None when it exited before answering."""
    deadline = time.monotonic() + 30
    while proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                return resp.status, resp.read().decode()
        except (urllib.error.URLError, ConnectionError):
            assert time.monotonic() < deadline, "the server did not answer in 30 s"
            time.sleep(0.1)  # polling a server that is starting, not waiting for a timer
    return None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def test_the_server_answers_over_http_and_stops(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "warroom", "--db", str(tmp_path / "w.db"), "--as", "alice"]
    for _attempt in range(3):  # a parallel test worker may take the free port first
        port = free_port()
        proc = subprocess.Popen(
            [*argv, "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            answer = _first_answer(proc, port)
        finally:
            _stop(proc)
        error = proc.stderr.read().decode() if proc.stderr else ""
        if answer is not None or "in use" not in error:
            break
    assert answer is not None, error
    status, page = answer
    assert status == 200
    assert "warroom" in page and f"ws://127.0.0.1:{port}/ws" in page
