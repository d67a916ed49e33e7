"""Checks and cleaning of text people type."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from warroom.errors import BadInput

MAX_ENTRY_CHARS = 65_536
MAX_TITLE_CHARS = 200
MAX_NAME_CHARS = 80
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def has_control(text: str, *, allow_newlines: bool = True) -> bool:
    return bool((_CONTROL if allow_newlines else _CONTROL_ALL).search(text))


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """Terminal control characters shown escaped (``\\x1b``) so they cannot act."""
    pattern = _CONTROL if keep_newlines else _CONTROL_ALL

    def esc(m: re.Match[str]) -> str:
        ch = m.group(0)
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(ch, f"\\x{ord(ch):02x}")

    return pattern.sub(esc, text)


def check_unicode(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"{what} is not valid Unicode text (it has a lone surrogate).") from None


def check_entry_text(text: str) -> str:
    """Entry text is stored byte-exact; only emptiness, size and encoding are refused."""
    if not text.strip():
        raise BadInput("the entry is empty; type some text.")
    if len(text) > MAX_ENTRY_CHARS:
        raise BadInput(
            f"the entry is {len(text):,} characters; the limit is {MAX_ENTRY_CHARS:,}. "
            "Put long logs in a file or paste and record a link to it."
        )
    check_unicode(text, "the entry")
    return text


def check_line(text: str, what: str, limit: int) -> str:
    """A one-line field (title, name): trimmed, no control characters, bounded."""
    value = text.strip()
    if not value:
        raise BadInput(f"the {what} is empty.")
    if has_control(value, allow_newlines=False):
        raise BadInput(
            f"the {what} {printable(value)!r} contains control characters; "
            "use plain text on one line."
        )
    if len(value) > limit:
        raise BadInput(f"the {what} is {len(value)} characters; the limit is {limit}.")
    check_unicode(value, f"the {what}")
    return value


def slug(text: str, max_length: int = 40) -> str:
    """``"DB down: EU-west!"`` -> ``"db-down-eu-west"``, cut at a word boundary."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for w in words:
        candidate = f"{out}-{w}" if out else w
        if len(candidate) > max_length:
            break
        out = candidate
    return out or (words[0][:max_length] if words else "incident")


# Characters JSON leaves raw that still act on a terminal or split a "line" for some
# readers (DEL, C1 controls, NEL, the Unicode line and paragraph separators).
_JSON_UNSAFE = {c: f"\\u{c:04x}" for c in [*range(0x7F, 0xA0), 0x2028, 0x2029]}


def safe_json(data: Any, *, indent: int | None = None) -> str:
    """JSON with non-ASCII text kept readable and every character that acts on a
    terminal escaped (``json.dumps`` escapes only those below 0x20)."""
    return json.dumps(data, indent=indent, ensure_ascii=False).translate(_JSON_UNSAFE)
