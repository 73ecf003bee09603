"""The GPS position history: daily partitions, created ahead and dropped after the retention.

Each worker runs this duty; one at a time acts (an advisory lock). It makes sure that every UTC day a fix
can be accepted for (DIAL112_MAX_FIX_AGE_DAYS back, a week ahead) has its partition, and drops every
partition whose newest possible fix is older than DIAL112_POSITION_RETENTION_DAYS: retention is a DROP of
whole days, never a DELETE of rows, so it costs nothing however large the history is, and the table keeps
its append-only guarantee.
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

DAYS_AHEAD = 7
ROUND_SECONDS = 3600.0
RETRY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Maintenance:
    """What one round did."""

    added: list[str]
    dropped: list[str]


def _day(at: datetime) -> datetime:
    return datetime(at.year, at.month, at.day, tzinfo=UTC)


def days_needed(now: datetime, max_fix_age_days: float) -> list[datetime]:
    """The UTC days a fix may be recorded on now: from the oldest accepted age to a week ahead."""
    first = _day(now.astimezone(UTC) - timedelta(days=max_fix_age_days))
    last = _day(now.astimezone(UTC) + timedelta(days=DAYS_AHEAD))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def maintain_once(pool: asyncpg.Pool, settings: Settings, now: datetime) -> Maintenance | None:
    """One round: add the missing days, drop the expired ones; None when another worker holds the round."""
    added: list[str] = []
    dropped: list[str] = []
    async with transaction(pool) as conn:
        if not await try_round_lock(conn, POSITIONS_LOCK):
            return None
        await repo.limit_lock_wait(conn, 2.0)
        existing = await repo.partitions(conn)
        for day in days_needed(now, settings.max_fix_age_days):
            end = day + timedelta(days=1)
            if not any((p.lower is None or p.lower < end) and day < p.upper for p in existing):
                added.append(await repo.add_day(conn, day))
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
