"""Responder apps and tracking gateways: GPS fixes, acknowledgements, real-time feeds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request
from fastapi.responses import StreamingResponse

from app.errors import Invalid
from app.realtime import sse
from app.realtime.revocations import until_revoked
from app.repositories import feed as feed_repo
from app.routers.deps import (
    Db,
    DbDirect,
    Operator,
    OperatorOrSupervisor,
    SettingsDep,
    UnitActor,
)
from app.routers.openapi_errors import CONFLICT, NOT_FOUND
from app.routers.scope import OwnUnitResponder, ScopedDistrict, UnitInScope, UnitStreamInScope
from app.schemas.tracking import AcknowledgeBody, FixesResult, FixIn
from app.security import utcnow
from app.services import tracking as tracking_service
from app.services import unit_lifecycle

router = APIRouter(prefix="/api/v1", tags=["responders"])
MAX_BATCH = 10_000
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}


@router.post("/units/{unit_id}/location", responses=NOT_FOUND)
async def post_location(
    unit_id: int, principal: OwnUnitResponder, body: FixIn, db: DbDirect, settings: SettingsDep
) -> FixesResult:
    """One GPS fix from the unit's own responder app."""
    return await tracking_service.ingest_fix(db, unit_id, body, settings=settings, now=utcnow())


@router.post("/units/locations")
async def post_locations(
    principal: Operator, items: Annotated[list[Any], Body()], db: DbDirect, settings: SettingsDep
) -> FixesResult:
    """Many fixes from a tracking gateway; each is judged on its own and the answer says which were taken.

    A gateway token scoped to a district reports that district's units only (others are rejected items).
    """
    if len(items) > MAX_BATCH:
        raise Invalid(f"body: at most {MAX_BATCH} fixes per batch ({len(items)} sent)")
    return await tracking_service.ingest_fixes(
        db, items, settings=settings, now=utcnow(), district=principal.district
    )


@router.post("/units/{unit_id}/acknowledge", responses=CONFLICT)
async def acknowledge(
    principal: UnitActor,
    unit: UnitInScope,
    db: Db,
    body: Annotated[AcknowledgeBody | None, Body()] = None,
) -> dict[str, Any]:
    """The crew has seen its assignment (moving to en_route also counts)."""
    return await unit_lifecycle.acknowledge(
        db, unit.id, body.assignment_id if body else None, principal=principal, now=utcnow()
    )


SSE_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "server-sent events: `id:` (the feed sequence), `event:` (the kind), `data:` (JSON)",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.get("/units/{unit_id}/events", response_class=StreamingResponse, responses=SSE_DOC)
async def unit_events(
    unit_id: int,
    principal: UnitActor,
    unit: UnitStreamInScope,
    request: Request,
    settings: SettingsDep,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """The unit's offers, updates and cancellations as server-sent events; resume with Last-Event-ID."""
    pool, hub = request.app.state.pool, request.app.state.hub
    after = await sse.resume_point(pool, last_event_id)

    async def read(conn: Any, after_seq: int, limit: int) -> Any:
        return await feed_repo.unit_events_after(conn, unit_id, after_seq, limit)

    def wanted(row: Any) -> bool:
        return bool(row["unit_id"] == unit_id)

    events = sse.stream(pool, hub, read, wanted, after, settings.sse_heartbeat_seconds)
    return StreamingResponse(
        until_revoked(events, request.app.state.revocation_watch, principal),
        media_type="text/event-stream",
        headers=SSE_HEADERS,
    )


@router.get("/events", response_class=StreamingResponse, responses=SSE_DOC)
async def console_events(
    principal: OperatorOrSupervisor,
    scope: ScopedDistrict,
    request: Request,
    settings: SettingsDep,
    district: Annotated[str | None, Query()] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Every incident and unit change (optionally of one district) for control-room consoles.

    A district console also gets the state-wide system alerts (kind `system.*`, e.g. a responder-app outage).
    """
    pool, hub = request.app.state.pool, request.app.state.hub
    after = await sse.resume_point(pool, last_event_id)

    async def read(conn: Any, after_seq: int, limit: int) -> Any:
        return await feed_repo.events_after(conn, scope, after_seq, limit)

    def wanted(row: Any) -> bool:
        return scope is None or row["district"] == scope or feed_repo.is_system_alert(row["kind"])

    events = sse.stream(pool, hub, read, wanted, after, settings.sse_heartbeat_seconds)
    return StreamingResponse(
        until_revoked(events, request.app.state.revocation_watch, principal),
        media_type="text/event-stream",
        headers=SSE_HEADERS,
    )
