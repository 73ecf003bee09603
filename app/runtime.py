"""A worker's life: it starts, and serves 503s, whatever the database's state, and becomes ready by itself.

Nothing at start-up needs the database. The pool opens connections lazily; a background task loads the
service area (retrying while the database is down or not seeded), then builds the dispatcher and starts
the background duties. A worker that uvicorn starts to replace a dead one while the database is down
therefore comes up, answers 503 with Retry-After, and serves again once the database is back, instead of
failing its start-up and taking the whole server down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from app.config import Settings
from app.database import DATABASE_ERRORS, TRANSIENT_ERRORS, ServicePool, connection, create_pool, warm, within
from app.realtime.hub import FeedHub
from app.realtime.revocations import RevocationWatch
from app.security import utcnow
from app.services.dispatcher import Dispatcher
from app.services.geography import load_gazetteer, load_service_area
from app.services.position_history import maintain_once, maintain_position_history
from app.services.watchdog import run_watchdog

log = logging.getLogger(__name__)

NOT_STARTED = "starting: the database has not answered yet"


async def open_pool(url: str, settings: Settings) -> ServicePool:
    """A lazy pool with the settings' connection limits and deadlines."""
    return await create_pool(
        url,
        settings.db_pool_min,
        settings.db_pool_max,
        acquire_timeout=settings.db_acquire_timeout_seconds,
        busy_timeout=settings.busy_timeout_seconds,
        connect_timeout=settings.db_connect_timeout_seconds,
    )


async def _load_area(app: FastAPI, settings: Settings) -> bool:
    """One attempt at becoming ready; False (with the reason in app.state.not_ready) when it cannot yet."""
    try:
        async with connection(app.state.pool) as conn:
            area = await within(settings.request_timeout_seconds, load_service_area(conn))
    except TRANSIENT_ERRORS as exc:
        app.state.not_ready = f"database unavailable: {exc}"
        return False
    if area is None:
        app.state.not_ready = "geography not loaded: run `dial112 seed`"
        return False
    app.state.area = area
    app.state.dispatcher = Dispatcher.build(settings, area, load_gazetteer(settings.geography_dir))
    try:
        # Before the first fix arrives: the days it may be recorded on need their partitions.
        await within(settings.request_timeout_seconds, maintain_once(app.state.pool, settings, utcnow()))
    except DATABASE_ERRORS as exc:
        log.warning("position history upkeep at start failed (%s); its duty will retry", exc)
    app.state.not_ready = None
    return True


async def _become_ready(
    app: FastAPI, settings: Settings, duties: list[asyncio.Task[None]], first: asyncio.Task[bool]
) -> None:
    delay = 0.25
    ready = await first
    while not ready:
        log.warning("not ready (%s); trying again in %.1f s", app.state.not_ready, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 2.0)
        ready = await _load_area(app, settings)
    log.info("ready: service area loaded")
    pool = app.state.pool
    with contextlib.suppress(*DATABASE_ERRORS):
        await warm(pool)
    duties.append(
        asyncio.create_task(run_watchdog(pool, app.state.dispatcher, settings.ack_check_interval_seconds))
    )
    duties.append(asyncio.create_task(maintain_position_history(pool, settings)))


async def _ping(pool: ServicePool) -> None:
    async with pool.acquire() as conn:
        await conn.fetchval("SELECT 1")


async def readiness_problem(app: FastAPI, seconds: float = 2.0) -> str | None:
    """Why this worker cannot serve right now (database not answering, not seeded, starting), or None."""
    try:
        await within(seconds, _ping(app.state.pool))
    except TimeoutError:
        return f"database: no answer within {seconds:g} s"
    except DATABASE_ERRORS as exc:
        return f"database: {exc}"
    reason: str | None = app.state.not_ready
    return reason


def _report_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("start-up failed; this worker will not become ready", exc_info=task.exception())


@contextlib.asynccontextmanager
async def running(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """The pool, the feed hub and the background duties for the lifetime of the app."""
    if not settings.database_url:
        raise RuntimeError("DATABASE_URL is not set: start the service with `dial112 serve`")
    app.state.not_ready = NOT_STARTED
    app.state.pool = await open_pool(settings.database_url, settings)
    # Analytics reads go to a replica when one is configured, so heavy reports never slow intake.
    app.state.analytics_pool = app.state.pool
    if settings.analytics_database_url:
        app.state.analytics_pool = await open_pool(settings.analytics_database_url, settings)
    app.state.hub = FeedHub(app.state.pool, settings.database_url, settings.db_connect_timeout_seconds)
    await app.state.hub.start()
    # Revoked tokens: every worker keeps the list in memory (LISTEN plus a short poll), so checking a
    # token never touches the database.
    app.state.revocation_watch = RevocationWatch(
        app.state.pool, settings.database_url, settings.revocation_poll_seconds
    )
    await app.state.revocation_watch.start()
    duties: list[asyncio.Task[None]] = []
    first = asyncio.create_task(_load_area(app, settings))
    starter = asyncio.create_task(_become_ready(app, settings, duties, first))
    starter.add_done_callback(_report_failure)
    # A healthy database makes the worker ready before it takes its first request; a missing one holds the
    # start-up for one attempt at most: the starter keeps trying in the background.
    await asyncio.wait({first}, timeout=settings.db_connect_timeout_seconds + 1.0)
    try:
        yield
    finally:
        for task in (starter, *duties):
            task.cancel()
        for task in (starter, *duties):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await app.state.revocation_watch.stop()
        await app.state.hub.stop()
        for pool in {id(p): p for p in (app.state.analytics_pool, app.state.pool)}.values():
            try:
                await asyncio.wait_for(pool.close(), 5)
            except DATABASE_ERRORS:
                pool.terminate()
