"""SQL for a caller's history: earlier calls from the same number and how their incidents ended."""

from __future__ import annotations

from datetime import datetime

import asyncpg


async def caller_counts(
    conn: asyncpg.Connection, number: str, at: datetime, hoax_patterns: list[str]
) -> asyncpg.Record:
    """Calls from the number (its last ten digits) in the 24 h and 7 days before `at`, and how many
    distinct incidents of those 7 days ended with a disposition matching a hoax pattern (ILIKE)."""
    row = await conn.fetchrow(
        """
        SELECT count(*) FILTER (WHERE c.received_at >= $2::timestamptz - interval '24 hours') AS calls_24h,
               count(*) AS calls_7d,
               count(DISTINCT c.incident_id)
                   FILTER (WHERE i.disposition ILIKE ANY($3::text[])) AS hoax_7d
        FROM calls c JOIN incidents i ON i.id = c.incident_id
        WHERE c.caller_number IS NOT NULL AND caller_key(c.caller_number) = caller_key($1)
          AND c.received_at >= $2::timestamptz - interval '7 days' AND c.received_at < $2::timestamptz
        """,
        number,
        at,
        hoax_patterns,
    )
    assert row is not None
    return row
