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
        INSERT INTO units AS u (callsign, type, district, lat, lon, station_id)
        VALUES ($1, $2, $3, $4, $5, (SELECT id FROM stations WHERE district = $3 ORDER BY id LIMIT 1))
        ON CONFLICT (callsign) DO UPDATE SET lat = EXCLUDED.lat, lon = EXCLUDED.lon, position_at = now(),
                                             station_id = EXCLUDED.station_id
        WHERE u.status = 'available'
        """,
        rows,
    )


async def latest_fixes(conn: asyncpg.Connection, unit_ids: list[int]) -> list[asyncpg.Record]:
    """Each existing unit, its district and latest GPS fix (lat/lon/recorded_at null before its first)."""
    return list(
        await conn.fetch(
            """SELECT u.id, u.district, p.lat, p.lon, p.recorded_at FROM units u
               LEFT JOIN LATERAL (SELECT lat, lon, recorded_at FROM unit_positions
                                  WHERE unit_id = u.id ORDER BY recorded_at DESC LIMIT 1) p ON true
               WHERE u.id = ANY($1::bigint[])""",
            unit_ids,
        )
    )


async def store_fixes(
    conn: asyncpg.Connection,
    unit_ids: list[int],
    lats: list[float],
    lons: list[float],
    recorded: list[datetime],
    speeds: list[float | None],
    headings: list[float | None],
) -> int:
    """Append fixes to the history and move each unit to its newest fix (never back to an older one)."""
    updated: int = await conn.fetchval(
        """
        WITH input AS (
            SELECT * FROM unnest($1::bigint[], $2::float8[], $3::float8[], $4::timestamptz[], $5::real[],
                                 $6::real[]) AS t(unit_id, lat, lon, recorded_at, speed_kmh, heading)
        ), history AS (
            INSERT INTO unit_positions (unit_id, lat, lon, recorded_at, speed_kmh, heading)
            SELECT unit_id, lat, lon, recorded_at, speed_kmh, heading FROM input
        ), newest AS (
            SELECT DISTINCT ON (unit_id) unit_id, lat, lon, recorded_at FROM input
            ORDER BY unit_id, recorded_at DESC
        ), moved AS (
            UPDATE units u SET lat = n.lat, lon = n.lon, position_at = n.recorded_at, silent_since = NULL
            FROM newest n WHERE u.id = n.unit_id AND u.position_at < n.recorded_at
            RETURNING u.id
        )
        SELECT count(*) FROM moved
        """,
        unit_ids,
        lats,
        lons,
        recorded,
        speeds,
        headings,
    )
    return updated


async def still_available(conn: asyncpg.Connection, unit_ids: list[int]) -> list[int]:
    """Which of these units are available (a plain read: it does not wait for row locks)."""
    return [
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM units WHERE id = ANY($1::bigint[]) AND status = 'available'", unit_ids
        )
    ]
