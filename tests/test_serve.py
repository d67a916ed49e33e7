"""``warroom serve``: the browser console runs this same warroom with the same options."""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.cli_helpers import Warroom
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_server_answers_over_http_and_stops(tmp_path: Path) -> None:
    port = _free_port()
    argv = [sys.executable, "-m", "warroom", "--db", str(tmp_path / "w.db"), "--as", "alice"]
    proc = subprocess.Popen(
        [*argv, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while status is None:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                    status, page = resp.status, resp.read().decode()
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the server did not answer in 30 s"
                time.sleep(0.1)  # polling a server that is starting, not waiting for a timer
        assert status == 200
        assert "warroom" in page and f"ws://127.0.0.1:{port}/ws" in page
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
