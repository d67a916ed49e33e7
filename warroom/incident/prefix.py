"""The ``ROLE:`` prefix of a timeline entry: one grammar for ``warroom log`` and the
console's scribe line.

Accepted spellings (the prefixes are the policy's ``message_prefixes``, by default
IC, COMMS, ENG and SCRIBE):

- the prefix starts the text (in the console: the line, or right after its
  ``@TIME``), in any case (``IC:``, ``ic:``, ``Eng:``), and is followed at once by a
  colon: ``IC : x`` and `` IC: x`` are plain text, stored as typed;
- the spaces or tabs right after the colon are dropped (``IC:x``, ``IC: x`` and
  ``IC:\\tx`` all store ``x``); the rest of the text is stored exactly as typed,
  another prefix included (``IC: ENG: x`` stores ``ENG: x`` as the IC's);
- a word that is not a prefix is text (``NOTAROLE: x``, ``http://x``);
- a prefix with nothing after it (``COMMS:``) is refused, nothing is stored;
- ``warroom log --role R`` sets the role and stores the text as given, unparsed.
  The console's ``@14:02`` (backdating) is ``--at 14:02`` on the command line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from warroom.errors import BadInput
from warroom.text import printable

_PREFIX = re.compile(r"([A-Za-z]+):[ \t]*")


def match_role_prefix(text: str, prefixes: Mapping[str, str]) -> tuple[str, str, str] | None:
    """``(role id, the prefix as typed, the rest)`` when ``text`` starts with a role
    prefix of ``prefixes`` (prefix -> role id), else None. Never refuses anything."""
    m = _PREFIX.match(text)
    if m is None:
        return None
    wanted = {k.upper(): v for k, v in prefixes.items()}
    role = wanted.get(m[1].upper())
    if role is None:
        return None
    return role, m[1], text[m.end() :]


def nothing_after(head: str) -> BadInput:
    """The one refusal of a prefix (or ``@TIME``) with no text after it."""
    return BadInput(f"nothing to record after {printable(head)[:40]}; type the entry's text.")


def split_role_prefix(text: str, prefixes: Mapping[str, str]) -> tuple[str | None, str]:
    """``(role id or None, the text to store)``; refuses a prefix with nothing after it."""
    found = match_role_prefix(text, prefixes)
    if found is None:
        return None, text
    role, typed, rest = found
    if not rest.strip():
        raise nothing_after(f"{typed}:")
    return role, rest
