"""The camera registry: register one camera, import a city's thousands, list them, and show an
incident's operator the cameras that can see it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import ValidationError

from app.config import Settings
from app.dispatch.geography import ServiceArea
from app.errors import Conflict, Invalid
from app.repositories import cameras as repo
from app.repositories.events import append_event
from app.schemas.cameras import CameraCreate, CameraRead, NearbyCamera
from app.schemas.incidents import IncidentRead
from app.security import Principal
from app.services.incidents import read_incident

IMPORT_COLUMNS = ("code", "name", "kind", "lat", "lon", "district", "live_url")
REQUIRED_COLUMNS = ("code", "name", "kind", "lat", "lon")


def camera_district(area: ServiceArea, body: CameraCreate, border_km: float) -> str:
    """The camera's district (the one given, or the one its location falls in); 422 naming the field.

    A camera may sit just outside the drawn border (district outlines are simplified), as a unit may;
    beyond DIAL112_BORDER_KM it is not this service area's camera.
    """
    placement = area.locate(body.lat, body.lon)
    if not placement.inside and placement.distance_km > border_km:
        raise Invalid(
            f"lat/lon: ({body.lat}, {body.lon}) is outside the service area "
            f"({placement.distance_km:.1f} km from {placement.district})"
        )
    if body.district is None:
        return placement.district
    if body.district not in area.district_names:
        raise Invalid(f"district: unknown district {body.district!r}")
    return body.district


async def register_camera(
    conn: asyncpg.Connection,
    body: CameraCreate,
    *,
    area: ServiceArea,
    settings: Settings,
    principal: Principal,
    now: datetime,
) -> CameraRead:
    """Register a camera or panic pole; 409 when its code is taken."""
    district = camera_district(area, body, settings.border_km)
    row = await repo.insert_camera(
        conn,
        code=body.code,
        name=body.name,
        kind=body.kind,
        lat=body.lat,
        lon=body.lon,
        district=district,
        live_url=body.live_url,
        actor=principal.actor,
        now=now,
    )
    if row is None:
        raise Conflict(f"code: a camera with code {body.code!r} already exists")
    return CameraRead.model_validate(dict(row))


def parse_near(near: str | None, radius_m: float | None) -> tuple[float, float] | None:
    """`LAT,LON` of a camera search; 422 naming `near` or `radius_m`."""
    if near is None:
        if radius_m is not None:
            raise Invalid("radius_m: only with near=LAT,LON")
        return None
    try:
        lat_text, lon_text = near.split(",")
        lat, lon = float(lat_text), float(lon_text)
    except ValueError as exc:
        raise Invalid(f"near: {near!r} is not LAT,LON in decimal degrees") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid(f"near: {near!r} is not a point on the earth")
    return lat, lon


async def list_cameras(
    conn: asyncpg.Connection,
    *,
    district: str | None,
    kind: str | None,
    near: str | None,
    radius_m: float | None,
    limit: int,
    offset: int,
    settings: Settings,
) -> list[CameraRead]:
    """Cameras by code, or nearest first around `near` (within radius_m, default DIAL112_CAMERA_RADIUS_M)."""
    point = parse_near(near, radius_m)
    rows = await repo.list_cameras(
        conn,
        district=district,
        kind=kind,
        near=point,
        radius_m=radius_m or settings.camera_radius_m,
        limit=limit,
        offset=offset,
    )
    return [CameraRead.model_validate(_rounded(dict(r))) for r in rows]


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    if row.get("distance_m") is not None:
        row["distance_m"] = round(row["distance_m"], 1)
    return row


async def read_incident_with_cameras(
    conn: asyncpg.Connection, incident_id: int, settings: Settings
) -> IncidentRead:
    """One incident (as GET /incidents/{id} shows it) with the cameras that can see it and its source."""
    incident = await read_incident(conn, incident_id)
    nearby = await repo.cameras_near(
        conn, incident.lat, incident.lon, settings.camera_radius_m, settings.camera_max_listed
    )
    update: dict[str, Any] = {"cameras": [NearbyCamera.model_validate(_rounded(dict(r))) for r in nearby]}
    source = await repo.source_alert_of_incident(conn, incident_id)
    if source is not None:
        update["source"] = {
            "kind": "camera_alert",
            "alert_id": source["id"],
            "alert_kind": source["kind"],
            "camera_code": source["camera_code"],
        }
    return incident.model_copy(update=update)


# ------------------------------------------------------------------------------------------- import


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did (or, with errors, why it wrote nothing)."""

    read: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: tuple[str, ...] = ()


