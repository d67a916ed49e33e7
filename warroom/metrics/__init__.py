"""Incident metrics for managers and auditors (``warroom metrics``, the console's metrics
screen): MTTD/MTTA/MTTM/MTTR per severity against ``policies/metrics.yaml``, action
items, post-mortems on time, repeat incidents and on-call load. Never imports Textual."""

from warroom.metrics.report import MetricsReport, compute, load_metrics
from warroom.metrics.window import DEFAULT_DAYS, Window, window

__all__ = ["DEFAULT_DAYS", "MetricsReport", "Window", "compute", "load_metrics", "window"]
