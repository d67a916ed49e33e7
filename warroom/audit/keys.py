"""The audit key pair (Ed25519) that signs the chain's checkpoints, kept outside the database.

It lives in the user's config folder (``~/.config/warroom/audit/`` on Linux), or in the
folder ``WARROOM_AUDIT_DIR`` names, and is created on first use:

- ``audit-key.pem``: the private key (PKCS#8 PEM, mode 0600, in a 0700 folder);
- ``audit-key.pub.pem``: its public key, what ``warroom keys export`` prints;
- ``witness.jsonl``: the witness, the latest signed heads (:mod:`warroom.audit.witness`);
- ``trusted/*.pem``: public keys of teammates whose checkpoints ``verify`` accepts.

A key is named by its fingerprint: the first 16 hex digits of the SHA-256 of its raw
32 bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from platformdirs import user_config_dir

from warroom.errors import BadInput

PRIVATE = "audit-key.pem"
PUBLIC = "audit-key.pub.pem"
TRUSTED = "trusted"
ENV = "WARROOM_AUDIT_DIR"


def audit_dir() -> Path:
    """Where the key, the witness and the trusted keys are (``WARROOM_AUDIT_DIR``)."""
    given = os.environ.get(ENV)
    if given:
        return Path(given).expanduser().absolute()
    return Path(user_config_dir("warroom", appauthor=False)) / "audit"


def fingerprint(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(key: Ed25519PublicKey) -> str:
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    """The private key and what names it: ``public`` is the raw key in hex (64 digits)."""

    private: Ed25519PrivateKey
    public: str
    fingerprint: str

    def sign(self, payload: bytes) -> str:
        return self.private.sign(payload).hex()

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private.public_key()


def _from_private(private: Ed25519PrivateKey) -> SigningKey:
    raw = raw_public(private.public_key())
    return SigningKey(private, raw.hex(), fingerprint(raw))


_cache: dict[Path, SigningKey] = {}


def signing_key(folder: Path | None = None, *, create: bool = True) -> SigningKey | None:
    """The key pair of ``folder`` (default :func:`audit_dir`), created there on first use
    (``create``); None when there is none and ``create`` is false. Two processes creating
    it at once end up with the same key (the file is linked into place, never replaced)."""
    folder = folder or audit_dir()
    if folder in _cache:
        return _cache[folder]
    path = folder / PRIVATE
    if not path.exists():
        if not create:
            return None
        _create(folder)
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise BadInput(f"{path} is not an Ed25519 private key.")
    key = _cache[folder] = _from_private(private)
    return key


def _create(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = folder / f".{PRIVATE}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, folder / PRIVATE)  # fails if another process got there first
        except FileExistsError:
            return
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    pub = folder / PUBLIC
    pub.write_text(public_pem(private.public_key()), encoding="ascii")


def load_public(path: str | os.PathLike[str]) -> Ed25519PublicKey:
    """A public key from a PEM file (what ``warroom keys export`` printed)."""
    p = Path(path).expanduser()
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read the key {p}: {exc.strerror or exc}.") from None
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise BadInput(f"{p} is not a PEM public key (warroom keys export prints one).") from None
    if not isinstance(key, Ed25519PublicKey):
        raise BadInput(f"{p} is not an Ed25519 public key.")
    return key


def trusted_keys(folder: Path | None = None, extra: tuple[Ed25519PublicKey, ...] = ()) -> set[str]:
    """The raw public keys (hex) whose checkpoints are trusted here: this folder's own key,
    every ``trusted/*.pem`` and ``extra`` (``verify --key``)."""
    folder = folder or audit_dir()
    out = {raw_public(k).hex() for k in extra}
    own = signing_key(folder, create=False)
    if own is not None:
        out.add(own.public)
    for pem in sorted((folder / TRUSTED).glob("*.pem")):
        with contextlib.suppress(BadInput):
            out.add(raw_public(load_public(pem)).hex())
    return out


def signature_ok(public_hex: str, signature_hex: str, payload: bytes) -> bool:
    """Whether ``signature_hex`` is the signature of ``payload`` by key ``public_hex``."""
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        key.verify(bytes.fromhex(signature_hex), payload)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
