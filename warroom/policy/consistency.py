"""Whether the policy files agree with each other (``warroom policies check``).

Each file is valid on its own when it loads; these are the promises that span files:

- the time to acknowledge a severity promises (severity.yaml ``response_time_minutes``,
  what the severity picker says: "respond in 15 min") is the MTTA target the metrics
  measure it against (metrics.yaml ``targets.mtta_minutes``): one number, so an ack in
  time is never reported as a miss;
- no ``no_ack`` escalation step re-pages before that response time is up (the
  responder is not late yet).

Every disagreement is listed, each naming both files and keys.
"""

from __future__ import annotations

from pathlib import Path

from warroom.policy.models import Policies


def _min(v: float) -> str:
    return f"{v:g} min"


def disagreements(policies: Policies) -> list[str]:
    """One line per promise two policy files make differently (empty: they agree)."""
    d = Path(policies.directory)
    sev_file, metrics_file, esc_file = (
        d / "severity.yaml",
        d / "metrics.yaml",
        d / "escalation.yaml",
    )
    out: list[str] = []
    mtta = policies.metrics.targets.mtta_minutes
    for sev, level in policies.severity.levels.items():
        respond = level.response_time_minutes
        target = mtta.get(sev)
        if target is not None and target != respond:
            out.append(
                f"{metrics_file}: at targets.mtta_minutes.{sev}: the time-to-acknowledge target "
                f"is {_min(target)}, but {sev_file} (levels.{sev}.response_time_minutes) "
                f"promises a response in {_min(respond)}; make them the same number (an ack "
                "in time would be reported as a miss, or a late one as met)."
            )
        for i, step in enumerate(policies.escalation.time_based.get(sev, [])):
            if step.condition == "no_ack" and step.after_minutes < respond:
                out.append(
                    f"{esc_file}: at time_based.{sev}.{i}.after_minutes: step {step.id!r} "
                    f"re-pages after {_min(step.after_minutes)} without an ack, before the "
                    f"{_min(respond)} response time of {sev_file} "
                    f"(levels.{sev}.response_time_minutes) is up; make it at least that."
                )
    return out
