"""The durable store: an async SQLAlchemy engine over SQLite (default) or PostgreSQL.

Storage rules (DESIGN.md): WAL, ``busy_timeout``, writes in ``BEGIN IMMEDIATE``,
``synchronous=FULL``, the file created with mode 0600, Alembic migrations applied
on open, a database newer than the code refused, and every mutation writes a
change-feed row in its own transaction (see :func:`record_change`).

Before warroom touches a SQLite file it looks at it (:mod:`warroom.sqlite_file`):
another application's database is refused unchanged, an empty file is adopted (0600).
The stored revision is read with a plain query; Alembic is imported only when it differs
from :data:`HEAD_REVISION`. A verb that only reads opens the file read-only
(``read_only=True``), so it works on a read-only folder or a full disk.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

from platformdirs import user_data_dir
from sqlalchemy import event, func, inspect, select
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlmodel import col

from warroom import sqlite_file
from warroom.clock import Clock, SystemClock
from warroom.errors import BadInput, StoreError
from warroom.models import Change

T = TypeVar("T")
BUSY_TIMEOUT_MS = int(os.environ.get("WARROOM_BUSY_TIMEOUT_MS", "30000"))
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
# How long closing waits for reads and writes still in flight to come back.
CLOSE_WAIT_SECONDS = 10.0
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest migration in MIGRATIONS (a test checks it): a database at this revision
# opens without loading Alembic at all.
HEAD_REVISION = "0004"


def default_db_path() -> Path:
    return Path(user_data_dir("warroom", appauthor=False)) / "warroom.db"


def resolve_url(db: str | os.PathLike[str] | None) -> str:
    """Turn ``--db`` (a path or a SQLAlchemy URL; default: the user-data file) into a URL."""
    db = db if db is not None else os.environ.get("WARROOM_DB") or None
    if db is None:
        path = default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return f"sqlite+aiosqlite:///{path}"
    text = os.fspath(db)
    if "://" in text:
        try:
            url = make_url(text)
        except ArgumentError:
            raise BadInput(f"--db {text!r} is not a database URL or a file path.") from None
        if url.drivername in ("sqlite", "sqlite+pysqlite"):
            url = url.set(drivername="sqlite+aiosqlite")
        elif url.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
            url = url.set(drivername="postgresql+asyncpg")
        if url.drivername not in SUPPORTED_DRIVERS:
            raise BadInput(
                f"--db {url.render_as_string(hide_password=True)!r}: warroom stores incidents in "
                "SQLite (a file path or sqlite:///PATH) or PostgreSQL "
                "(postgresql://user@host/db); not in "
                f"{url.get_backend_name()}."
            )
        return url.render_as_string(hide_password=False)
    return f"sqlite+aiosqlite:///{Path(text).expanduser().absolute()}"


def _sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    database = u.database.removeprefix("file:") if u.query.get("uri") else u.database
    return Path(unquote(database))


def _explain_db_error(url: str, exc: BaseException) -> StoreError:
    text = str(getattr(exc, "orig", None) or exc)
    path = _sqlite_path(url)
    where = str(path) if path else make_url(url).database or url
    if path is not None and sqlite_file.cause(path, text):
        return sqlite_file.cause_error(path, Exception(text))
    if "file is not a database" in text or "malformed" in text:
        return StoreError(
            f"{where} is not a readable warroom database ({text}); nothing was changed."
        )
    if "locked" in text or "busy" in text:
        return StoreError(
            f"the database {where} stayed locked by another process for "
            f"{BUSY_TIMEOUT_MS / 1000:g} s; nothing was changed, try again."
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(f"the database {where} is read-only; nothing was changed.")
    return StoreError(f"database error on {where}: {text}")


class Store:
    """An open database. Use :meth:`write` for mutations and :meth:`read` for queries."""

    def __init__(
        self, engine: AsyncEngine, url: str, clock: Clock, *, read_only: bool = False
    ) -> None:
        self.engine = engine
        self.url = url
        self.clock = clock
        self.read_only = read_only  # opened for a verb that only reads: writes refused
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_engine = engine.execution_options(warroom_write=True)
        self._writes: set[asyncio.Task[Any]] = set()

    @classmethod
    async def open(
        cls,
        db: str | os.PathLike[str] | None = None,
        clock: Clock | None = None,
        *,
        read_only: bool = False,
    ) -> Store:
        """Open (and migrate) the database. ``read_only``: for a verb that only reads; the
        file is opened with SQLite's ``mode=ro`` (no migration, no WAL write), so reading
        works on a read-only folder or a full disk. A database that is missing or needs a
        migration is opened for writing instead (it must be written once)."""
        url = resolve_url(db)
        clock = clock or SystemClock()
        if not url.startswith("sqlite"):
            return await cls._open(create_async_engine(url, pool_pre_ping=True), url, clock)
        path = _sqlite_path(url)
        if path is None:  # in memory
            return await cls._open(_sqlite_engine(url, False), url, clock)
        found = await asyncio.to_thread(sqlite_file.probe, path, read_only=read_only)
        if read_only and found.state == "warroom" and found.revision == HEAD_REVISION:
            engine = _sqlite_engine(found.read_only_url(), True)
            return await cls(engine, url, clock, read_only=True)._check(None)
        if found.state == "missing":
            sqlite_file.create(path)
        else:
            sqlite_file.check_writable(path, found.revision if read_only else None)
            if found.state == "blank":
                sqlite_file.adopt(path)
        known = found.revision if found.state == "warroom" else None
        return await cls._open(_sqlite_engine(url, False), url, clock, known)

    @classmethod
    async def _open(
        cls, engine: AsyncEngine, url: str, clock: Clock, known: str | None = None
    ) -> Store:
        return await cls(engine, url, clock)._check(known)

    async def _check(self, known: str | None) -> Store:
        """Bring the schema to the head revision; Alembic loads only when it is needed.
        ``known``: the revision a probe already read (SQLite)."""
        engine = self.engine
        try:
            if self.read_only:
                async with engine.connect() as conn:  # the probe saw the head: just connect
                    await conn.exec_driver_sql("SELECT 1")
                return self
            current = known
            if current is None:
                async with engine.connect() as conn:
                    current = await conn.run_sync(_stored_revision)
            if current != HEAD_REVISION:
                async with self._write_engine.begin() as conn:
                    await conn.run_sync(_migrate)
        except (OperationalError, DBAPIError, sqlite3.DatabaseError, OSError) as exc:
            await engine.dispose()
            raise _explain_db_error(self.url, exc) from None
        except BaseException:
            await engine.dispose()
            raise
        return self

    async def close(self) -> None:
        """Wait for the work in flight, then close every connection.

        A screen that closes cancels its workers half-way through a query; the
        connection they held is still being cleaned up then. Disposing of the engine
        under it leaves a task waiting forever on a driver thread that has stopped, so
        the work is let to come back first (bounded, so a stuck driver cannot hold the
        exit).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CLOSE_WAIT_SECONDS
        if self._writes:
            await asyncio.wait(set(self._writes), timeout=CLOSE_WAIT_SECONDS)
        pool = self.engine.sync_engine.pool
        checked_out = getattr(pool, "checkedout", lambda: 0)
        while checked_out() and loop.time() < deadline:
            await asyncio.sleep(0.01)
        await self.engine.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with AsyncSession(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            except (OperationalError, DBAPIError) as exc:
                raise _explain_db_error(self.url, exc) from None

    async def transaction(
        self, work: Callable[[AsyncSession], Awaitable[T]], *, attempts: int = 5
    ) -> T:
        """Run ``work`` in one write transaction (``BEGIN IMMEDIATE`` on SQLite) and commit.

        A lock that outlasts ``busy_timeout`` is retried a few times before the user
        hears about it; the work function must therefore be safe to re-run.

        The write runs in its own task and is shielded: a caller that is cancelled (a
        screen closing under its worker) gets its ``CancelledError`` at once, and the
        write still commits or rolls back whole, instead of being cut half-way.
        """
        if self.read_only:
            raise StoreError(
                "this verb opened the database read-only; nothing was changed (a bug: "
                "please report it)."
            )
        task = asyncio.create_task(self._transaction(work, attempts))
        self._writes.add(task)
        task.add_done_callback(self._write_done)
        return await asyncio.shield(task)

    def _write_done(self, task: asyncio.Task[Any]) -> None:
        self._writes.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: a caller that went away must not warn about it

    async def _transaction(self, work: Callable[[AsyncSession], Awaitable[T]], attempts: int) -> T:
        delay = 0.05
        for attempt in range(attempts):
            try:
                async with AsyncSession(self._write_engine, expire_on_commit=False) as session:
                    result = await work(session)
                    await session.commit()
                    return result
            except OperationalError as exc:
                locked = "locked" in str(exc.orig) or "busy" in str(exc.orig)
                if not locked or attempt == attempts - 1:
                    raise _explain_db_error(self.url, exc) from None
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    async def change_mark(self) -> int:
        """The newest change-feed id: cheap enough to poll several times a second."""
        async with self.read() as s:
            return int((await s.execute(select(func.max(Change.id)))).scalar() or 0)

    async def changes_since(self, mark: int) -> list[Change]:
        async with self.read() as s:
            q = select(Change).where(col(Change.id) > mark).order_by(col(Change.id))
            return list((await s.execute(q)).scalars())


def record_change(session: AsyncSession, incident_id: int | None, kind: str, at: datetime) -> None:
    """Add the change-feed row for a mutation, in the caller's transaction."""
    session.add(Change(incident_id=incident_id, kind=kind, at=at))


def _sqlite_engine(url: str, read_only: bool) -> AsyncEngine:
    engine = create_async_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    _install_sqlite_pragmas(engine, read_only)
    return engine


def _install_sqlite_pragmas(engine: AsyncEngine, read_only: bool = False) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if read_only:  # the file's journal mode stays as it is; nothing is written
            cur.execute("PRAGMA query_only = ON")
        else:
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("warroom_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _stored_revision(conn: Connection) -> str | None:
    """The schema revision the database says it is at, by a plain query (no Alembic)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sql("SELECT version_num FROM alembic_version")).scalar()


def _current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _migrate(conn: Connection) -> None:
    """Bring the schema to the head revision (inside the caller's write transaction)."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    cfg = _config()
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    current = _current_revision(conn)
    if current == head:
        return
    if current is not None:
        try:
            script.get_revision(current)
        except CommandError:
            raise StoreError(
                f"this database was written by a newer warroom (schema {current}, "
                f"this warroom knows up to {head}); upgrade warroom to open it. "
                "Nothing was changed."
            ) from None
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")
