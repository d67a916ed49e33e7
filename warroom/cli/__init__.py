"""The command-line interface: ``warroom`` and its verbs (DESIGN.md, command-line contract).

Exit codes: 0 ok, 1 failure, 2 bad usage or bad input, 3 not permitted.
"""

from __future__ import annotations

import gc

import click

from warroom.cli.context import global_options
from warroom.cli.root import cli


def main() -> None:
    # What the imports made lives as long as the process: the collector, and the exit,
    # skip it from here on (a quarter of a second on every verb; issue 15).
    gc.freeze()
    cli(prog_name="warroom")


# Each module registers its verbs on ``cli`` when imported.
from warroom.cli import (  # noqa: E402, F401
    actions_cmd,
    checklist_cmd,
    compliance_cmd,
    console,
    demo_cmd,
    escalation_cmd,
    export_cmd,
    handoff_cmd,
    incidents,
    keys_cmd,
    metrics_cmd,
    oncall_cmd,
    override_cmd,
    policies_cmd,
    postmortem_cmd,
    serve_cmd,
    status_cmd,
    tokens_cmd,
    verify_cmd,
)

__all__ = ["cli", "click", "global_options", "main"]
