"""Background duties that must happen with no request arriving: acknowledgement lapses and the queue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import replace
from datetime import datetime

import asyncpg

from app.database import DATABASE_ERRORS, transaction
from app.repositories.locks import RISK_LOCK, try_round_lock
from app.security import utcnow
from app.services.ack_outage import ack_outage
from app.services.dispatcher import Dispatcher
from app.services.oversight import flag_risks
from app.services.queue import sweep_queue
from app.services.unit_lifecycle import withdraw_lapsed

log = logging.getLogger(__name__)


async def lapse_round(pool: asyncpg.Pool, dispatcher: Dispatcher, now: datetime, limit: int = 100) -> int:
    """Withdraw up to `limit` lapsed assignments (none during a mass lapse: a system fault); how many."""
    async with transaction(pool) as conn:
        if await ack_outage(conn, dispatcher.settings, now):
            return 0
    withdrawn = 0
    for _ in range(limit):
        async with transaction(pool) as conn:
            if await withdraw_lapsed(conn, dispatcher, now) is None:
                break
        withdrawn += 1
    return withdrawn


async def run_watchdog(pool: asyncpg.Pool, dispatcher: Dispatcher, interval: float) -> None:
    """Each round: withdraw lapsed assignments, sweep the queue; now and then, flag at-risk incidents."""
    risk_every = dispatcher.settings.risk_check_interval_seconds
    next_risk_check = time.monotonic()
    while True:
        await asyncio.sleep(interval)
        try:
            await lapse_round(pool, dispatcher, utcnow())
            async with transaction(pool) as conn:
                await sweep_queue(conn, dispatcher, utcnow())
            if time.monotonic() >= next_risk_check:
                next_risk_check = time.monotonic() + risk_every
                async with transaction(pool) as conn:
                    # One worker a round is enough (marks make it exactly-once anyway); the others serve.
                    if await try_round_lock(conn, RISK_LOCK):
                        await flag_risks(conn, replace(dispatcher.eta, spherical=True), utcnow())
        except DATABASE_ERRORS as exc:
            log.warning("watchdog round failed (%s); retrying next round", exc)


@contextlib.asynccontextmanager
async def watchdog(pool: asyncpg.Pool, dispatcher: Dispatcher | None, interval: float):  # type: ignore[no-untyped-def]
    """Run the watchdog for the lifetime of the app (no-op before the geography is loaded)."""
    task = asyncio.create_task(run_watchdog(pool, dispatcher, interval)) if dispatcher else None
    try:
        yield
    finally:
        if task:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
