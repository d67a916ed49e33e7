"""The demo's data files: ``data/demo/open.yaml`` (the open incidents as scripts) and
``data/demo/history.yaml`` (three months of closed incidents), validated."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from warroom.drills.events import Event
from warroom.errors import PolicyError
from warroom.strict import HHMM, Strict


class OpenIncident(Strict):
    key: str
    title: str
    severity: int = Field(ge=1, le=4)
    declared: float = Field(ge=0)  # minutes before the demo's "now"
    started: float | None = None  # minutes after the declaration (negative: before)
    detected: float | None = None
    by: str
    ic: str | None = None
    war_room: bool | None = None
    bridge: str | None = None
    events: list[Event] = Field(default_factory=list)


class OpenFile(Strict):
    you: str
    incidents: list[OpenIncident]


class PastAction(Strict):
    title: str
    owner: str
    priority: str = "P2"
    kind: str = "preventive"
    due_days: int = Field(ge=0)
    done_days: int | None = Field(default=None, ge=0)


class PastPostmortemStep(Strict):
    """One step of a past incident's post-mortem, done through the command layer:
    ``sections`` (their text saved, the post-mortem started as a Draft) or ``status``
    (moved to ``in_review``, ``final`` or back to ``draft``)."""

    model_config = ConfigDict(populate_by_name=True)

    after_days: float = Field(ge=0)  # days after the resolution
    actor: str | None = Field(default=None, alias="as")  # default: the incident's IC
    sections: dict[str, str] | None = None
    status: str | None = None

    @model_validator(mode="after")
    def _one_thing(self) -> PastPostmortemStep:
        if (self.sections is None) == (self.status is None):
            raise ValueError("a post-mortem step gives either sections or status")
        return self


class PastIncident(Strict):
    title: str
    severity: int = Field(ge=1, le=4)
    days_ago: int = Field(ge=1)
    hour: HHMM  # UTC
    started: float
    detected: float
    ic: str
    tech: str | None = None  # a name, or "oncall" (the primary on-call at the time)
    ack: float
    mitigated: float
    resolved: float
    closed_days: float
    notes: list[Event] = Field(default_factory=list)  # events of the one format
    actions: list[PastAction] = Field(default_factory=list)
    postmortem: list[PastPostmortemStep] = Field(default_factory=list)


class HistoryFile(Strict):
    incidents: list[PastIncident]


def load_data(path: Path, model: type[BaseModel]) -> BaseModel:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(data)
    except FileNotFoundError:
        raise PolicyError(f"{path}: the demo data file is missing.") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise PolicyError(f"{path}: the demo data is broken: {exc}") from None


def demo_actor(data_dir: Path) -> str:
    """Whom the demo console acts as by default (the SEV1's incident commander)."""
    opened = load_data(data_dir / "demo" / "open.yaml", OpenFile)
    assert isinstance(opened, OpenFile)
    return opened.you
