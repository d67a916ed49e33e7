"""Repeat incidents: the same trouble coming back.

An incident is a *repeat* when an earlier real (non-drill) incident, declared at most
``LOOKBACK_DAYS`` before it, has a similar title. Titles are normalized first:
case-folded, split into words of letters (numbers, hosts' digits, punctuation and
short filler words like "the"/"on" dropped, a plural "s" trimmed), so "Checkout API
500s" and "checkout api errors (500)" compare on {checkout, api} and {checkout, api,
error}. Two titles are similar when their word sets are equal or overlap by at least
``MIN_OVERLAP`` (Jaccard: shared words / all words). Each repeat is named with the
most recent similar earlier incident, so a manager can check the pair. The rate is
repeats among the window's incidents / the window's incidents.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from warroom.incident.refs import ref_for
from warroom.models import Incident
from warroom.timeparse import iso_z

LOOKBACK_DAYS = 90
MIN_OVERLAP = 0.6
_WORD = re.compile(r"[^\W\d_]+")
# fmt: off
_FILLER = frozenset({
    "a", "an", "and", "at", "by", "for", "from", "in", "into", "is", "of", "on", "or",
    "the", "to", "with", "via", "after", "during",
})
# fmt: on


def title_words(title: str) -> frozenset[str]:
    words = set()
    for w in _WORD.findall(title.casefold()):
        if w in _FILLER or len(w) < 2:
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        words.add(w)
    return frozenset(words)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class RepeatPair:
    incident: Incident
    earlier: Incident
    similarity: float

    def to_json(self) -> dict[str, Any]:
        inc, old = self.incident, self.earlier
        return {
            "ref": inc.ref or ref_for(inc.id or 0),
            "title": inc.title,
            "declared_at": iso_z(inc.declared_at),
            "repeats_ref": old.ref or ref_for(old.id or 0),
            "repeats_title": old.title,
            "repeats_declared_at": iso_z(old.declared_at),
            "similarity": round(self.similarity, 2),
        }


def repeats(window: Sequence[Incident], history: Sequence[Incident]) -> list[RepeatPair]:
    """The incidents of ``window`` that repeat one of ``history`` (which may include the
    window's own incidents and the 90 days before it); drills are never either side.

    Each is paired with the most recent similar incident before it. Only incidents that
    share a word can be similar, so candidates come from an index of words, newest
    first, within the look-back (thousands of incidents take milliseconds)."""
    lookback = timedelta(days=LOOKBACK_DAYS)
    earlier = sorted((i for i in history if not i.drill), key=_key)
    keys = [_key(i) for i in earlier]
    words = [title_words(i.title) for i in earlier]
    where: dict[str, list[int]] = defaultdict(list)  # word -> positions in ``earlier``
    for pos, ws in enumerate(words):
        for w in ws:
            where[w].append(pos)
    out: list[RepeatPair] = []
    for inc in sorted(window, key=_key):
        if inc.drill:
            continue
        mine = title_words(inc.title)
        lo = bisect_left(keys, (inc.declared_at - lookback, -1))
        hi = bisect_left(keys, _key(inc))
        candidates: set[int] = set()
        for w in mine:
            positions = where.get(w, [])
            candidates.update(positions[bisect_left(positions, lo) : bisect_left(positions, hi)])
        for pos in sorted(candidates, reverse=True):
            score = similarity(mine, words[pos])
            if score >= MIN_OVERLAP:
                out.append(RepeatPair(inc, earlier[pos], score))
                break
    return out


def _key(i: Incident) -> tuple[datetime, int]:
    return (i.declared_at, i.id or 0)
