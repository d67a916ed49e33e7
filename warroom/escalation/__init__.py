"""Escalation: the pure engine, the snapshot it reads, firing exactly once, the loop."""

from typing import TYPE_CHECKING, Any

from warroom.escalation.engine import IncidentSnapshot, Plan, Step, plan
from warroom.escalation.snapshot import load_snapshot

if TYPE_CHECKING:
    from warroom.escalation.loop import EscalationLoop, TickReport


def __getattr__(name: str) -> Any:
    """The loop (firing, delivery, apprise) loads with its first use (issue 15)."""
    if name in ("EscalationLoop", "TickReport"):
        from warroom.escalation import loop

        return getattr(loop, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EscalationLoop",
    "IncidentSnapshot",
    "Plan",
    "Step",
    "TickReport",
    "load_snapshot",
    "plan",
]
