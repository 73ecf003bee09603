"""Event fan-out inside one worker process.

The database's event log is the only copy of every event. LISTEN/NOTIFY is just the wake-up: on
`dial112_events` (something was written) the hub publishes (gives seq numbers to finished events,
one worker at a time); on `dial112_feed` (something was published) it reads the new events from the
log once and hands them, in memory, to every stream of this worker — so thousands of connected
vehicles cost one query per publication, not one each. Timers cover lost notifications and a lost
listener; a stream that is further behind than the in-memory window reads the log itself.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from typing import Any

import asyncpg

from app.database import DATABASE_ERRORS, asyncpg_dsn, connection, transaction
from app.repositories import feed as feed_repo

log = logging.getLogger(__name__)

WINDOW = 20_000  # published events kept in memory for the streams of this worker


class FeedHub:
    """Publishes the log in commit order and keeps a window of the newest published events for streams."""

    def __init__(
        self, pool: asyncpg.Pool, database_url: str, connect_timeout: float = 10.0, poll_seconds: float = 1.0
    ) -> None:
        self._pool = pool
        self._dsn = asyncpg_dsn(database_url)
        self._connect_timeout = connect_timeout
        self._poll = poll_seconds
        self._placed = False  # cursor and floor are set from the log's present once the database answers
        self._written = asyncio.Event()
        self._published = asyncio.Event()
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._recent: list[asyncpg.Record] = []
        self._seqs: list[int] = []
        self._floor = 0  # the window holds every published event with floor < seq <= cursor
        self.cursor = 0
        self.closing = False

    async def start(self) -> None:
        """Listen, publish and read; the reader starts at the log's present once the database answers."""
        self._tasks = [
            asyncio.create_task(self._listen()),
            asyncio.create_task(self._publisher()),
            asyncio.create_task(self._reader()),
        ]

    async def stop(self) -> None:
        """Stop background work and release every waiting stream."""
        self.closing = True
        self._changed.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def since(self, after: int) -> list[asyncpg.Record] | None:
        """Published events after `after` from memory, or None when `after` is older than the window."""
        if not self._placed or after < self._floor:
            return None
        return self._recent[bisect.bisect_right(self._seqs, after) :]

    async def wait(self, seconds: float) -> bool:
        """Wait until new events are in the window (True) or the timeout passes (False)."""
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), seconds)
            return True
        except TimeoutError:
            return False

    def _on_notify(self, _conn: Any, _pid: int, channel: str, _payload: object) -> None:
        (self._written if channel == "dial112_events" else self._published).set()

    async def _listen(self) -> None:
        while not self.closing:
            try:
                conn = await asyncpg.connect(self._dsn, timeout=self._connect_timeout)
            except DATABASE_ERRORS as exc:
                log.warning("feed listener cannot connect (%s); retrying", exc)
                await asyncio.sleep(1)
                continue
            try:
                await conn.add_listener("dial112_events", self._on_notify)
                await conn.add_listener("dial112_feed", self._on_notify)
                self._written.set()  # catch up on anything written while we were not listening
                self._published.set()
                while not self.closing and not conn.is_closed():
                    await asyncio.sleep(self._poll)
                    await conn.execute("SELECT 1")  # notices a dead connection
            except DATABASE_ERRORS as exc:
                log.warning("feed listener lost its connection (%s); reconnecting", exc)
            finally:
                with contextlib.suppress(Exception):
                    await conn.close()

    async def _publisher(self) -> None:
        while not self.closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._written.wait(), self._poll)
            self._written.clear()
            await self._publish_until_settled()

    async def _publish_until_settled(self) -> None:
        # Publish in batches until nothing committed is left; another worker holding the lock will
        # publish what we were woken for (and its NOTIFY wakes our reader).
        for _ in range(200):
            try:
                async with transaction(self._pool) as conn:
                    held, top, remaining = await feed_repo.publish(conn)
            except DATABASE_ERRORS as exc:
                log.warning("publishing events failed (%s); will retry", exc)
                return
            if top is not None:
                self._published.set()
            if not held or not remaining:
                return

    async def _reader(self) -> None:
        while not self.closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._published.wait(), self._poll)
            self._published.clear()
            try:
                if not self._placed:
                    async with connection(self._pool) as conn:
                        self.cursor = self._floor = await feed_repo.top_seq(conn)
                    self._placed = True
                while True:
                    async with connection(self._pool) as conn:
                        rows = await feed_repo.events_after(conn, None, self.cursor, 2000)
                    if not rows:
                        break
                    self._append(rows)
                    if len(rows) < 2000:
                        break
            except DATABASE_ERRORS as exc:
                log.warning("reading published events failed (%s); will retry", exc)

    def _append(self, rows: list[asyncpg.Record]) -> None:
        self._recent.extend(rows)
        self._seqs.extend(r["seq"] for r in rows)
        self.cursor = self._seqs[-1]
        if len(self._recent) > WINDOW:
            cut = len(self._recent) - WINDOW
            self._floor = self._seqs[cut - 1]
            del self._recent[:cut]
            del self._seqs[:cut]
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()  # every current waiter wakes; later ones wait on the fresh event
