"""SQL for the append-only event log (the truth behind every feed and audit)."""

from __future__ import annotations

from typing import Any

import asyncpg


async def append_event(
    conn: asyncpg.Connection,
    kind: str,
    actor: str,
    *,
    incident_id: int | None = None,
    unit_id: int | None = None,
    district: str | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """Append one event; returns its id."""
    event_id: int = await conn.fetchval(
        """INSERT INTO events (kind, actor, incident_id, unit_id, district, data)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id""",
        kind,
        actor,
        incident_id,
        unit_id,
        district,
        data or {},
    )
    return event_id
