"""Server-sent event streams read from the event log, resumable with Last-Event-ID."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import asyncpg

from app.database import DATABASE_ERRORS, connection
from app.observability.metrics import STREAMS
from app.realtime.hub import FeedHub
from app.repositories import feed as feed_repo

Reader = Callable[[asyncpg.Connection, int, int], Awaitable[list[asyncpg.Record]]]
Wanted = Callable[[asyncpg.Record], bool]
BATCH = 500
log = logging.getLogger(__name__)


def _default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def format_event(row: asyncpg.Record) -> str:
    """One event in the SSE wire format; its id is the event's published sequence number."""
    payload = {
        "seq": row["seq"],
        "kind": row["kind"],
        "incident_id": row["incident_id"],
        "unit_id": row["unit_id"],
        "district": row["district"],
        "actor": row["actor"],
        "at": row["at"],
        "data": row["data"],
    }
    return f"id: {row['seq']}\nevent: {row['kind']}\ndata: {json.dumps(payload, default=_default)}\n\n"


async def resume_point(pool: asyncpg.Pool, last_event_id: str | None) -> int:
    """Where a stream starts: after the client's last event, or at the present for a new client."""
    if last_event_id is not None and last_event_id.strip().isdigit():
        return int(last_event_id.strip())
    async with connection(pool) as conn:
        return await feed_repo.top_seq(conn)


async def stream(
    pool: asyncpg.Pool, hub: FeedHub, read: Reader, wanted: Wanted, after: int, heartbeat: float
) -> AsyncIterator[str]:
    """Everything after `after`, in order, then new events as they are published; heartbeats when idle.

    A stream behind the hub's in-memory window catches up from the log (its own filtered query);
    from then on it takes its events from the window.
    """
    STREAMS.inc()
    try:
        yield "retry: 2000\n\n"
        async for chunk in _events(pool, hub, read, wanted, after, heartbeat):
            yield chunk
    except DATABASE_ERRORS as exc:
        # The client reconnects (after `retry`) with its Last-Event-ID and misses nothing.
        log.warning("event stream ended: the database is unavailable (%s)", exc)
    finally:
        STREAMS.dec()


def reset_event(last_event_id: int, top: int) -> str:
    """The event that tells a client its Last-Event-ID is beyond the log, and that the log follows from
    its start: reload your state, then apply what follows."""
    data = {
        "reason": "Last-Event-ID is beyond the newest event (the database was restored from a backup?): "
        "the feed starts again from its first event",
        "last_event_id": last_event_id,
        "newest": top,
    }
    return f"id: 0\nevent: reset\ndata: {json.dumps(data)}\n\n"


async def _events(
    pool: asyncpg.Pool, hub: FeedHub, read: Reader, wanted: Wanted, after: int, heartbeat: float
) -> AsyncIterator[str]:
    if after > 0:
        async with connection(pool) as conn:
            top = await feed_repo.top_seq(conn)
        if after > top:
            # Resuming after an event this log never had would wait, silently, for ids that may never come.
            yield reset_event(after, top)
            after = 0
    while not hub.closing:
        window = hub.since(after)
        if window is None:
            covered = hub.cursor  # every event up to here is published and visible to the query below
            async with connection(pool) as conn:
                rows = await read(conn, after, BATCH)
            for row in rows:
                yield format_event(row)
                after = row["seq"]
            if len(rows) < BATCH:
                after = max(after, covered)
            continue
        for row in window:
            if wanted(row):
                yield format_event(row)
        if window:
            after = window[-1]["seq"]
        if not await hub.wait(heartbeat) and hub.since(after) == []:
            yield ": heartbeat\n\n"
