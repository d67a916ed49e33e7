"""Incident references: ``INC-7``, ``inc-7`` and ``7`` all name incident 7."""

from __future__ import annotations

import re

from warroom.errors import NotFound

_REF = re.compile(r"^\s*(?:inc-?)?(\d{1,9})\s*$", re.IGNORECASE)


def ref_for(incident_id: int) -> str:
    return f"INC-{incident_id}"


def parse_ref(text: str) -> int:
    m = _REF.match(text)
    if not m:
        raise NotFound(
            f"{text!r} is not an incident reference; use the form INC-7 (see warroom list)."
        )
    return int(m[1])
