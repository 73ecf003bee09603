"""SQL for units and their positions."""

from __future__ import annotations

from datetime import datetime

import asyncpg

UNIT_COLUMNS = """u.id, u.callsign, u.type, u.district, u.station_id, u.status, u.status_at,
                  u.lat, u.lon, u.position_at"""


async def insert_unit(
    conn: asyncpg.Connection,
    *,
    callsign: str,
    unit_type: str,
    district: str,
    station_id: int | None,
    lat: float,
    lon: float,
    now: datetime,
) -> asyncpg.Record | None:
    """Register a unit (available at its given position); None when the callsign is taken."""
    return await conn.fetchrow(
        f"""
        INSERT INTO units AS u (callsign, type, district, station_id, lat, lon, position_at, status_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
        ON CONFLICT (callsign) DO NOTHING
        RETURNING {UNIT_COLUMNS}
        """,
        callsign,
        unit_type,
        district,
        station_id,
        lat,
        lon,
        now,
    )


async def list_units(
    conn: asyncpg.Connection,
    *,
    district: str | None,
    unit_type: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    """Units matching the filters, by id."""
    return list(
        await conn.fetch(
            f"""
            SELECT {UNIT_COLUMNS} FROM units u
            WHERE ($1::text IS NULL OR u.district = $1)
              AND ($2::text IS NULL OR u.type = $2)
              AND ($3::text IS NULL OR u.status = $3)
            ORDER BY u.id LIMIT $4 OFFSET $5
            """,
            district,
            unit_type,
            status,
            limit,
            offset,
        )
    )


async def get_unit(conn: asyncpg.Connection, unit_id: int, *, lock: bool = False) -> asyncpg.Record | None:
    """One unit, optionally locked for update."""
    suffix = " FOR UPDATE" if lock else ""
    return await conn.fetchrow(f"SELECT {UNIT_COLUMNS} FROM units u WHERE u.id = $1{suffix}", unit_id)


async def station_exists(conn: asyncpg.Connection, station_id: int) -> bool:
    """True when the station exists."""
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM stations WHERE id = $1)", station_id))


async def upsert_demo_units(conn: asyncpg.Connection, rows: list[tuple[str, str, str, float, float]]) -> None:
    """Insert demo units by callsign; an existing free one goes back to its demo post with a fresh fix."""
    await conn.executemany(
        """
        INSERT INTO units AS u (callsign, type, district, lat, lon)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (callsign) DO UPDATE SET lat = EXCLUDED.lat, lon = EXCLUDED.lon, position_at = now()
        WHERE u.status = 'available'
        """,
        rows,
    )
