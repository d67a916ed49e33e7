"""The policies a verb loads come from the user's cache while nothing they were read
from changed (warroom/policy/cached.py), and never once something did."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from warroom.errors import PolicyError
from warroom.policy import cached
from warroom.policy.loader import bundled_dir
from warroom.policy.loader import load_policies as load_uncached


@pytest.fixture
def policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "policies"
    shutil.copytree(bundled_dir("policies"), folder)
    return folder


def _loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Count the loads that read the files (the cache misses)."""
    calls: list[Path] = []

    def counting(d: Path) -> object:
        calls.append(d)
        return load_uncached(d)

    monkeypatch.setattr(cached, "load_uncached", counting)
    return calls


def test_a_second_load_comes_from_the_cache(
    policies: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _loads(monkeypatch)
    first = cached.load_policies(policies)
    again = cached.load_policies(policies)
    assert again == first == load_uncached(policies)
    assert again.directory == str(policies)
    assert len(calls) == 1


def test_an_edited_file_is_read_again(policies: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _loads(monkeypatch)
    assert cached.load_policies(policies).severity.levels["SEV1"].name == "Critical"
    path = policies / "severity.yaml"
    path.write_text(path.read_text().replace("name: Critical", "name: Meltdown", 1))
    assert cached.load_policies(policies).severity.levels["SEV1"].name == "Meltdown"
    assert len(calls) == 2


def test_a_broken_file_is_refused_after_a_good_load(policies: Path) -> None:
    cached.load_policies(policies)
    (policies / "escalation.yaml").write_text("time_based: [unclosed\n")
    with pytest.raises(PolicyError, match=r"escalation\.yaml: is not valid YAML"):
        cached.load_policies(policies)


def test_a_broken_template_is_refused_after_a_good_load(policies: Path) -> None:
    cached.load_policies(policies)
    template = sorted((policies / "templates" / "status").glob("*.txt.j2"))[0]
    template.write_text("{% if %}")
    with pytest.raises(PolicyError, match="Jinja2 syntax error"):
        cached.load_policies(policies)


@pytest.mark.parametrize("damage", ["garbage", "writable by others"])
def test_a_damaged_or_foreign_cache_is_not_used(
    policies: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    calls = _loads(monkeypatch)
    cached.load_policies(policies)
    [path] = (Path(cached.user_cache_dir("warroom", appauthor=False))).glob("policies-*")
    if damage == "garbage":
        path.write_bytes(path.read_bytes()[:80] + b"not a pickle")
    else:
        path.chmod(0o666)
    assert cached.load_policies(policies) == load_uncached(policies)
    assert len(calls) == 2
