"""Blameless by default: notice when a section names a person as the cause.

Only ever a warning. It looks for phrasings that put the cause in a person ("X's
fault", "human error by", "should have known") and for a known name (roster people,
their handles, the people on the incident) right next to "caused", "forgot" or
"failed to", and suggests describing the system condition instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from warroom.postmortem.sections import title

SUGGESTION = (
    "describe the system condition instead: what made the action possible or likely, "
    "and which signal or safeguard was missing"
)
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\b[\w@.-]+['’]s\s+(?:own\s+)?(?:fault|mistake|blunder|screw[- ]?up)\b", re.I),
        "puts the fault on a person",
    ),
    (
        re.compile(r"\b(?:human|operator|user)[- ]error\b(?:\s+(?:by|of|from)\s+[\w@.-]+)?", re.I),
        "calls the cause human error",
    ),
    (
        re.compile(r"\bshould(?:\s+have|['’]ve)\s+known(?:\s+better)?\b", re.I),
        "judges with hindsight",
    ),
    (
        re.compile(r"\b(?:careless(?:ly|ness)?|negligen(?:t|ce)|incompeten(?:t|ce))\b", re.I),
        "judges a person",
    ),
)
_VERBS = r"(?:caused|forgot|failed\s+to|neglected|ignored|broke)"


@dataclass(frozen=True)
class BlamelessWarning:
    section: str
    phrase: str
    reason: str

    @property
    def message(self) -> str:
        return f'{title(self.section)}: "{self.phrase}" {self.reason}; {SUGGESTION}.'

    def to_json(self) -> dict[str, str]:
        return {"section": self.section, "phrase": self.phrase, "message": self.message}


def _name_patterns(names: Iterable[str]) -> list[re.Pattern[str]]:
    cleaned = sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True)
    if not cleaned:
        return []
    alt = "|".join(re.escape(n) for n in cleaned)
    who = rf"(?<![\w@])(?:{alt})(?![\w])"
    return [
        re.compile(rf"{who}(?:['’]s)?(?:\s+\w+)?\s+{_VERBS}\b", re.I),
        re.compile(rf"\b(?:caused|broken)\s+by\s+{who}", re.I),
    ]


def check_text(section: str, text: str, names: Iterable[str] = ()) -> list[BlamelessWarning]:
    """Warnings for one section's text (empty when it reads blameless)."""
    found: list[BlamelessWarning] = []
    seen: set[tuple[int, int]] = set()
    for pattern, reason in _PHRASES:
        for m in pattern.finditer(text):
            seen.add(m.span())
            found.append(BlamelessWarning(section, " ".join(m[0].split()), reason))
    for pattern in _name_patterns(names):
        for m in pattern.finditer(text):
            if any(a <= m.start() < b for a, b in seen):
                continue
            seen.add(m.span())
            found.append(
                BlamelessWarning(section, " ".join(m[0].split()), "names a person as the cause")
            )
    return found


def check_sections(
    sections: Mapping[str, str], names: Iterable[str] = ()
) -> list[BlamelessWarning]:
    names = list(names)
    out: list[BlamelessWarning] = []
    for section, text in sections.items():
        if text:
            out.extend(check_text(section, text, names))
    return out
