"""Escalation: the pure engine, the snapshot it reads, firing exactly once, the loop."""

from warroom.escalation.engine import IncidentSnapshot, Plan, Step, plan
from warroom.escalation.loop import EscalationLoop, TickReport
from warroom.escalation.snapshot import load_snapshot

__all__ = [
    "EscalationLoop",
    "IncidentSnapshot",
    "Plan",
    "Step",
    "TickReport",
    "load_snapshot",
    "plan",
]
