"""The position history is kept for the retention and no longer: whole weeks are added ahead and dropped."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from app.database import create_pool
from app.repositories import position_history as repo
from app.services.position_history import SPAN, maintain_once, span_of
from tests.conftest import make_settings

TWO_FIXES = (
    "INSERT INTO unit_positions (unit_id, lat, lon, recorded_at)"
    " VALUES ($1, 21.25, 81.63, $2), ($1, 21.25, 81.63, $3)"
)


async def _unit(conn: asyncpg.Connection) -> int:
    unit_id: int = await conn.fetchval(
        "INSERT INTO units (callsign, type, district, lat, lon)"
        " VALUES ('PH-1', 'police_erv', 'Raipur', 21.25, 81.63) RETURNING id"
    )
    return unit_id


async def test_days_are_added_ahead_and_days_past_the_retention_dropped(
    db_url: str, conn: asyncpg.Connection
) -> None:
    settings = make_settings(db_url, position_retention_days=90, max_fix_age_days=7)
    before = await repo.partitions(conn)
    assert before[0].lower is None  # the history from before the migration, one partition
    unit = await _unit(conn)
    old_day, last_day = before[0].upper - timedelta(hours=1), before[-1].lower
    assert last_day is not None
    await conn.execute(
        TWO_FIXES,
        unit,
        old_day,
        last_day,
    )
    # 100 days after the newest partition the migration made: everything it made has expired.
    later = before[-1].upper + timedelta(days=100)
    pool = await create_pool(db_url, 1, 2)
    try:
        done = await maintain_once(pool, settings, later)
        again = await maintain_once(pool, settings, later)
    finally:
        await pool.close()
    assert done is not None and sorted(done.dropped) == sorted(p.name for p in before)
    after = await repo.partitions(conn)
    # Whole spans from the one holding the oldest acceptable fix to two spans ahead, nothing else.
    assert [p.lower for p in after] == [
        span_of(later - timedelta(days=7)) + n * SPAN for n in range(len(after))
    ]
    assert after[-1].lower == span_of(later) + 2 * SPAN
    assert all(p.lower is not None and p.upper - p.lower == SPAN for p in after)
    assert all(p.upper > later - timedelta(days=90) for p in after)
    assert again is not None and again.added == again.dropped == []  # idempotent
    assert await conn.fetchval("SELECT count(*) FROM unit_positions") == 0
    # A fix recorded now and one a week old both have a day to go to.
    await conn.execute(
        TWO_FIXES,
        unit,
        later,
        later - timedelta(days=7),
    )


async def test_the_history_stays_append_only(conn: asyncpg.Connection) -> None:
    unit = await _unit(conn)
    await conn.execute(
        "INSERT INTO unit_positions (unit_id, lat, lon, recorded_at) VALUES ($1, 21.25, 81.63, now())", unit
    )
    for statement in ("UPDATE unit_positions SET lat = 0", "DELETE FROM unit_positions"):
        try:
            await conn.execute(statement)
        except asyncpg.RestrictViolationError:
            continue
        raise AssertionError(f"{statement} was allowed")
