"""``--file-mode OCTAL``: the permission bits of a file a verb writes (``-o FILE``).

Post-mortems, exports and reports hold the incident log, so a new file is private
(0600, as the database is) unless the user says otherwise with this option; a file that
already exists keeps the mode its owner gave it (:func:`warroom.files.write_atomic`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import click

PRIVATE = 0o600
_OCTAL = re.compile(r"^0?o?[0-7]{3}$")


def _parse(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int:
    if value is None:
        return PRIVATE
    text = value.strip().lower()
    if not _OCTAL.match(text):
        raise click.BadParameter(
            f"{value!r} is not a file mode; give three octal digits, like 600 or 644."
        )
    return int(text[-3:], 8)


def file_mode_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--file-mode",
        "file_mode",
        metavar="OCTAL",
        callback=_parse,
        help="Permissions of a new -o FILE (default 600: only you can read it, as it "
        "holds the incident log; 644 lets others on this machine read it).",
    )(fn)
