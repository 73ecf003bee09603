"""The GPS position history: weekly partitions, created ahead and dropped after the retention.

Each worker runs this duty; one at a time acts (an advisory lock). It makes sure that every week a fix can
be accepted for (DIAL112_MAX_FIX_AGE_DAYS back, two weeks ahead) has its partition, and drops every
partition whose newest possible fix is older than DIAL112_POSITION_RETENTION_DAYS: retention is a DROP of
whole weeks, never a DELETE of rows, so it costs nothing however large the history is, and the table keeps
its append-only guarantee (a position is kept for the retention and at most a week more).

Weeks, not days: every query of the history opens every partition it cannot rule out, and the latest-fix
look-up on the hottest path has no time bound. With ~15 weekly partitions it costs about what one table
did; with ~100 daily ones it cost 3-13 times more (bench/bench_position_history.py).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from app.config import Settings
from app.database import DATABASE_ERRORS, transaction
from app.repositories import position_history as repo
from app.repositories.locks import POSITIONS_LOCK, try_round_lock
from app.security import utcnow

log = logging.getLogger(__name__)

SPAN = timedelta(days=7)  # one partition's width
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday: partitions start on Mondays, 00:00 UTC
SPANS_AHEAD = 2
ROUND_SECONDS = 3600.0
RETRY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Maintenance:
    """What one round did."""

    added: list[str]
    dropped: list[str]


def span_of(at: datetime) -> datetime:
    """Where the partition holding `at` starts."""
    return EPOCH + ((at - EPOCH) // SPAN) * SPAN


def ranges_needed(
    now: datetime, max_fix_age_days: float, existing: list[repo.Partition]
) -> list[tuple[datetime, datetime]]:
    """The ranges to add so that every fix acceptable now (from its oldest age to two spans ahead) has a
    partition: whole spans after the newest partition, and the rest of the span the newest one ends in."""
    first = span_of(now - timedelta(days=max_fix_age_days))
    last = span_of(now + SPANS_AHEAD * SPAN) + SPAN
    covered = max((p.upper for p in existing), default=first)
    ranges = []
    start = max(first, covered)
    while start < last:
        end = span_of(start) + SPAN
        ranges.append((start, end))
        start = end
    return ranges


async def maintain_once(pool: asyncpg.Pool, settings: Settings, now: datetime) -> Maintenance | None:
    """One round: add the missing days, drop the expired ones; None when another worker holds the round."""
    added: list[str] = []
    dropped: list[str] = []
    async with transaction(pool) as conn:
        if not await try_round_lock(conn, POSITIONS_LOCK):
            return None
        await repo.limit_lock_wait(conn, 2.0)
        existing = await repo.partitions(conn)
        for start, end in ranges_needed(now, settings.max_fix_age_days, existing):
            added.append(await repo.add_range(conn, start, end))
        cutoff = now - timedelta(days=settings.position_retention_days)
        for partition in existing:
            if partition.upper <= cutoff:
                await repo.drop(conn, partition.name)
                dropped.append(partition.name)
    if added or dropped:
        log.info("position history: added %s, dropped %s", added, dropped)
    return Maintenance(added, dropped)


async def maintain_position_history(pool: asyncpg.Pool, settings: Settings) -> None:
    """Keep the position history's partitions ahead of time and drop the expired ones (runs forever)."""
    while True:
        try:
            await maintain_once(pool, settings, utcnow())
            pause = ROUND_SECONDS
        except DATABASE_ERRORS as exc:
            log.warning("position history maintenance failed (%s); retrying in %.0f s", exc, RETRY_SECONDS)
            pause = RETRY_SECONDS
        await asyncio.sleep(pause)
