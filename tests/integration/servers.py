"""Real `dial112 serve` processes on a test's database, for concurrency and fail-over tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.conftest import ROOT_PATH, TEST_SECRET

CLI = (sys.executable, "-c", "from app.cli import main; main()")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(db_url: str, workers: int = 1, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start `dial112 serve --workers N` on the database; yields (base URL, process); stops it after.

    A free port can be taken by someone else between choosing it and binding it: a server that
    could not bind is started again on another port.
    """
    for _attempt in range(5):
        port = free_port()
        log = log_path(port)
        process = _start(db_url, port, workers, log, env)
        try:
            base = f"http://127.0.0.1:{port}"
            if not _wait_ready(base, process, log):
                continue  # the port was taken: try another
            yield base, process
            return
        finally:
            _stop(process)
    raise RuntimeError("no free port could be bound in 5 attempts")


def log_path(port: int) -> Path:
    """Where the server on that port (started by this test process) writes its output."""
    return Path(f"/tmp/dial112-test-serve-{port}-{os.getpid()}.log")


def _start(db_url: str, port: int, workers: int, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", str(workers)],
        env={
            **os.environ,
            "DATABASE_URL": db_url,
            "DIAL112_SECRET_KEY": TEST_SECRET,
            "DIAL112_ENV": "test",
            "DIAL112_DB_POOL_MAX": "8",
            **env,
        },
        cwd=ROOT_PATH,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> bool:
    """True once our process answers /readyz; False when it could not bind its port."""
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            output = log.read_text()
            if "address already in use" in output.lower():
                return False
            raise RuntimeError(f"server exited: {output[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            # Ready, and still alive after answering: the answer came from our process, not from
            # another one that holds the port.
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200 and process.poll() is None:
                return True
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not become ready: {log.read_text()[-2000:]}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
