"""SQL for the daily partitions of the position history (unit_positions, partitioned by recorded_at)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

PARTITION_PREFIX = "unit_positions_p"


@dataclass(frozen=True, slots=True)
class Partition:
    """One partition and the recorded_at range it holds (lower None: from the beginning of time)."""

    name: str
    lower: datetime | None
    upper: datetime


async def partitions(conn: asyncpg.Connection) -> list[Partition]:
    """Every partition of the history with its bounds, oldest first."""
    rows = await conn.fetch(
        r"""
        WITH bounds AS (
            SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'unit_positions'::regclass
        )
        SELECT name,
               substring(bound FROM 'FROM \(''([^'']+)''\)')::timestamptz AS lower,
               substring(bound FROM 'TO \(''([^'']+)''\)')::timestamptz AS upper
        FROM bounds ORDER BY upper
        """
    )
    return [Partition(r["name"], r["lower"], r["upper"]) for r in rows]


async def add_range(conn: asyncpg.Connection, start: datetime, end: datetime) -> str:
    """Attach the partition of [start, end) (created empty, then attached: inserts are never blocked)."""
    name = f"{PARTITION_PREFIX}{start:%Y%m%d}"
    lower, upper = start.isoformat(), end.isoformat()
    # CREATE TABLE ... PARTITION OF would lock the whole history against inserts; ATTACH of a table whose
    # CHECK already proves the range takes a lighter lock and scans nothing.
    await conn.execute(f'CREATE TABLE "{name}" (LIKE unit_positions INCLUDING DEFAULTS)')
    await conn.execute(
        f"""ALTER TABLE "{name}" ADD CONSTRAINT "ck_{name}_range"
            CHECK (recorded_at >= '{lower}' AND recorded_at < '{upper}')"""
    )
    await conn.execute(
        f"ALTER TABLE unit_positions ATTACH PARTITION \"{name}\" FOR VALUES FROM ('{lower}') TO ('{upper}')"
    )
    return name


async def drop(conn: asyncpg.Connection, name: str) -> None:
    """Drop one partition and every position in it."""
    await conn.execute(f'DROP TABLE "{name}"')


async def limit_lock_wait(conn: asyncpg.Connection, seconds: float) -> None:
    """DDL in this transaction gives up after `seconds` rather than queue inserts behind it."""
    await conn.execute(f"SET LOCAL lock_timeout = '{int(seconds * 1000)}ms'")
