"""Fault tests own a PostgreSQL cluster (tests/faults/cluster.py): `make chaos` runs them, `make test` not."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from app.database import asyncpg_dsn, with_database
from tests.conftest import run_cli
from tests.faults.cluster import Cluster, private_cluster


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a fault test (deselected by default, see pyproject's addopts)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.faults)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """The private cluster, with a migrated and seeded template database."""
    with private_cluster() as c:

        async def create() -> None:
            conn = await asyncpg.connect(asyncpg_dsn(c.url))
            try:
                await conn.execute('CREATE DATABASE "faults_tpl"')
            finally:
                await conn.close()

        asyncio.run(create())
        template = with_database(c.url, "faults_tpl")
        for args in (("db", "upgrade"), ("seed",)):
            done = run_cli(template, *args)
            assert done.returncode == 0, done.stderr
        yield c


@pytest.fixture
async def fault_db(cluster: Cluster) -> AsyncIterator[str]:
    """A fresh database on the private cluster (started if a previous test left it stopped)."""
    try:
        await (await asyncpg.connect(asyncpg_dsn(cluster.url))).close()
    except (OSError, asyncpg.PostgresError):
        cluster.start()
    name = f"faults_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(asyncpg_dsn(cluster.url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "faults_tpl"')
    finally:
        await conn.close()
    yield with_database(cluster.url, name)


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    """Where the servers of a test write their logs (shown when a test fails)."""
    return tmp_path
