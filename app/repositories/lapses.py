"""SQL for what follows an unacknowledged assignment: the incident back in the queue, and mass lapses.

A mass lapse (many units silent at once) is a system fault — the responder app or its network is
down — and is told apart from a crew that did not answer by counting units, not assignments.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

OUTAGE = "system.ack_outage"
RESTORED = "system.ack_restored"


async def requeue_if_unserved(conn: asyncpg.Connection, incident_id: int) -> str | None:
    """A dispatched incident left with no active assignment goes back to `queued`; returns its district
    when it moved (None when it still has a unit, or is on scene, ended, or not dispatched)."""
    district: str | None = await conn.fetchval(
        """UPDATE incidents i SET status = 'queued'
           WHERE i.id = $1 AND i.status = 'dispatched'
             AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.incident_id = i.id AND a.cleared_at IS NULL)
           RETURNING i.district""",
        incident_id,
    )
    return district


async def lapse_state(
    conn: asyncpg.Connection, *, timeout_seconds: float, window_seconds: float, now: datetime
) -> tuple[list[int], str | None]:
    """(units silent now or withdrawn for silence within the window, the last outage alert's kind).

    Silent now: an active assignment unacknowledged past the timeout. Withdrawn: an assignment cleared
    as `unacknowledged` within the window before `now`.
    """
    row = await conn.fetchrow(
        """
        SELECT coalesce((SELECT array_agg(DISTINCT u.unit_id ORDER BY u.unit_id) FROM (
                   SELECT unit_id FROM assignments
                   WHERE cleared_at IS NULL AND acknowledged_at IS NULL
                     AND dispatched_at < $1::timestamptz - make_interval(secs => $2)
                   UNION ALL
                   SELECT unit_id FROM assignments
                   WHERE end_reason = 'unacknowledged'
                     AND cleared_at >= $1::timestamptz - make_interval(secs => $3)
               ) u), '{}') AS units,
               (SELECT kind FROM events
                WHERE kind LIKE 'system.%' AND kind IN ($4, $5) ORDER BY id DESC LIMIT 1) AS last_alert
        """,
        now,
        timeout_seconds,
        window_seconds,
        OUTAGE,
        RESTORED,
    )
    assert row is not None
    return list(row["units"]), row["last_alert"]
