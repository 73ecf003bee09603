"""Fleet endpoints: register and list units."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from app.routers.deps import Admin, Db, Dispatch, OperatorOrSupervisor, SettingsDep, UnitActor
from app.routers.openapi_errors import CONFLICT
from app.routers.scope import ScopedDistrict, ScopedUnitCreate, UnitInScope
from app.schemas.incidents import UnitStatusBody
from app.schemas.units import UnitFilter, UnitRead
from app.security import utcnow
from app.services import unit_lifecycle
from app.services import units as units_service

router = APIRouter(prefix="/api/v1/units", tags=["units"])


@router.post("", status_code=201, responses=CONFLICT)
async def create_unit(
    principal: Admin, body: ScopedUnitCreate, db: Db, dispatcher: Dispatch, settings: SettingsDep
) -> UnitRead:
    """Register a unit (admin); it starts `available`."""
    now = utcnow()
    row = await units_service.register_unit(db, body, dispatcher=dispatcher, actor=principal, now=now)
    return units_service.unit_read(row, now, timedelta(minutes=settings.stale_position_minutes))


@router.get("")
async def list_units(
    principal: OperatorOrSupervisor,
    district: ScopedDistrict,
    flt: Annotated[UnitFilter, Query()],
    db: Db,
    settings: SettingsDep,
) -> list[UnitRead]:
    """Units with status and last position, filtered by district, type and status."""
    now = utcnow()
    stale = timedelta(minutes=settings.stale_position_minutes)
    flt = flt.model_copy(update={"district": district})
    return [units_service.unit_read(r, now, stale) for r in await units_service.list_units(db, flt)]


@router.post("/{unit_id}/status", responses=CONFLICT)
async def move_unit(
    principal: UnitActor,
    unit: UnitInScope,
    body: UnitStatusBody,
    db: Db,
    dispatcher: Dispatch,
    settings: SettingsDep,
) -> UnitRead:
    """Move a unit through its lifecycle; each step stamps its assignment (409 for impossible steps)."""
    now = utcnow()
    row = await unit_lifecycle.move_unit(db, dispatcher, unit.id, body, principal=principal, now=now)
    return units_service.unit_read(row, now, timedelta(minutes=settings.stale_position_minutes))
