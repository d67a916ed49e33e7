"""The one event format of the demo's scripts (``data/demo/open.yaml``) and the game-day
drills (``data/drills/*.yaml``), and its runner.

An event is one verb of the registry (:mod:`warroom.incident.verbs`) at a minute of
the incident, done by someone::

    - {at_min: 2, as: bob, do: ack}
    - {at_min: 3, as: alice, do: assign, role: tech, person: bob}
    - {at_min: 5, as: bob, do: log, role: ENG, text: "error rate 38%"}
    - {at_min: 12, as: dave, do: log, role: SCRIBE, when_min: 10, text: "..."}  # backdated
    - {at_min: 7, as: alice, do: severity, to: 1}
    - {at_min: 13, as: alice, do: phase, to: mitigate}
    - {at_min: 9, as: erin, do: status, audience: customers, text: "..."}
    - {at_min: 9, as: erin, do: checklist, item: Send the first status update}
    - {at_min: 36, as: alice, do: action, text: "...", owner: carol, priority: P1,
       kind: preventive, due_days: 14}
    - {at_min: 70, as: bob, do: mitigate}        # also resolve, close, decision, milestone

``at_min`` is minutes after the declaration; ``as`` defaults to the scenario's IC (a
drill) or the incident's declarer (the demo); ``do`` is a verb or one of its aliases;
the other fields are those the verb takes (the registry says which), anything else is
an error in the file. ``when_min`` backdates the entry (minutes after the
declaration). Every event runs through :func:`warroom.incident.verbs.perform`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import ConfigDict, Field, model_validator

from warroom.errors import BadInput
from warroom.incident.commands import Commands, severity_number
from warroom.incident.verbs import VERBS, Command, Outcome, lookup, perform, verb
from warroom.strict import Strict

# The fields an event may give beside at_min, as and do (each verb takes some of them).
EVENT_FIELDS = (
    "text",
    "role",
    "person",
    "to",
    "kind",
    "audience",
    "stage",
    "item",
    "owner",
    "priority",
    "due_days",
    "when_min",
)
# Verbs after which the escalation engine may have something new to do (the others,
# notes, checklist ticks, roles, action items, cannot make a step due sooner).
MOVES_ENGINE = frozenset({"ack", "sev", "status", "resolved", "close"})


class Event(Strict):
    model_config = ConfigDict(populate_by_name=True)

    at_min: float = Field(ge=0)  # minutes after the declaration
    actor: str | None = Field(default=None, alias="as")
    do: str
    text: str | None = None
    role: str | None = None
    person: str | None = None
    to: int | str | None = None
    kind: str | None = None
    audience: str | None = None
    stage: str | None = None
    item: str | None = None
    owner: str | None = None
    priority: str | None = None
    due_days: int | None = Field(default=None, ge=0)
    when_min: float | None = None  # a backdated entry: minutes after the declaration

    @model_validator(mode="after")
    def _fits_its_verb(self) -> Event:
        v = lookup(self.do)
        if v is None:
            raise ValueError(f"unknown verb {self.do!r}; the verbs are {', '.join(VERBS)}")
        given = {f for f in EVENT_FIELDS if getattr(self, f) is not None}
        extra = sorted(given - set(v.fields))
        if extra:
            takes = ", ".join(v.fields) or "nothing more"
            raise ValueError(f"{self.do} does not take {', '.join(extra)} (it takes {takes})")
        missing = [f for f in v.required if f not in given]
        if missing:
            raise ValueError(f"{self.do} needs {', '.join(missing)}")
        if v.takes == "severity":
            try:
                severity_number(self.to or "")
            except BadInput as err:
                raise ValueError(err.message) from None
        return self

    @property
    def verb(self) -> str:
        """The registry name of the verb (``severity`` -> ``sev``)."""
        return verb(self.do).name

    def call(self, start: datetime) -> Command:
        """The registry call; ``start`` is the declaration (minute 0)."""
        v = verb(self.do)
        value = getattr(self, v.arg_field) if v.arg_field else None
        return Command(
            v.name,
            "" if value is None else str(value),
            role=self.role,
            at=None if self.when_min is None else start + timedelta(minutes=self.when_min),
            kind=self.kind,
            audience=self.audience,
            stage=self.stage,
            owner=self.owner,
            priority=self.priority,
            due_days=self.due_days,
        )


async def run_event(commands: Commands, ref: str, event: Event, start: datetime) -> Outcome:
    """Play one event on incident ``ref`` as ``commands``'s actor. Status updates never
    go to the destinations of the environment: a script is not a real incident."""
    return await perform(commands, ref, event.call(start), environ={})
