"""Each worker's copy of the revocations, so that checking a token never takes a database connection.

The decision lives in the database (`revocations`, append-only). Every worker on every host loads it
at start, is woken by `LISTEN dial112_revocations` when one is added, and polls as well, so a lost
notification or a dropped listener costs at most one poll interval. A token is refused from the moment
its worker has the row: within milliseconds with the notification, within the poll interval without.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, TypeVar

import asyncpg

from app.database import DATABASE_ERRORS, DatabaseUnavailable, asyncpg_dsn, connection
from app.repositories import revocations as repo
from app.repositories.revocations import Revocation
from app.security import Principal

log = logging.getLogger(__name__)
CHANNEL = "dial112_revocations"
K = TypeVar("K", str, int)


def _keep_latest(index: dict[K, datetime], key: K | None, at: datetime) -> None:
    if key is not None:
        index[key] = max(index.get(key, at), at)


class RevocationList:
    """The revocations in force, by jti, unit and subject (the latest time for each)."""

    def __init__(self) -> None:
        self._by_jti: dict[str, datetime] = {}
        self._by_unit: dict[int, datetime] = {}
        self._by_subject: dict[str, datetime] = {}
        self.state: tuple[int, int] = (0, 0)  # (count, top id) of what is loaded

    def load(self, rows: list[Revocation]) -> None:
        """Replace the contents with these rows."""
        by_jti: dict[str, datetime] = {}
        by_unit: dict[int, datetime] = {}
        by_subject: dict[str, datetime] = {}
        for r in rows:
            _keep_latest(by_jti, r.jti, r.revoked_at)
            _keep_latest(by_unit, r.unit_id, r.revoked_at)
            _keep_latest(by_subject, r.subject, r.revoked_at)
        self._by_jti, self._by_unit, self._by_subject = by_jti, by_unit, by_subject
        self.state = (len(rows), max((r.id for r in rows), default=0))

    def revoked_at(self, principal: Principal) -> datetime | None:
        """When the caller's token was revoked, or None while it stands.

        Tokens carry their issue time in whole seconds: one issued in the same second as the
        revocation counts as issued before it (refusing a fresh token is safer than keeping a lost one).
        """
        issued = principal.issued_at
        unit = self._by_unit.get(principal.unit_id) if principal.unit_id is not None else None
        for at in (self._by_jti.get(principal.token_id), unit, self._by_subject.get(principal.subject)):
            if at is not None and (issued is None or issued <= at):
                return at
        return None


# What a refresh may meet while the database is away: logged, retried, the last known list kept.
REFRESH_ERRORS: tuple[type[BaseException], ...] = (
    DatabaseUnavailable,
    asyncpg.InterfaceError,
    *DATABASE_ERRORS,
)


class RevocationWatch:
    """Keeps a RevocationList current: load at start, reload on NOTIFY and every `poll_seconds`."""

    def __init__(self, pool: asyncpg.Pool, database_url: str, poll_seconds: float) -> None:
        self.revocations = RevocationList()
        self._pool = pool
        self._dsn = asyncpg_dsn(database_url)
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self.refreshed_at = 0.0  # time.monotonic() of the last successful check
        self.loaded = False  # until the first load, no token is trusted (503): the list may be incomplete

    async def start(self) -> None:
        """Load every revocation, then watch; with the database down, keep trying in the background.

        A worker starts whatever the database's state (app/runtime.py); until the list has been loaded
        once, `current_principal` answers 503 rather than trust a token that may have been revoked.
        """
        try:
            await self.refresh()
        except REFRESH_ERRORS as exc:
            log.warning("revocations not loaded yet (%s); retrying in the background", exc)
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._refresher())]

    async def stop(self) -> None:
        """Stop watching."""
        self._closing = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def refresh(self) -> None:
        """Reload when the table changed (count or top id differ from what is loaded)."""
        async with connection(self._pool) as conn:
            state = await repo.revocation_state(conn)
            if state != self.revocations.state:
                self.revocations.load(await repo.all_revocations(conn))
        self.refreshed_at = time.monotonic()
        self.loaded = True

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, _payload: object) -> None:
        self._wake.set()

    async def _refresher(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
            self._wake.clear()
            try:
                await self.refresh()
            except REFRESH_ERRORS as exc:
                log.warning("revocations could not be refreshed (%s); keeping the last known list", exc)

    async def _listen(self) -> None:
        while not self._closing:
            try:
                conn = await asyncpg.connect(self._dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("revocation listener cannot connect (%s); retrying", exc)
                await asyncio.sleep(1)
                continue
            try:
                await conn.add_listener(CHANNEL, self._on_notify)
                self._wake.set()  # anything added while we were not listening
                while not self._closing and not conn.is_closed():
                    await asyncio.sleep(self._poll)
                    await conn.execute("SELECT 1")  # notices a dead connection
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("revocation listener lost its connection (%s); reconnecting", exc)
            finally:
                with contextlib.suppress(Exception):
                    await conn.close()


async def until_revoked(
    chunks: AsyncIterator[str], watch: RevocationWatch | None, principal: Principal
) -> AsyncIterator[str]:
    """A stream that ends once its token is revoked: nothing more is sent after this worker knows.

    Checked before every chunk (events and heartbeats alike), so an open stream on a lost phone
    closes at its next event or heartbeat and never delivers an event after the revocation arrived.
    """
    async for chunk in chunks:
        if watch is not None and watch.revocations.revoked_at(principal) is not None:
            return
        yield chunk
