"""Who may use the web console: per-person access tokens, and the addresses it answers.

A token is 32 random bytes (``wr_`` + URL-safe base64), shown once by ``warroom tokens
add NAME``; the database keeps only its SHA-256, a short non-secret prefix to name it
by, who it belongs to, and when it was made, last used and revoked. A browser session
that logs in with a token acts as that token's person: every entry it makes carries
their name, never a shared ``--as``.

The console answers only at the addresses it is served on: :func:`allowed_origins`
gives the ``Host`` values and browser ``Origin`` values it accepts, so a page on
another site (or a DNS-rebinding name) cannot drive it. Nothing here imports Textual
or the web server; ``screens.serve`` applies these rules to each request.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from warroom.errors import BadInput
from warroom.models import AccessToken
from warroom.store import Store
from warroom.text import MAX_NAME_CHARS, check_line, printable

TOKEN_PREFIX = "wr_"
SHOWN_CHARS = 10  # "wr_" and 7 more: how a token is named in lists and revocations


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class TokenView:
    prefix: str
    person: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_json(self) -> dict[str, object]:
        return {
            "token": self.prefix + "…",
            "person": self.person,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def _view(t: AccessToken) -> TokenView:
    return TokenView(t.prefix, t.person, t.created_at, t.created_by, t.last_used_at, t.revoked_at)


class AccessTokens:
    """The access tokens of one database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, person: str, *, by: str) -> str:
        """A new token for ``person``; the secret is returned once and never stored."""
        person = check_line(person, "person's name", MAX_NAME_CHARS)
        secret = new_secret()
        now = self.store.clock.now()

        async def work(s: AsyncSession) -> None:
            s.add(
                AccessToken(
                    person=person,
                    digest=digest(secret),
                    prefix=secret[:SHOWN_CHARS],
                    created_at=now,
                    created_by=by,
                )
            )

        await self.store.transaction(work)
        return secret

    async def listed(self, *, include_revoked: bool = False) -> list[TokenView]:
        async with self.store.read() as s:
            q = select(AccessToken).order_by(col(AccessToken.person), col(AccessToken.id))
            if not include_revoked:
                q = q.where(col(AccessToken.revoked_at).is_(None))
            return [_view(t) for t in (await s.execute(q)).scalars()]

    async def revoke(self, which: str, *, by: str) -> list[TokenView]:
        """Revoke the tokens of a person (by name, any case) or the one token with this
        prefix. BadInput when nothing active matches; returns what was revoked."""
        which = which.strip().rstrip("…")
        if not which:
            raise BadInput("name the person or the token (its first characters) to revoke.")
        now = self.store.clock.now()

        async def work(s: AsyncSession) -> list[TokenView]:
            active = (
                (await s.execute(select(AccessToken).where(col(AccessToken.revoked_at).is_(None))))
                .scalars()
                .all()
            )
            if which.startswith(TOKEN_PREFIX):
                hit = [
                    t for t in active if t.prefix.startswith(which) or which.startswith(t.prefix)
                ]
                if len(hit) > 1:
                    raise BadInput(f"{printable(which)} names {len(hit)} tokens; give more of it.")
            else:
                hit = [t for t in active if t.person.casefold() == which.casefold()]
            if not hit:
                raise BadInput(
                    f"no active token for {printable(which)}; `warroom tokens list` shows them."
                )
            for t in hit:
                t.revoked_at, t.revoked_by = now, by
            return [_view(t) for t in hit]

        return await self.store.transaction(work)

    async def any_issued(self) -> bool:
        """Whether a token was ever issued: from then on the console asks for one, on
        loopback too (revoking the last token must not open the console to everyone)."""
        async with self.store.read() as s:
            q = select(col(AccessToken.id)).limit(1)
            return (await s.execute(q)).first() is not None

    async def any_active(self) -> bool:
        async with self.store.read() as s:
            q = select(col(AccessToken.id)).where(col(AccessToken.revoked_at).is_(None)).limit(1)
            return (await s.execute(q)).first() is not None

    async def authenticate(self, secret: str) -> tuple[str, str] | None:
        """(person, digest) of an active token, recording its use; None otherwise."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        wanted = digest(secret)
        async with self.store.read() as s:
            q = select(AccessToken).where(col(AccessToken.digest) == wanted)
            token = (await s.execute(q)).scalars().first()
        if token is None or token.revoked_at is not None:
            return None
        if not hmac.compare_digest(token.digest, wanted):
            return None
        now = self.store.clock.now()

        async def used(s: AsyncSession) -> None:
            await s.execute(
                update(AccessToken).where(col(AccessToken.id) == token.id).values(last_used_at=now)
            )

        await self.store.transaction(used)
        return token.person, token.digest

    async def still_active(self, token_digest: str) -> bool:
        async with self.store.read() as s:
            q = select(col(AccessToken.revoked_at)).where(col(AccessToken.digest) == token_digest)
            row = (await s.execute(q)).first()
        return row is not None and row[0] is None


# --- the addresses the console answers at -----------------------------------------------


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost (what only this machine can reach)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Addresses:
    """The ``Host`` header values and ``Origin`` values the console accepts."""

    hosts: frozenset[str]
    origins: frozenset[str]
    secure: bool  # served over https (through a proxy): cookies are Secure

    def host_ok(self, host: str | None) -> bool:
        return host is not None and host.lower() in self.hosts

    def origin_ok(self, origin: str | None) -> bool:
        """A browser's Origin must be one of ours; a request without one (not a
        browser page: curl, a script on this machine) is judged by its token alone."""
        return origin is None or origin.lower() in self.origins


def _netlocs(host: str, port: int) -> set[str]:
    name = host.lower()
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    return {f"{name}:{port}"} | ({name} if port in (80, 443) else set())


def allowed_origins(host: str, port: int, public_url: str | None) -> Addresses:
    """What the console served on ``host:port`` (reached at ``public_url``) answers to.

    A wildcard bind (0.0.0.0, ::) answers only at ``public_url`` and loopback: a name
    the operator did not give (a DNS-rebinding attacker's) is refused."""
    hosts: set[str] = set()
    origins: set[str] = set()
    secure = False
    names = {"127.0.0.1", "localhost", "[::1]"} if is_loopback(host) else set()
    if host not in ("0.0.0.0", "::", ""):
        names.add(host)
    else:
        names |= {"127.0.0.1", "localhost", "[::1]"}
    for name in names:
        for netloc in _netlocs(name, port):
            hosts.add(netloc)
            origins.add(f"http://{netloc}")
    if public_url:
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BadInput(
                f"--public-url {printable(public_url)} is not an http(s) address "
                "like https://warroom.example.com."
            )
        secure = parts.scheme == "https"
        netloc = parts.netloc.rsplit("@", 1)[-1].lower()
        hosts.add(netloc)
        default = 443 if secure else 80
        if parts.port in (None, default):
            hosts.add(f"{parts.hostname}:{default}")
        origins.add(f"{parts.scheme}://{netloc}")
    return Addresses(frozenset(hosts), frozenset(origins), secure)