def rows_from_csv(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(where, fields) per data line of a CSV with a header naming at least code,name,kind,lat,lon."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValueError(
            f"header: missing column(s) {', '.join(missing)} (columns: {', '.join(IMPORT_COLUMNS)})"
        )
    out = []
    for n, raw in enumerate(reader, start=2):
        fields = {
            k.strip(): (v or "").strip()
            for k, v in raw.items()
            if k is not None and k.strip() in IMPORT_COLUMNS
        }
        if not any(fields.values()):
            continue
        out.append((f"line {n}", {k: v for k, v in fields.items() if v != ""}))
    return out


def rows_from_geojson(data: Any) -> list[tuple[str, dict[str, Any]]]:
    """(where, fields) per Point feature of a GeoJSON FeatureCollection (properties code, name, kind, ...)."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValueError("not a GeoJSON FeatureCollection")
    out = []
    for n, feature in enumerate(data.get("features") or []):
        where = f"feature {n}"
        geometry = (feature or {}).get("geometry") or {}
        props = (feature or {}).get("properties") or {}
        fields: dict[str, Any] = {
            k: v for k, v in props.items() if k in IMPORT_COLUMNS and v not in (None, "")
        }
        coords = geometry.get("coordinates")
        if geometry.get("type") == "Point" and isinstance(coords, list) and len(coords) >= 2:
            fields["lon"], fields["lat"] = coords[0], coords[1]
        else:
            fields.pop("lat", None)
            fields.pop("lon", None)
            out.append((where, {**fields, "_error": "geometry: a Point [lon, lat] is required"}))
            continue
        out.append((where, fields))
    return out


def read_import_file(name: str, content: str) -> list[tuple[str, dict[str, Any]]]:
    """Rows of a camera file: GeoJSON when it is JSON (or named .geojson/.json), else CSV."""
    if name.lower().endswith((".geojson", ".json")) or content.lstrip().startswith("{"):
        return rows_from_geojson(json.loads(content))
    return rows_from_csv(content)


def validate_rows(
    rows: Iterable[tuple[str, dict[str, Any]]], area: ServiceArea, border_km: float
) -> tuple[list[tuple[str, str, str, float, float, str, str | None]], list[str]]:
    """Check every row as POST /cameras would; (rows to write, errors naming the line and field)."""
    good: list[tuple[str, str, str, float, float, str, str | None]] = []
    errors: list[str] = []
    first_seen: dict[str, str] = {}
    for where, fields in rows:
        if "_error" in fields:
            errors.append(f"{where}: {fields['_error']}")
            continue
        try:
            body = CameraCreate.model_validate(fields)
            district = camera_district(area, body, border_km)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors()
            )
            errors.append(f"{where}: {problems}")
            continue
        except Invalid as exc:
            errors.append(f"{where}: {exc.detail}")
            continue
        if body.code in first_seen:
            errors.append(f"{where}: code: {body.code!r} repeats {first_seen[body.code]}")
            continue
        first_seen[body.code] = where
        good.append((body.code, body.name, body.kind, body.lat, body.lon, district, body.live_url))
    return good, errors


async def import_cameras(
    conn: asyncpg.Connection,
    rows: list[tuple[str, dict[str, Any]]],
    *,
    area: ServiceArea,
    border_km: float,
    actor: str,
    now: datetime,
    skip_invalid: bool = False,
) -> ImportReport:
    """Insert or update cameras by code; any invalid row stops the import (unless skip_invalid)."""
    good, errors = validate_rows(rows, area, border_km)
    if errors and not skip_invalid:
        return ImportReport(read=len(rows), errors=tuple(errors))
    inserted, updated = await repo.upsert_cameras(conn, good, actor, now) if good else (0, 0)
    await append_event(
        conn,
        "camera.imported",
        actor,
        data={"read": len(rows), "inserted": inserted, "updated": updated, "skipped": len(errors)},
    )
    return ImportReport(
        read=len(rows),
        inserted=inserted,
        updated=updated,
        unchanged=len(good) - inserted - updated,
        errors=tuple(errors),
    )
