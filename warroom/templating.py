"""The one Jinja2 set-up for documents people write from templates (post-mortems,
status updates): sandboxed, strict about undefined names, no autoescape (the callers
escape what they render themselves), one cached environment per folder."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment


@functools.lru_cache(maxsize=16)
def sandboxed_environment(
    folder: Path,
    finalize: Callable[[Any], Any],
    filters: tuple[tuple[str, Callable[..., Any]], ...] = (),
    *,
    keep_trailing_newline: bool = False,
) -> SandboxedEnvironment:
    """The environment of templates under ``folder`` (a changed file is re-read)."""
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=keep_trailing_newline,
        finalize=finalize,
    )
    env.filters.update(dict(filters))
    return env
