"""SQL for access checks: which district a record belongs to."""

from __future__ import annotations

import asyncpg


async def incident_district(conn: asyncpg.Connection, incident_id: int) -> str | None:
    """The incident's district; None when there is no such incident."""
    district: str | None = await conn.fetchval("SELECT district FROM incidents WHERE id = $1", incident_id)
    return district


async def unit_district(conn: asyncpg.Connection, unit_id: int) -> str | None:
    """The unit's district; None when there is no such unit."""
    district: str | None = await conn.fetchval("SELECT district FROM units WHERE id = $1", unit_id)
    return district


async def camera_alert_district(conn: asyncpg.Connection, alert_id: int) -> str | None:
    """The alert's district (its camera's when it came); None when there is no such alert."""
    district: str | None = await conn.fetchval("SELECT district FROM camera_alerts WHERE id = $1", alert_id)
    return district
