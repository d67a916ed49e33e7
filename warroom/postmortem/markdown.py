"""Putting user text into CommonMark/GFM without letting it change the document.

- :func:`inline` makes text literal on one line (headings, list items, table cells):
  Markdown punctuation is backslash-escaped, ``&`` and ``<`` become entities, newlines
  become spaces, control characters are shown escaped.
- :func:`cell` is :func:`inline` for a GFM table cell, where a newline becomes ``<br>``
  and ``|`` cannot split the row.
- :func:`block` keeps the author's Markdown (lists, emphasis, code) of a section but
  never passes raw HTML through and closes a code fence left open, so one section
  cannot swallow the rest of the document.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from warroom.text import printable

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]{}|~#!])")
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d{1,9}[.)])")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)(?<!`)\1(?!`)")
_AUTOLINK = re.compile(r"<(?:https?|mailto):[^\s<>]*>", re.IGNORECASE)
_PARSER = MarkdownIt("commonmark")


class Md(str):
    """Markdown that is already safe to insert as it is."""

    __slots__ = ()


def _literal(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _INLINE_SPECIAL.sub(r"\\\1", text)


def inline(text: object) -> Md:
    """Literal text on one line."""
    raw = printable(_NEWLINES.sub("\n", str(text)), keep_newlines=True)
    raw = " ".join(part.strip() for part in raw.split("\n") if part.strip())
    raw = raw.replace("\t", " ")
    out = _literal(raw)
    return Md(_LINE_START.sub(lambda m: f"{m[1]}{m[2][:-1]}\\{m[2][-1]}", out, 1))


def cell(text: object) -> Md:
    """Literal text inside a GFM table cell; line breaks kept as ``<br>``."""
    raw = printable(_NEWLINES.sub("\n", str(text)), keep_newlines=True).replace("\t", " ")
    lines = [_literal(part.strip()) for part in raw.split("\n")]
    out = "<br>".join(line for line in lines if line)
    return Md(out or " ")


def _escape_html_outside_code(line: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(line):
        out.append(_escape_html(line[pos : m.start()]))
        out.append(m[0])
        pos = m.end()
    out.append(_escape_html(line[pos:]))
    return "".join(out)


def _escape_html(text: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _AUTOLINK.finditer(text):
        out.append(text[pos : m.start()].replace("<", "&lt;"))
        out.append(m[0])
        pos = m.end()
    out.append(text[pos:].replace("<", "&lt;"))
    return "".join(out)


def _code_lines(text: str) -> tuple[set[int], str | None]:
    """Lines inside code blocks (fenced or indented, at any depth: list items, quotes),
    and the marker of a top-level fence left open (which would swallow what follows)."""
    lines = text.split("\n")
    code: set[int] = set()
    unclosed: str | None = None
    for tok in _PARSER.parse(text):
        if tok.type not in ("fence", "code_block") or tok.map is None:
            continue
        a, b = tok.map
        code.update(range(a, b))
        if tok.type == "fence" and tok.level == 0:
            m = _FENCE.match(lines[b - 1]) if b - a > 1 else None
            closes = m is not None and m[1][0] == tok.markup[0] and not m[2].strip()
            if not (closes and m is not None and len(m[1]) >= len(tok.markup)):
                unclosed = tok.markup
    return code, unclosed


def block(text: object) -> Md:
    """An author's Markdown section, made unable to break the document around it."""
    raw = printable(_NEWLINES.sub("\n", str(text)), keep_newlines=True).strip("\n")
    code, _ = _code_lines(raw)
    lines = [
        line if i in code else _escape_html_outside_code(line)
        for i, line in enumerate(raw.split("\n"))
    ]
    out = "\n".join(lines).rstrip()
    # Checked on the escaped text: a raw HTML block that hid a fence is text now.
    _, unclosed = _code_lines(out)
    if unclosed is not None:
        out += "\n" + unclosed
    return Md(out)
