"""Which response target an incident gets: the most specific rule in force wins (resolved in SQL)."""

from __future__ import annotations

import asyncpg

from app.dispatch.targets import DEFAULT_TARGET_MINUTES
from app.repositories import incidents as repo


async def test_most_specific_target_wins(conn: asyncpg.Connection) -> None:
    await conn.execute("DELETE FROM response_targets")
    rules = [
        ("urban", 16, None, None),
        ("rural", 28, None, None),
        ("urban", 12, None, "women"),
        ("urban", 14, "Raipur", None),
        ("urban", 10, "Raipur", "women"),
    ]
    await conn.executemany(
        "INSERT INTO response_targets (area_type, minutes, district, category, set_by)"
        " VALUES ($1, $2, $3, $4, 't')",
        rules,
    )
    assert await repo.target_minutes(conn, "urban", "Durg", "police") == 16
    assert await repo.target_minutes(conn, "urban", "Durg", "women") == 12
    assert await repo.target_minutes(conn, "urban", "Raipur", "police") == 14
    assert await repo.target_minutes(conn, "urban", "Raipur", "women") == 10
    assert await repo.target_minutes(conn, "rural", "Raipur", "women") == 28
    # A newer rule for the same key replaces the older one; the history stays.
    await conn.execute(
        "INSERT INTO response_targets (area_type, minutes, district, category, set_by, set_at)"
        " VALUES ('urban', 15, NULL, NULL, 't', now() + interval '1 second')"
    )
    assert await repo.target_minutes(conn, "urban", "Durg", "police") == 15
    await conn.execute("DELETE FROM response_targets")
    assert await repo.target_minutes(conn, "rural", "Raipur", None) is None
    assert DEFAULT_TARGET_MINUTES["rural"] == 28  # what intake falls back to
