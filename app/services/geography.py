"""Loading the deployment's geography: GeoJSON files into the database, and the database into memory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import asyncpg

from app.dispatch.gazetteer import Gazetteer
from app.dispatch.geography import Region, ServiceArea
from app.dispatch.registry import UNIT_TYPE_NAMES
from app.dispatch.targets import DEFAULT_TARGET_MINUTES
from app.repositories import geography as geo_repo


def read_collection(path: Path) -> dict[str, Any]:
    """A GeoJSON FeatureCollection from a file."""
    with path.open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    if data.get("type") != "FeatureCollection":
        raise ValueError(f"{path}: not a GeoJSON FeatureCollection")
    return data


async def seed_geography(conn: asyncpg.Connection, geography_dir: Path) -> tuple[int, int]:
    """Load the unit types, districts.geojson and urban_zones.geojson (idempotent); returns the counts."""
    await geo_repo.ensure_unit_types(conn, list(UNIT_TYPE_NAMES))
    districts = read_collection(geography_dir / "districts.geojson")["features"]
    zones_path = geography_dir / "urban_zones.geojson"
    zones = read_collection(zones_path)["features"] if zones_path.exists() else []
    for feature in districts:
        await geo_repo.upsert_district(conn, feature["properties"], feature["geometry"])
    for feature in zones:
        await geo_repo.upsert_urban_zone(conn, feature["properties"], feature["geometry"])
    for feature in districts:  # every district gets its control room at headquarters as a first station
        props = feature["properties"]
        if props.get("hq_lat") is not None and props.get("hq_lon") is not None:
            name = f"{props.get('headquarters') or props['name']} District Control Room"
            await geo_repo.ensure_station(conn, name, props["name"], props["hq_lat"], props["hq_lon"])
    for area_type, minutes in DEFAULT_TARGET_MINUTES.items():
        await geo_repo.ensure_default_target(conn, area_type, minutes, "system:seed")
    return len(districts), len(zones)


async def load_service_area(conn: asyncpg.Connection) -> ServiceArea | None:
    """The service area as stored; None before `dial112 seed` has run."""
    districts = await geo_repo.list_districts(conn)
    if not districts:
        return None
    zones = await geo_repo.list_urban_zones(conn)
    return ServiceArea(
        [Region(r["name"], r["geometry"]) for r in districts],
        [Region(r["name"], r["geometry"], r["district"]) for r in zones],
    )


def load_gazetteer(geography_dir: Path) -> Gazetteer:
    """The deployment's gazetteer (gazetteer.json beside the GeoJSON), empty when it has none."""
    path = geography_dir / "gazetteer.json"
    if not path.exists():
        return Gazetteer([])
    with path.open(encoding="utf-8") as f:
        return Gazetteer(json.load(f)["places"])
