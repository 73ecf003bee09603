"""Event fan-out inside one worker process.

The database's event log is the only copy of every event. LISTEN/NOTIFY is just the wake-up: on
`dial112_events` (something was written) the hub publishes (gives seq numbers to finished events,
one worker at a time); on `dial112_feed` (something was published) it wakes its streams, which read
what they have not seen from the log. Timers cover lost notifications and a lost listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg

from app.database import asyncpg_dsn, transaction
from app.repositories import feed as feed_repo

log = logging.getLogger(__name__)


class FeedHub:
    """Wakes this worker's event streams when new events are published, and publishes when asked."""

    def __init__(self, pool: asyncpg.Pool, database_url: str, poll_seconds: float = 1.0) -> None:
        self._pool = pool
        self._dsn = asyncpg_dsn(database_url)
        self._poll = poll_seconds
        self._published = asyncio.Event()
        self._written = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.closing = False

    async def start(self) -> None:
        """Start the listener and the publisher."""
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._publisher())]

    async def stop(self) -> None:
        """Stop background work and release every waiting stream."""
        self.closing = True
        self._published.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def wait(self, seconds: float) -> bool:
        """Wait until something new is published (True) or the timeout passes (False)."""
        event = self._published
        try:
            await asyncio.wait_for(event.wait(), seconds)
            return True
        except TimeoutError:
            return False

    def _on_notify(self, _conn: Any, _pid: int, channel: str, _payload: object) -> None:
        if channel == "dial112_events":
            self._written.set()
        else:
            self._wake()  # every current waiter wakes; later ones wait on a fresh event

    async def _listen(self) -> None:
        while not self.closing:
            try:
                conn = await asyncpg.connect(self._dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("feed listener cannot connect (%s); retrying", exc)
                await asyncio.sleep(1)
                continue
            try:
                await conn.add_listener("dial112_events", self._on_notify)
                await conn.add_listener("dial112_feed", self._on_notify)
                self._written.set()  # catch up on anything written while we were not listening
                while not self.closing and not conn.is_closed():
                    await asyncio.sleep(self._poll)
                    await conn.execute("SELECT 1")  # notices a dead connection
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
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
        # An event waits only while an older transaction is still open; such transactions are short
        # (milliseconds), so retry briefly instead of waiting for the next notification.
        for _ in range(200):
            try:
                async with transaction(self._pool) as conn:
                    held, top, remaining = await feed_repo.publish(conn)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("publishing events failed (%s); will retry", exc)
                return
            if top is not None:
                self._wake()
            if not held or not remaining:
                return
            await asyncio.sleep(0.005 if top is not None else 0.01)

    def _wake(self) -> None:
        self._published.set()
        self._published = asyncio.Event()
