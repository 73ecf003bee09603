"""SQL for districts, urban zones and response targets."""

from __future__ import annotations

from typing import Any

import asyncpg

from app.dispatch.geography import bounding_box


async def upsert_district(conn: asyncpg.Connection, props: dict[str, Any], geometry: dict[str, Any]) -> None:
    """Insert or update one district by name."""
    box = bounding_box(geometry)
    await conn.execute(
        """
        INSERT INTO districts (name, headquarters, division, hq_lat, hq_lon, geometry,
                               min_lon, min_lat, max_lon, max_lat, properties)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (name) DO UPDATE SET
            headquarters = EXCLUDED.headquarters, division = EXCLUDED.division,
            hq_lat = EXCLUDED.hq_lat, hq_lon = EXCLUDED.hq_lon, geometry = EXCLUDED.geometry,
            min_lon = EXCLUDED.min_lon, min_lat = EXCLUDED.min_lat,
            max_lon = EXCLUDED.max_lon, max_lat = EXCLUDED.max_lat, properties = EXCLUDED.properties
        """,
        props["name"],
        props.get("headquarters"),
        props.get("division"),
        props.get("hq_lat"),
        props.get("hq_lon"),
        geometry,
        *box,
        props,
    )


async def upsert_urban_zone(
    conn: asyncpg.Connection, props: dict[str, Any], geometry: dict[str, Any]
) -> None:
    """Insert or update one urban zone by name."""
    box = bounding_box(geometry)
    await conn.execute(
        """
        INSERT INTO urban_zones (name, district, geometry, min_lon, min_lat, max_lon, max_lat, properties)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (name) DO UPDATE SET
            district = EXCLUDED.district, geometry = EXCLUDED.geometry,
            min_lon = EXCLUDED.min_lon, min_lat = EXCLUDED.min_lat,
            max_lon = EXCLUDED.max_lon, max_lat = EXCLUDED.max_lat, properties = EXCLUDED.properties
        """,
        props["name"],
        props["district"],
        geometry,
        *box,
        props,
    )


async def ensure_station(conn: asyncpg.Connection, name: str, district: str, lat: float, lon: float) -> None:
    """Create a station by name unless it exists (stations are the accountability unit below a district)."""
    await conn.execute(
        "INSERT INTO stations (name, district, lat, lon) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (name) DO NOTHING",
        name,
        district,
        lat,
        lon,
    )


async def list_districts(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """All districts with their geometry, by name."""
    return list(await conn.fetch("SELECT name, geometry, hq_lat, hq_lon FROM districts ORDER BY name"))


async def list_urban_zones(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """All urban zones with their geometry, by name."""
    return list(await conn.fetch("SELECT name, district, geometry FROM urban_zones ORDER BY name"))


async def district_exists(conn: asyncpg.Connection, name: str) -> bool:
    """True when a district of that name is loaded."""
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM districts WHERE name = $1)", name))


async def ensure_default_target(conn: asyncpg.Connection, area_type: str, minutes: float, actor: str) -> None:
    """Insert the state-wide target for an area type unless one exists."""
    await conn.execute(
        """
        INSERT INTO response_targets (area_type, minutes, set_by)
        SELECT $1, $2, $3
        WHERE NOT EXISTS (SELECT 1 FROM response_targets
                          WHERE area_type = $1 AND district IS NULL AND category IS NULL)
        """,
        area_type,
        minutes,
        actor,
    )


async def ensure_unit_types(conn: asyncpg.Connection, names: list[str]) -> None:
    """Make every registered unit type known to the database (its foreign key checks units)."""
    await conn.executemany(
        "INSERT INTO unit_types (name) VALUES ($1) ON CONFLICT DO NOTHING", [(n,) for n in names]
    )
