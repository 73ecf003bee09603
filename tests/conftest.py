"""Test databases: DATABASE_URL's server when set, else the embedded PostgreSQL.

The schema is built once per run into a template database by running the migrations (never
create_all) and seeding the geography; every test that needs a database gets its own copy
(CREATE DATABASE ... TEMPLATE), so tests are isolated and may commit freely.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import time_machine
from fastapi import FastAPI

from app.config import ROOT, Settings
from app.database import asyncpg_dsn, database_name, embedded_server, with_database
from app.main import create_app
from app.security import issue_token, utcnow

TEST_SECRET = "test-secret-key-0123456789abcdef0123456789"

# The tests' own "now": 00:30 IST on 29 November is still the 28th in UTC and in Los Angeles, so a
# test that mixes up the service's IST days with UTC or the machine's zone fails at once, at any hour.
TEST_NOW = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Move this test's process to TEST_NOW; the clock keeps ticking from there."""
    with time_machine.travel(TEST_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A SQLAlchemy URL of a PostgreSQL server to create test databases on."""
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    with embedded_server(ROOT / ".data" / "test") as embedded:
        yield embedded


def _cli_env(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "DIAL112_SECRET_KEY": TEST_SECRET, "DIAL112_ENV": "test"}


def run_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the dial112 command against a database."""
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        env=_cli_env(url),
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


async def _admin(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(asyncpg_dsn(with_database(url, "postgres")))


@pytest.fixture(scope="session")
def template_url(server_url: str) -> Iterator[str]:
    """A migrated and seeded template database, built once per run."""
    name = f"{database_name(server_url)}_tpl_{secrets.token_hex(3)}"

    async def create() -> None:
        conn = await _admin(server_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    url = with_database(server_url, name)
    for args in (("db", "upgrade"), ("seed",)):
        done = run_cli(url, *args)
        assert done.returncode == 0, done.stderr
    yield url
    asyncio.run(_drop(server_url, name))


async def _drop(server_url: str, name: str) -> None:
    conn = await _admin(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def fresh_database(server_url: str, template_url: str) -> AsyncIterator[str]:
    """A new database copied from the template; dropped afterwards."""
    name = f"{database_name(template_url)}_{secrets.token_hex(4)}"
    conn = await _admin(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{database_name(template_url)}"')
    finally:
        await conn.close()
    try:
        yield with_database(server_url, name)
    finally:
        await _drop(server_url, name)


@pytest.fixture
async def db_url(server_url: str, template_url: str) -> AsyncIterator[str]:
    """The URL of this test's own database."""
    async with fresh_database(server_url, template_url) as url:
        yield url


@pytest.fixture
async def conn(db_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection to this test's database (for checks behind the API)."""
    c = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        yield c
    finally:
        await c.close()


def make_settings(db_url: str, **overrides: object) -> Settings:
    """Settings for a test app on its own database."""
    values: dict[str, Any] = {
        "database_url": db_url,
        "secret_key": TEST_SECRET,
        "env": "test",
        "db_pool_min": 1,
        "db_pool_max": 4,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Settings for this test's app."""
    return make_settings(db_url)


@pytest.fixture
async def app(clock: time_machine.Traveller, settings: Settings) -> AsyncIterator[FastAPI]:
    """The app on this test's settings, its lifespan running, on the test's clock."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client over the ASGI app."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


def token(role: str, unit_id: int | None = None, **kw: object) -> dict[str, str]:
    """Authorization header with a fresh test token."""
    from datetime import timedelta

    value = issue_token(TEST_SECRET, role, ttl=timedelta(hours=1), now=utcnow(), unit_id=unit_id, **kw)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {value}"}


ROOT_PATH = Path(ROOT)
