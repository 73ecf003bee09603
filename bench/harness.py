"""Shared set-up for benchmarks: a migrated, seeded database of its own and a real server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.database import asyncpg_dsn, embedded_server, with_database  # noqa: E402

SECRET = "bench-secret-0123456789abcdef0123456789abcdef"
ENV = {"DIAL112_SECRET_KEY": SECRET, "DIAL112_ENV": "test"}


def machine() -> str:
    """One line naming the machine, for the printed results."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


@contextlib.contextmanager
def bench_database() -> Iterator[str]:
    """A fresh migrated and seeded database (DATABASE_URL's server, else embedded); dropped afterwards."""
    with contextlib.ExitStack() as stack:
        server = os.environ.get("DATABASE_URL") or stack.enter_context(
            embedded_server(ROOT / ".data" / "bench")
        )
        name = f"dial112_bench_{secrets.token_hex(3)}"
        admin = asyncpg_dsn(with_database(server, "postgres"))

        async def sql(statement: str) -> None:
            conn = await asyncpg.connect(admin)
            try:
                await conn.execute(statement)
            finally:
                await conn.close()

        asyncio.run(sql(f'CREATE DATABASE "{name}"'))
        url = with_database(server, name)
        try:
            for args in (["db", "upgrade"], ["seed"]):
                cli(url, *args)
            yield url
        finally:
            asyncio.run(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def cli(url: str, *args: str) -> str:
    """Run the dial112 command on the bench database; its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        env={**os.environ, "DATABASE_URL": url, **ENV},
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return done.stdout.strip()


def free_port() -> int:
    """An unused TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def server(url: str, workers: int = 2, **env: str) -> Iterator[str]:
    """`dial112 serve --workers N` on the database; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from app.cli import main; main()",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env={**os.environ, "DATABASE_URL": url, **ENV, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError("server did not start")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]
