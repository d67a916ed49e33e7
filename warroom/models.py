"""The store's tables (SQLModel). Times are UTC-aware datetimes in Python.

Schema changes go through Alembic migrations in ``warroom/migrations``; a test
checks that these models and the migrations agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python; naive UTC in SQLite, timestamptz in PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; times must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(nullable: bool = True, **kw: Any) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, **kw))


def _ts_required(**kw: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=False, **kw))


class Incident(SQLModel, table=True):
    __tablename__ = "incident"

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, index=True, max_length=32)
    title: str
    severity: int = Field(ge=1, le=4)
    status: str = Field(default="open", max_length=16)  # open, mitigated, resolved, closed
    phase: str = Field(default="declare", max_length=32)
    channel: str | None = None
    bridge: str | None = None
    war_room: bool = False
    drill: bool = False
    created_by: str
    started_at: datetime | None = _ts()
    detected_at: datetime | None = _ts()
    declared_at: datetime = _ts_required()
    acknowledged_at: datetime | None = _ts()
    mitigated_at: datetime | None = _ts()
    resolved_at: datetime | None = _ts()
    closed_at: datetime | None = _ts()
    acknowledged_by: str | None = None


class SeverityChange(SQLModel, table=True):
    __tablename__ = "severity_change"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = _ts_required()
    from_severity: int | None = None
    to_severity: int
    by: str


class RoleAssignment(SQLModel, table=True):
    """Who held a war-room role from ``at`` until ``ended_at`` (null: still holds it)."""

    __tablename__ = "role_assignment"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    role: str = Field(max_length=16)  # ic, comms, tech, scribe
    person: str
    at: datetime = _ts_required()
    ended_at: datetime | None = _ts()
    by: str


class TimelineEntry(SQLModel, table=True):
    """Append-only, hash-chained per incident and across the database (``gseq`` ...,
    :mod:`warroom.audit.chain`). A correction is a new entry."""

    __tablename__ = "timeline_entry"
    __table_args__ = (
        UniqueConstraint("incident_id", "seq", name="uq_timeline_incident_seq"),
        Index("ix_timeline_incident_at", "incident_id", "at"),
        Index("ix_timeline_gseq", "gseq", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    seq: int
    at: datetime = _ts_required()
    recorded_at: datetime = _ts_required()
    author: str
    role: str | None = Field(default=None, max_length=16)
    kind: str = Field(default="note", max_length=32)
    text: str
    key_event: bool = False
    corrects_id: int | None = None
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    # The database chain: the entry's place among every incident's entries, the entry
    # before it there, what it changed in its incident (JSON, :mod:`warroom.audit.
    # projection`) and the link hashes. Null only in rows written outside warroom.
    gseq: int | None = None
    prior_incident_id: int | None = None
    prior_seq: int | None = None
    state: str | None = None
    gprev_hash: str | None = Field(default=None, max_length=64)
    ghash: str | None = Field(default=None, max_length=64)


class ChainHead(SQLModel, table=True):
    """The one row naming the newest link of the database chain, signed at every commit
    (:mod:`warroom.audit.chain`); also the lock every append takes."""

    __tablename__ = "chain_head"

    id: int = Field(default=1, primary_key=True)
    database_id: str = Field(max_length=32)
    gseq: int = 0
    ghash: str = Field(max_length=64)
    incident_id: int | None = None
    seq: int | None = None
    at: datetime | None = _ts()
    key: str | None = Field(default=None, max_length=64)
    signature: str | None = Field(default=None, max_length=128)


class AuditCheckpoint(SQLModel, table=True):
    """A signed head kept in the history (every hundred entries, and at the migration)."""

    __tablename__ = "audit_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    reason: str = Field(max_length=16)  # regular, migration
    database_id: str = Field(max_length=32)
    gseq: int = Field(index=True)
    ghash: str = Field(max_length=64)
    incident_id: int | None = None
    seq: int | None = None
    at: datetime | None = _ts()
    key: str | None = Field(default=None, max_length=64)
    signature: str | None = Field(default=None, max_length=128)


class ChecklistItem(SQLModel, table=True):
    __tablename__ = "checklist_item"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    phase: str = Field(max_length=32)
    position: int
    text: str
    done: bool = False
    done_by: str | None = None
    done_at: datetime | None = _ts()


class ActionItem(SQLModel, table=True):
    __tablename__ = "action_item"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    title: str
    kind: str = Field(
        default="preventive", max_length=16
    )  # preventive, detection, process, runbook
    owner: str | None = None
    priority: str = Field(default="P2", max_length=4)  # P1..P3
    due: date | None = None
    status: str = Field(default="open", max_length=16)  # open, in_progress, done, wont_do
    reason: str | None = None
    created_by: str
    created_at: datetime = _ts_required()
    completed_at: datetime | None = _ts()


class EscalationFiring(SQLModel, table=True):
    """A step fired; the unique constraint is what makes it fire exactly once."""

    __tablename__ = "escalation_firing"
    __table_args__ = (UniqueConstraint("incident_id", "step_key", name="uq_firing_step"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    step_key: str = Field(max_length=128)
    due_at: datetime = _ts_required()
    fired_at: datetime = _ts_required()
    fired_by: str
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Delivery(SQLModel, table=True):
    """One notification to one person by one method (an escalation page), or one status
    update to one destination, with its attempts."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("firing_id", "person", "method", name="uq_delivery_once"),
        Index("ix_delivery_status_next", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    firing_id: int | None = Field(default=None, foreign_key="escalation_firing.id", index=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    person: str
    method: str = Field(max_length=16)
    status: str = Field(default="pending", max_length=16)  # pending, sent, failed
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = _ts()
    sent_at: datetime | None = _ts()
    created_at: datetime = _ts_required()
    claimed_by: str | None = Field(default=None, max_length=64)  # the sender's lease token
    # A status update queued to an audience's destination (``person`` is the audience,
    # ``method`` the URL's scheme); the title is fixed when it is queued. The URL (it
    # holds tokens) is never stored: ``destination`` says which one (``AUDIENCE#N``) and
    # the sender resolves it from the configuration (:mod:`warroom.comms.destinations`);
    # ``destination_label`` is scheme and host only. ``url``: rows queued before 0003.
    status_update_id: int | None = Field(default=None, foreign_key="status_update.id", index=True)
    url: str | None = None
    title: str | None = None
    destination: str | None = Field(default=None, max_length=80)
    destination_label: str | None = Field(default=None, max_length=120)


class StatusUpdate(SQLModel, table=True):
    __tablename__ = "status_update"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = _ts_required()
    audience: str = Field(max_length=32)  # internal, customers, executives
    stage: str | None = Field(default=None, max_length=32)
    text: str
    author: str


class Person(SQLModel, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    handle: str | None = None
    team: str | None = None
    tz: str = "UTC"
    contacts: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class OncallOverride(SQLModel, table=True):
    """Someone covers a shift (or two people swap) from ``starts_at`` to ``ends_at``."""

    __tablename__ = "oncall_override"

    id: int | None = Field(default=None, primary_key=True)
    rotation: str
    person: str
    replaces: str | None = None
    starts_at: datetime = _ts_required()
    ends_at: datetime = _ts_required()
    kind: str = Field(default="cover", max_length=16)  # cover, swap
    arranged_by: str
    created_at: datetime = _ts_required()
    reason: str | None = None
    pair: str | None = Field(default=None, max_length=40)  # both halves of a swap share it
    cancelled_at: datetime | None = _ts()
    cancelled_by: str | None = None


class Handoff(SQLModel, table=True):
    """A rotation change review: notes by the outgoing, acknowledgment by the incoming."""

    __tablename__ = "handoff"
    __table_args__ = (UniqueConstraint("rotation", "at", name="uq_handoff_rotation_at"),)

    id: int | None = Field(default=None, primary_key=True)
    rotation: str
    at: datetime = _ts_required()
    outgoing: str | None = None
    incoming: str | None = None
    notes: str = ""
    notes_by: str | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = _ts()


class Postmortem(SQLModel, table=True):
    __tablename__ = "postmortem"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", unique=True)
    status: str = Field(default="draft", max_length=16)  # draft, in_review, final
    author: str | None = None
    sections: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts_required()
    updated_at: datetime = _ts_required()
    final_at: datetime | None = _ts()


class Change(SQLModel, table=True):
    """The change feed: one row per mutation, written in the same transaction."""

    __tablename__ = "change"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, index=True)
    kind: str = Field(max_length=32)
    at: datetime = _ts_required()


class AccessToken(SQLModel, table=True):
    """A person's token for the web console (``warroom.access``): only its SHA-256 is kept."""

    __tablename__ = "access_token"

    id: int | None = Field(default=None, primary_key=True)
    person: str = Field(max_length=80)
    digest: str = Field(unique=True, index=True, max_length=64)
    prefix: str = Field(max_length=16)
    created_at: datetime = _ts_required()
    created_by: str
    last_used_at: datetime | None = _ts()
    revoked_at: datetime | None = _ts()
    revoked_by: str | None = None
