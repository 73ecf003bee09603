"""Use cases for the fleet: register and list units."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import asyncpg

from app.errors import Conflict, Invalid
from app.repositories import events as events_repo
from app.repositories import geography as geo_repo
from app.repositories import units as units_repo
from app.schemas.units import UnitCreate, UnitFilter, UnitRead
from app.security import Principal
from app.services.dispatcher import Dispatcher
from app.services.queue import offer_unit


def unit_read(row: asyncpg.Record | dict[str, Any], now: datetime, stale_after: timedelta) -> UnitRead:
    """A unit row as its API shape, with staleness judged at `now`."""
    return UnitRead(
        id=row["id"],
        callsign=row["callsign"],
        type=row["type"],
        district=row["district"],
        station=row["station_id"],
        status=row["status"],
        status_at=row["status_at"],
        lat=row["lat"],
        lon=row["lon"],
        position_at=row["position_at"],
        stale=now - row["position_at"] > stale_after,
    )


async def register_unit(
    conn: asyncpg.Connection,
    body: UnitCreate,
    *,
    dispatcher: Dispatcher,
    actor: Principal,
    now: datetime,
) -> asyncpg.Record:
    """Register a unit and offer it the queue; 422 for an unknown district or a position outside the area."""
    area, settings = dispatcher.area, dispatcher.settings
    if not await geo_repo.district_exists(conn, body.district):
        raise Invalid(f"district: unknown district {body.district!r}")
    placement = area.locate(body.lat, body.lon)
    if not placement.inside and placement.distance_km > settings.border_km:
        raise Invalid(
            f"lat/lon: position is outside the service area "
            f"({placement.distance_km:.1f} km from {placement.district})"
        )
    if body.station is not None and not await units_repo.station_exists(conn, body.station):
        raise Invalid(f"station: unknown station {body.station}")
    row = await units_repo.insert_unit(
        conn,
        callsign=body.callsign,
        unit_type=body.type,
        district=body.district,
        station_id=body.station,
        lat=body.lat,
        lon=body.lon,
        now=now,
    )
    if row is None:
        raise Conflict(f"callsign: a unit with callsign {body.callsign!r} already exists")
    await events_repo.append_event(
        conn,
        "unit.registered",
        actor.actor,
        unit_id=row["id"],
        district=row["district"],
        data={"callsign": row["callsign"], "type": row["type"]},
    )
    if await offer_unit(conn, dispatcher, row["id"], now, actor.actor) is not None:
        row = await units_repo.get_unit(conn, row["id"])
        assert row is not None
    return row


async def list_units(conn: asyncpg.Connection, flt: UnitFilter) -> list[asyncpg.Record]:
    """Units matching the filter."""
    return await units_repo.list_units(
        conn,
        district=flt.district,
        unit_type=flt.type,
        status=flt.status,
        limit=flt.limit,
        offset=flt.offset,
    )
