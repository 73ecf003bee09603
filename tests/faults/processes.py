"""`dial112 serve` as a real process for the fault tests: started whatever the database's state."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT_PATH, TEST_SECRET
from tests.integration.servers import CLI, free_port


def start_server(db_url: str, workers: int, log: Path, **env: str) -> tuple[str, subprocess.Popen[bytes]]:
    """Start `dial112 serve` without waiting for it to be ready; returns (base URL, process)."""
    port = free_port()
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", str(workers)],
        env={
            **os.environ,
            "DATABASE_URL": db_url,
            "DIAL112_SECRET_KEY": TEST_SECRET,
            "DIAL112_ENV": "test",
            "DIAL112_DB_POOL_MAX": "8",
            "DIAL112_ACK_TIMEOUT_SECONDS": "86400",  # no lapses: the runs must not depend on crews' speed
            **env,
        },
        cwd=ROOT_PATH,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return f"http://127.0.0.1:{port}", process


def stop_server(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM the server's process group; its exit status."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        return process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
        return -9


@contextlib.contextmanager
def server(db_url: str, workers: int, log: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A server for the length of the block."""
    base, process = start_server(db_url, workers, log, **env)
    try:
        yield base, process
    finally:
        stop_server(process)


def worker_pids(master: int) -> list[int]:
    """uvicorn's worker processes under a `dial112 serve --workers N` master."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != master:
                continue
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
            if b"spawn_main" in cmdline:
                found.append(int(stat.parent.name))
    return sorted(found)
