"""Plain-text output for people: aligned columns, local times, control characters escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from warroom.text import printable


def local(dt: datetime | None, tz: tzinfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return dt.astimezone(tz).strftime(fmt) if dt else "-"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], max_width: int = 60) -> str:
    cells = [[printable(str(c if c is not None else "-"))[:max_width] for c in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in cells:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    lines = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(headers)).rstrip()]
    for r in cells:
        lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())
    return "\n".join(lines)


def fields(pairs: Sequence[tuple[str, object]]) -> str:
    width = max(len(k) for k, _ in pairs)
    return "\n".join(
        f"{k.ljust(width)}  {printable(str(v if v is not None else '-'))}" for k, v in pairs
    )
