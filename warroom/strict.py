"""The one strict base of every model read from a hand-edited file (the policies, the
roster, the demo and drill scenarios), and the one rule for a local time written
``HH:MM`` in those files.

Strict models refuse unknown keys (a typo is an error, not a silently ignored key),
are frozen, and refuse ``true``/``false`` where a number belongs (pydantic would read
it as 1 or 0). A local time is a quoted ``"HH:MM"``, 00:00 to 23:59; an unquoted
``10:00`` (YAML 1.1 reads it as the number 600) gets a hint saying how to write it.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, field_validator

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def no_bool_for_number(value: Any, annotation: Any) -> Any:
    """Refuse ``true``/``false`` for a number field (pydantic would read it as 1 or 0)."""
    if isinstance(value, bool):
        kinds = {annotation, *getattr(annotation, "__args__", ())}
        if bool not in kinds and kinds & {int, float}:
            raise ValueError(f"expected a number, not {str(value).lower()}")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_numbers(cls, v: object, info: ValidationInfo) -> object:
        field = cls.model_fields.get(info.field_name or "")
        return no_bool_for_number(v, field.annotation) if field else v


def sexagesimal_hint(value: Any) -> str | None:
    """For an int that YAML made out of an unquoted ``H:MM``, how to write it instead."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        h, m = divmod(value, 60)
        return (
            f'YAML reads an unquoted {h}:{m:02d} as the number {value}; quote it: "{h:02d}:{m:02d}"'
        )
    return None


def hhmm(value: object) -> object:
    """Validate a local time written ``HH:MM`` (a pydantic before-validator)."""
    hint = sexagesimal_hint(value)
    if hint:
        raise ValueError(hint)
    if not isinstance(value, str) or not _HHMM.match(value):
        raise ValueError(f"expected a local time as HH:MM, got {value!r}")
    return value


# A field holding a local time of day, "HH:MM".
HHMM = Annotated[str, BeforeValidator(hhmm)]


def time_of(text: str) -> time:
    """The time of day of a validated ``HH:MM`` string."""
    hh, mm = text.split(":")
    return time(int(hh), int(mm))
