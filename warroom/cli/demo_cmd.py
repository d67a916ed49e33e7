"""``warroom demo``: the console on a separate demo database, filled from ``data/``."""

from __future__ import annotations

import asyncio
import shlex
from pathlib import Path

import click

from warroom.cli.console import open_console
from warroom.cli.context import CliContext, guard
from warroom.cli.root import cli

pass_ctx = click.make_pass_decorator(CliContext)


def join_hints(
    actor: str | None, given_as: bool, folder: Path | None, home: Path, no_console: bool
) -> list[str]:
    """What to type for another console on this demo: the same ``--dir`` (when one was
    given) and ``--join`` (a plain ``warroom demo`` would rebuild it under the first)."""
    where = f" --dir {shlex.quote(str(folder))}" if folder is not None else ""
    hints = [f"You act as {actor}."]
    if no_console:
        me = f"--as {shlex.quote(actor)} " if given_as and actor else ""
        hints.append(f"Open the console on it: warroom {me}demo{where} --join")
    db, policies = shlex.quote(str(home / "demo.db")), shlex.quote(str(home / "policies"))
    hints.append(f"Another console on it, as someone else: warroom --as NAME demo{where} --join")
    hints.append(f"  (or: warroom --db {db} --policies {policies} --as NAME ...)")
    return hints


@cli.command()
@click.option(
    "--dir",
    "folder",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the demo database and its policies go (default: a demo folder in your "
    "user-data dir). Never your own database.",
)
@click.option(
    "--join",
    is_flag=True,
    help="Open the demo database as it is, without rebuilding it (a second console: "
    "e.g. `warroom --as dave demo --join` for the scribe).",
)
@click.option("--no-console", is_flag=True, help="Build the demo database and print where it is.")
@pass_ctx
def demo(ctx: CliContext, folder: Path | None, join: bool, no_console: bool) -> None:
    """Open the console on a demo database: a SEV1 in the middle of its mitigation.

    The demo database is separate from yours (the global --db is not used) and is
    rebuilt each time from the packaged demo data: a roster of six, an open SEV1 and
    SEV3, and three months of closed incidents of every severity with their
    post-mortems. While the console is open the SEV1 plays on in real time
    (data/demo/live.yaml): responders post findings, the comms lead sends updates, an
    escalation pages the engineering manager, and it is mitigated within minutes. You
    act as the SEV1's incident commander unless you pass --as.
    """
    from platformdirs import user_cache_dir

    from warroom.drills.demo import DemoSummary, build_demo, demo_home, prepare_policies
    from warroom.errors import BadInput
    from warroom.policy.cached import load_policies
    from warroom.policy.loader import bundled_dir

    home = (folder or demo_home()).expanduser().absolute()
    db_path = home / "demo.db"
    policies_dir = home / "policies"

    def build() -> DemoSummary | None:
        if join:
            if not db_path.exists() or not policies_dir.is_dir():
                raise BadInput(
                    f"there is no demo database in {home} yet; run `warroom demo` first."
                )
            return None
        click.echo(f"Building the demo database in {home}...")
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        prepare_policies(bundled_dir("policies"), bundled_dir("data"), policies_dir)
        now = ctx.clock.now()
        # The history is played once a day into the cache and copied (drills/demo_cache.py).
        cache = Path(user_cache_dir("warroom", appauthor=False)) / "demo"
        built = build_demo(db_path, policies_dir, bundled_dir("data"), now, cache_dir=cache)
        return asyncio.run(built)

    given_as = ctx.actor_name is not None  # --as (or WARROOM_USER) was given
    summary = guard(build)
    if summary is not None:
        click.echo(
            f"Demo database: {db_path} (rebuilt: {len(summary.open_refs)} open incidents "
            f"{', '.join(summary.open_refs)}, {summary.closed} closed, "
            f"{summary.entries} timeline entries)."
        )
        if ctx.actor_name is None:
            ctx.actor_name = summary.actor
    elif ctx.actor_name is None:
        from warroom.drills.demo_data import demo_actor

        ctx.actor_name = guard(lambda: demo_actor(bundled_dir("data")))
    shown = home if folder is not None else None
    hints = join_hints(ctx.actor_name, given_as, shown, home, no_console)
    for line in hints:
        click.echo(line)
    if no_console:
        return
    policies = guard(lambda: load_policies(policies_dir))
    if summary is None:  # --join: the console that built the demo plays it on
        open_console(ctx, db=str(db_path), policies=policies, deliver=False)
        return
    from warroom.drills.demo_live import load_live, play_in_background

    live = guard(lambda: load_live(bundled_dir("data")))
    ref = summary.refs.get(live.key)
    if ref is None:
        open_console(ctx, db=str(db_path), policies=policies, deliver=False)
        return
    with play_in_background(db_path, policies, ref, live, summary.actor, ctx.clock):
        open_console(ctx, db=str(db_path), policies=policies, deliver=False)
