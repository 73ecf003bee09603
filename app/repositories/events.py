"""SQL for the append-only event log (the truth behind every feed and audit)."""

from __future__ import annotations

from typing import Any

import asyncpg

from app.requestctx import current_request_id


async def append_event(
    conn: asyncpg.Connection,
    kind: str,
    actor: str,
    *,
    incident_id: int | None = None,
    unit_id: int | None = None,
    district: str | None = None,
    member_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """Append one event; returns its id.

    The request id is this request's (also for an audited read, whose transaction is not tagged);
    otherwise the column's default takes the transaction's, and background work has none.
    """
    event_id: int = await conn.fetchval(
        """INSERT INTO events (kind, actor, incident_id, unit_id, district, member_id, data, request_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7,
                   coalesce($8, nullif(current_setting('dial112.request_id', true), '')))
           RETURNING id""",
        kind,
        actor,
        incident_id,
        unit_id,
        district,
        member_id,
        data or {},
        current_request_id.get(),
    )
    return event_id
