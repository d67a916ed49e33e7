"""``warroom keys``: the audit key that signs the chain's checkpoints.

warroom keys export              the public key (PEM) for auditors and teammates
warroom keys trust FILE [--name N]   trust checkpoints signed by a teammate's key
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from warroom.audit.keys import (
    TRUSTED,
    audit_dir,
    load_public,
    public_pem,
    raw_public,
    signing_key,
)
from warroom.audit.keys import fingerprint as key_fingerprint
from warroom.cli.context import CliContext, guard
from warroom.cli.root import cli
from warroom.errors import BadInput

pass_ctx = click.make_pass_decorator(CliContext)


@cli.group("keys")
def keys() -> None:
    """The audit key pair (Ed25519) that signs checkpoints of the audit log."""


@keys.command("export")
def export_key() -> None:
    """Print the public key (PEM) that verifies this user's checkpoints and exports.

    The key pair is created on first use in the user's config folder (or in
    WARROOM_AUDIT_DIR); the private key never leaves it. Give the public key to
    auditors: warroom verify --file EXPORT.jsonl --key THIS.pem."""

    def show() -> str:
        try:
            key = signing_key()
        except (OSError, ValueError) as exc:
            raise BadInput(
                f"cannot read or create the audit key in {audit_dir()}: {exc}."
            ) from None
        assert key is not None
        return public_pem(key.public_key)

    click.echo(guard(show), nl=False)


@keys.command("trust")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--name", metavar="NAME", help="File name to keep it under (default: its fingerprint)."
)
def trust(file: Path, name: str | None) -> None:
    """Trust checkpoints signed by the public key in FILE (a teammate's keys export):
    it is copied into the trusted/ folder beside your audit key."""

    def add() -> tuple[Path, str]:
        key = load_public(file)
        fp = key_fingerprint(raw_public(key))
        stem = name or fp
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", stem):
            raise BadInput(f"--name {stem!r}: use letters, digits, dot, dash or underscore.")
        folder = audit_dir() / TRUSTED
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = folder / f"{stem}.pem"
        target.write_text(public_pem(key), encoding="ascii")
        return target, fp

    target, fp = guard(add)
    click.echo(f"Trusting checkpoints signed by key {fp} ({target}).")
