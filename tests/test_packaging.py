"""The wheel carries the default policies and demo data: `pip install .` gives a working warroom."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_policies_and_finds_them(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(wheels.glob("warroom-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for policy in ("severity", "escalation", "warroom", "oncall", "postmortem", "metrics"):
        assert f"warroom/_bundled/policies/{policy}.yaml" in names
    assert "warroom/_bundled/data/roster.yaml" in names
    assert any(n.startswith("warroom/migrations/versions/") for n in names)
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("WARROOM_POLICIES", None)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import warroom, warroom.policy as p; print(warroom.__file__);"
            "print(p.load_policies().directory)",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    module, policies = out.stdout.split()
    assert module.startswith(str(target))
    assert policies == str(target / "warroom" / "_bundled" / "policies")


def test_make_run_installs_the_runtime_dependencies_only(tmp_path: Path) -> None:
    """`make run` on a fresh machine: no mypy, ruff or hypothesis; `make test` adds them."""
    venv = tmp_path / "venv"

    def plan(target: str) -> str:
        out = subprocess.run(
            ["make", "-n", "-C", str(ROOT), target, f"VENV={venv}"],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout

    run = plan("run")
    assert "pip install --quiet -e ." in run and "[test]" not in run
    assert "pip install --quiet -e '.[test]'" in plan("test")
