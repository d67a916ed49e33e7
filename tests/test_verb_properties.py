"""Bad input gets a clear message, never a traceback: every verb of the command line,
found by walking the click tree (a verb added later is covered too), is run in-process
with arguments hypothesis makes up (valid-looking ones, garbage, non-ASCII digits,
times out of range, non-finite numbers). The exit code is 0, 1, 2 or 3 and nothing
reaches the "unexpected error" line of last defence.

Exceptions: ``serve`` runs with ``--print-command`` (it would serve), ``watch`` with
``--once`` (it would run forever), ``demo`` is left out (it opens the console) and
``drill`` gets only its ``--speed`` and ``--list`` (a valid drill runs for minutes).
Paths are plain names in a temp folder, so nothing is written anywhere else.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_helpers import Warroom
from warroom.cli import cli

SKIP = {("demo",)}
FORCED = {("serve",): ["--print-command"], ("watch",): ["--once"]}
PATH_PARAMS = {"output", "set_file", "file", "key", "dir", "drill_db", "directory"}

TRICKY = [
    "INC-1", "INC-2", "inc-1", "1", "2", "0", "-1", "5", "99999999999999999999999",
    "ic", "tech", "comms", "scribe", "IC", "alice", "carol", "Alice", "zed", "@alice",
    "", " ", "²", "١٢", "½", "nan", "inf", "-inf", "1e300", "1e-300", "0x10", "1_000",
    "2026-03-02T09:00", "2026-03-02T09:00Z", "2026-03-02", "09:30", "25:00", "2026-13-45",
    "0001-01-01T00:00+14:00", "9999-12-31T23:59:59-14:00", "0000-01-01", "yesterday",
    "2026-03", "2026-W10", "-", "--", "\x00", "\x1b[2J", "a\nb", "[bold]x[/]", "é" * 300,
    "declare", "mitigated", "resolved", "internal", "customers", "md", "json", "csv",
    "primary", "secondary", "weekly", "monday", "Europe/London", "Mars/Olympus",
]  # fmt: skip
VALUE = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=12),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
SAFE_NAME = st.sampled_from(["out.md", "x.jsonl", "none/here.txt", ".", "..", "", "missing"])


def _verbs(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, cmd in sorted(group.commands.items()):
        here = (*path, name)
        if isinstance(cmd, click.Group):
            yield from _verbs(cmd, here)
        elif here not in SKIP:
            yield here


def _command(path: tuple[str, ...]) -> click.Command:
    cmd: click.Command = cli
    for name in path:
        assert isinstance(cmd, click.Group)
        cmd = cmd.commands[name]
    return cmd


def _value_for(param: click.Parameter) -> st.SearchStrategy[str]:
    if param.name in PATH_PARAMS or isinstance(param.type, click.Path | click.File):
        return SAFE_NAME
    if isinstance(param.type, click.Choice):
        return st.one_of(st.sampled_from([str(c) for c in param.type.choices]), VALUE)
    return VALUE


@st.composite
def _argv(draw: st.DrawFn, path: tuple[str, ...]) -> list[str]:
    cmd = _command(path)
    if path == ("drill",):  # only what is refused or quick: a valid drill runs for minutes
        bad = st.sampled_from(["nan", "inf", "-inf", "1e300", "0", "-1", "x", "²", "100001"])
        return ["drill", *draw(st.sampled_from([["--list"], ["--speed", draw(bad)]]))]
    args: list[str] = []
    for p in cmd.params:
        if isinstance(p, click.Argument):
            count = 1 if p.nargs == 1 else draw(st.integers(0, 2))
            if not p.required and draw(st.booleans()):
                count = 0
            args += [draw(_value_for(p)) for _ in range(count)]
    for p in cmd.params:
        if isinstance(p, click.Option) and draw(st.booleans()):
            flag = p.opts[-1]
            args += [flag] if p.is_flag else [flag, draw(_value_for(p))]
    forced = FORCED.get(path, [])
    return [*path, *[a for a in forced if a not in args], *args]


GLOBAL = st.one_of(
    st.just([]),
    st.tuples(st.sampled_from(["--tz", "--as"]), VALUE).map(list),
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, policies_dir: Path, data_dir: Path) -> Warroom:
    """A database with a few incidents and a policies folder with the demo roster, its
    contacts pointing at a closed local port (nothing leaves the machine)."""
    root = tmp_path_factory.mktemp("verbs")
    pdir = root / "policies"
    shutil.copytree(policies_dir, pdir)
    roster = yaml.safe_load((data_dir / "roster.yaml").read_text())
    for person in roster["people"]:
        person["contacts"] = {
            m: f"json://127.0.0.1:9/{person['name']}/{m}" for m in person["contacts"]
        }
    (pdir / "roster.yaml").write_text(yaml.safe_dump(roster))
    w = Warroom(root / "verbs.db", policies=pdir)
    for sev in (1, 2):
        r = w("declare", "--sev", str(sev), "--title", f"Outage {sev}", "--ic", "alice")
        assert r.exit_code == 0, r.output
    return w


@pytest.mark.parametrize("path", list(_verbs(cli)), ids=" ".join)
def test_every_verb_answers_bad_input_with_an_exit_code_never_a_traceback(
    world: Warroom, path: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # -o FILE and friends write here, if anywhere
    monkeypatch.delenv("WARROOM_DEBUG", raising=False)
    for var in [v for v in os.environ if v.startswith("WARROOM_STATUS_")]:
        monkeypatch.delenv(var)

    @settings(
        max_examples=int(os.environ.get("VERB_EXAMPLES", "25")),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(argv=_argv(path), extra=GLOBAL)
    def check(argv: list[str], extra: list[str]) -> None:
        base = ["--db", str(world.db), "--policies", str(world.policies), "--tz", "UTC"]
        base += ["--as", world.actor]
        result = CliRunner().invoke(cli, [*base, *extra, *argv], input="")
        shown = result.output
        assert result.exit_code in (0, 1, 2, 3), (argv, result.exit_code, shown)
        assert "Traceback" not in shown, (argv, shown)
        assert "unexpected error" not in shown, (argv, shown)
        if result.exception is not None:
            assert isinstance(result.exception, SystemExit), (argv, repr(result.exception))

    check()


@pytest.mark.parametrize(
    "argv",
    [
        ["--tz", "é" * 300, "oncall", "list"],  # OSError: file name too long (zoneinfo)
        ["oncall", "cancel", str(2**63)],  # OverflowError: too large for an INTEGER
        ["declare", "--sev", "²", "--title", "x"],
        ["log", "INC-1", "x", "--at", "0001-01-01T00:00+14:00"],
        ["severity", "INC-1", "2", "--at", "9999-12-31T23:59:59-14:00"],
        ["watch", "--interval", "nan"],
        ["watch", "--lease", "inf"],
        ["drill", "--speed", "1e300"],
    ],
    ids=["tz-too-long", "id-too-large", "sev-superscript", "at-year-0", "at-year-10000",
         "interval-nan", "lease-inf", "speed-huge"],
)  # fmt: skip
def test_what_the_property_test_found_is_bad_input(world: Warroom, argv: list[str]) -> None:
    base = ["--db", str(world.db), "--policies", str(world.policies), "--as", world.actor]
    result = CliRunner().invoke(cli, [*base, *argv])
    assert result.exit_code == 2, result.output
    assert "unexpected error" not in result.output and "Traceback" not in result.output
