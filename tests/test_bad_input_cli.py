"""Absurd values on the command line are bad input (exit 2, one clear line, nothing
stored), never "unexpected error"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import Warroom


@pytest.fixture
def wr(tmp_path: Path) -> Warroom:
    w = Warroom(tmp_path / "w.db")
    assert w("declare", "--sev", "1", "--title", "Checkout down").exit_code == 0
    return w


CASES = [
    (("declare", "--sev", "²", "--title", "x"), "bad severity"),
    (("declare", "--sev", "١", "--title", "x"), "bad severity"),  # an Arabic-Indic one
    (("log", "INC-1", "x", "--at", "0001-01-01T00:00+14:00"), "outside the times"),
    (("log", "INC-1", "x", "--at", "9999-12-31T23:59:59-14:00"), "outside the times"),
    (("declare", "--sev", "2", "--title", "y", "--at", "0001-01-01T00:00+14:00"), "outside"),
    (("severity", "INC-1", "2", "--at", "9999-12-31T23:59:59-14:00"), "outside the times"),
    (("resolve", "INC-1", "--at", "0001-01-01T00:00+14:00"), "outside the times"),
    (("watch", "--interval", "nan"), "--interval"),
    (("watch", "--interval", "inf"), "--interval"),
    (("drill", "--speed", "inf"), "--speed"),
    (("drill", "--speed", "nan"), "--speed"),
    (("drill", "--speed", "1e300"), "--speed"),
]


@pytest.mark.parametrize(
    ("args", "said"), CASES, ids=lambda v: " ".join(v) if isinstance(v, tuple) else None
)
def test_absurd_values_are_bad_input_and_change_nothing(
    wr: Warroom, args: tuple[str, ...], said: str
) -> None:
    before = wr.json("show", "INC-1")["timeline"]
    r = wr(*args)
    assert r.exit_code == 2, r.output
    assert said in r.output and "unexpected" not in r.output and "Traceback" not in r.output
    assert wr.json("show", "INC-1")["timeline"] == before
    assert "INC-2" not in wr("list", "--all").stdout
