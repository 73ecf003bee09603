"""District scope and load-or-404: routes receive only records the caller may touch (403 otherwise).

A token made with `--district NAME` is scoped: lists are limited to that district and another
district's record is 403. Tokens without a district (state control room, HQ) see everything their
role allows. Each check is a dependency, declared after the route's role check, so a route reads:
`principal: Operator, incident: CurrentIncident, db: Db` — authenticate, authorise, load, act.
Responders are bound to one unit by their token and never need a look-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

from app.database import connection
from app.errors import Forbidden, NotFound
from app.repositories import scope as repo
from app.routers.deps import Area, Db, current_principal
from app.routers.openapi_errors import raises
from app.schemas.access import RevocationCreate
from app.schemas.analytics import TargetCreate
from app.schemas.cameras import CameraCreate
from app.schemas.incidents import AssignBody
from app.schemas.units import UnitCreate
from app.security import Principal

Caller = Annotated[Principal, Depends(current_principal)]


@dataclass(frozen=True, slots=True)
class IncidentRef:
    """An incident that exists and that the caller may touch."""

    id: int
    district: str


@dataclass(frozen=True, slots=True)
class UnitRef:
    """A unit the caller may act for (district None: a responder's own unit, not looked up)."""

    id: int
    district: str | None


def ensure_in_scope(principal: Principal, district: str | None, what: str) -> None:
    """403 unless the caller is unscoped or the record is in the caller's district."""
    if principal.district is not None and district != principal.district:
        where = f"district {district}" if district else "no district"
        raise Forbidden(f"{what} is in {where}; this token is limited to district {principal.district}")


@raises(403)
async def scoped_district(request: Request, principal: Caller) -> str | None:
    """The `district` a list is limited to: the token's own district, or what an unscoped caller asked.

    Read from the raw query (the route declares and documents `district` itself); a scoped caller who
    asks for another district gets 403 rather than a silently different answer.
    """
    asked = request.query_params.get("district")
    if principal.district is None:
        return asked
    for value in (asked or "").split(","):
        if value.strip() and value.strip() != principal.district:
            raise Forbidden(
                f"district: this token is limited to district {principal.district}, not {value.strip()!r}"
            )
    return principal.district


@raises(403, 404)
async def incident_in_scope(incident_id: int, principal: Caller, db: Db) -> IncidentRef:
    """The addressed incident: 404 when it does not exist, 403 when it is another district's."""
    district = await repo.incident_district(db, incident_id)
    if district is None:
        raise NotFound(f"incident {incident_id} not found")
    ensure_in_scope(principal, district, f"incident {incident_id}")
    return IncidentRef(incident_id, district)


@raises(403, 404)
async def unit_in_scope(unit_id: int, principal: Caller, db: Db) -> UnitRef:
    """The addressed unit: a responder's own (403 for any other), or one of the caller's district."""
    if principal.role == "responder":
        if principal.unit_id != unit_id:
            raise Forbidden(f"this responder token is bound to unit {principal.unit_id}, not unit {unit_id}")
        return UnitRef(unit_id, None)
    district = await repo.unit_district(db, unit_id)
    if district is None:
        raise NotFound(f"unit {unit_id} not found")
    ensure_in_scope(principal, district, f"unit {unit_id}")
    return UnitRef(unit_id, district)


@raises(403)
async def unit_create_in_scope(body: UnitCreate, principal: Caller) -> UnitCreate:
    """A new unit's body: a scoped admin registers units of their own district only."""
    ensure_in_scope(principal, body.district, f"district: unit {body.callsign!r}")
    return body


@raises(403, 404)
async def assign_in_scope(body: AssignBody, principal: Caller, db: Db) -> AssignBody:
    """A manual assignment's body: a scoped operator sends only units of their own district."""
    if principal.district is not None:
        district = await repo.unit_district(db, body.unit_id)
        if district is None:
            raise NotFound(f"unit {body.unit_id} not found")
        ensure_in_scope(principal, district, f"unit_id: unit {body.unit_id}")
    return body


@raises(403)
async def target_in_scope(body: TargetCreate, principal: Caller) -> TargetCreate:
    """A new target's body: a scoped admin sets targets for their own district only (not state-wide)."""
    ensure_in_scope(principal, body.district, "district: the target")
    return body


@raises(403)
async def own_unit_responder(unit_id: int, principal: Caller) -> Principal:
    """Only the unit's own responder token (a GPS fix comes from the vehicle's device, nobody else)."""
    if principal.role != "responder" or principal.unit_id != unit_id:
        raise Forbidden(f"only unit {unit_id}'s own responder token may do this")
    return principal


own_unit_responder.allowed_roles = ("responder",)  # type: ignore[attr-defined]  # read by the access tests


@raises(403, 404)
async def unit_stream_in_scope(unit_id: int, principal: Caller, request: Request) -> UnitRef:
    """As UnitInScope, for a stream: the look-up takes a connection only for itself, never held.

    A stream's handler takes its own connections; holding the unit of work meanwhile would make every
    opening stream need two at once, and a reconnect storm could then wait on the pool for ever.
    """
    if principal.role == "responder":
        if principal.unit_id != unit_id:
            raise Forbidden(f"this responder token is bound to unit {principal.unit_id}, not unit {unit_id}")
        return UnitRef(unit_id, None)
    async with connection(request.app.state.pool) as conn:
        district = await repo.unit_district(conn, unit_id)
    if district is None:
        raise NotFound(f"unit {unit_id} not found")
    ensure_in_scope(principal, district, f"unit {unit_id}")
    return UnitRef(unit_id, district)


@raises(403, 404)
async def revocation_in_scope(body: RevocationCreate, principal: Caller, db: Db) -> RevocationCreate:
    """A revocation's body: a scoped admin revokes only units of their district.

    Never people or jtis: a token does not show whose district they are.
    """
    if principal.district is None:
        return body
    if body.unit_id is None:
        raise Forbidden(
            f"this token is limited to district {principal.district}: it may revoke by unit_id only"
        )
    district = await repo.unit_district(db, body.unit_id)
    if district is None:
        raise NotFound(f"unit {body.unit_id} not found")
    ensure_in_scope(principal, district, f"unit_id: unit {body.unit_id}")
    return body


@raises(403, 404)
async def camera_alert_in_scope(
    alert_id: Annotated[int, Path(ge=1, le=9_223_372_036_854_775_807, description="a camera alert id")],
    principal: Caller,
    db: Db,
) -> int:
    """The addressed camera alert: 404 when it does not exist, 403 when it is another district's."""
    district = await repo.camera_alert_district(db, alert_id)
    if district is None:
        raise NotFound(f"camera alert {alert_id} not found")
    ensure_in_scope(principal, district, f"camera alert {alert_id}")
    return alert_id


@raises(403)
async def camera_create_in_scope(body: CameraCreate, principal: Caller, area: Area) -> CameraCreate:
    """A new camera's body: a scoped admin registers cameras of their own district only."""
    if principal.district is not None:
        district = body.district or area.locate(body.lat, body.lon).district
        ensure_in_scope(principal, district, f"district: camera {body.code!r}")
    return body


ScopedDistrict = Annotated[str | None, Depends(scoped_district)]
CameraAlertInScope = Annotated[int, Depends(camera_alert_in_scope)]
ScopedCameraCreate = Annotated[CameraCreate, Depends(camera_create_in_scope)]
CurrentIncident = Annotated[IncidentRef, Depends(incident_in_scope)]
UnitInScope = Annotated[UnitRef, Depends(unit_in_scope)]
UnitStreamInScope = Annotated[UnitRef, Depends(unit_stream_in_scope)]
OwnUnitResponder = Annotated[Principal, Depends(own_unit_responder)]
ScopedUnitCreate = Annotated[UnitCreate, Depends(unit_create_in_scope)]
ScopedAssign = Annotated[AssignBody, Depends(assign_in_scope)]
ScopedTarget = Annotated[TargetCreate, Depends(target_in_scope)]
ScopedRevocation = Annotated[RevocationCreate, Depends(revocation_in_scope)]
