"""Responder apps and tracking gateways: GPS fixes, acknowledgements, real-time feeds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from app.errors import Forbidden, Invalid
from app.realtime import sse
from app.repositories import feed as feed_repo
from app.routers.deps import (
    Db,
    DbDirect,
    Operator,
    OperatorOrSupervisor,
    SettingsDep,
    UnitActor,
    current_principal,
)
from app.schemas.tracking import AcknowledgeBody, FixesResult, FixIn
from app.security import Principal, utcnow
from app.services import tracking as tracking_service
from app.services import unit_lifecycle

router = APIRouter(prefix="/api/v1", tags=["responders"])
MAX_BATCH = 10_000
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}


def _own_unit_only(unit_id: int, principal: Principal) -> None:
    if principal.role != "responder" or principal.unit_id != unit_id:
        raise Forbidden(f"only unit {unit_id}'s own responder token may do this")


@router.post("/units/{unit_id}/location")
async def post_location(
    unit_id: int,
    body: FixIn,
    db: DbDirect,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(current_principal)],
) -> FixesResult:
    """One GPS fix from the unit's own responder app."""
    _own_unit_only(unit_id, principal)
    return await tracking_service.ingest_fix(db, unit_id, body, settings=settings, now=utcnow())


@router.post("/units/locations")
async def post_locations(
    db: DbDirect, settings: SettingsDep, principal: Operator, items: Annotated[list[Any], Body()]
) -> FixesResult:
    """Many fixes from a tracking gateway; each is judged on its own and the answer says which were taken."""
    if len(items) > MAX_BATCH:
        raise Invalid(f"body: at most {MAX_BATCH} fixes per batch ({len(items)} sent)")
    return await tracking_service.ingest_fixes(db, items, settings=settings, now=utcnow())


@router.post("/units/{unit_id}/acknowledge")
async def acknowledge(
    unit_id: int, db: Db, principal: UnitActor, body: Annotated[AcknowledgeBody | None, Body()] = None
) -> dict[str, Any]:
    """The crew has seen its assignment (moving to en_route also counts)."""
    return await unit_lifecycle.acknowledge(
        db, unit_id, body.assignment_id if body else None, principal=principal, now=utcnow()
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
    request: Request,
    settings: SettingsDep,
    principal: UnitActor,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """The unit's offers, updates and cancellations as server-sent events; resume with Last-Event-ID."""
    pool, hub = request.app.state.pool, request.app.state.hub
    after = await sse.resume_point(pool, last_event_id)

    async def read(conn: Any, after_seq: int, limit: int) -> Any:
        return await feed_repo.unit_events_after(conn, unit_id, after_seq, limit)

    def wanted(row: Any) -> bool:
        return bool(row["unit_id"] == unit_id)

    return StreamingResponse(
        sse.stream(pool, hub, read, wanted, after, settings.sse_heartbeat_seconds),
        media_type="text/event-stream",
        headers=SSE_HEADERS,
    )


@router.get("/events", response_class=StreamingResponse, responses=SSE_DOC)
async def console_events(
    request: Request,
    settings: SettingsDep,
    principal: OperatorOrSupervisor,
    district: Annotated[str | None, Query()] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Every incident and unit change (optionally of one district) for control-room consoles."""
    pool, hub = request.app.state.pool, request.app.state.hub
    after = await sse.resume_point(pool, last_event_id)

    async def read(conn: Any, after_seq: int, limit: int) -> Any:
        return await feed_repo.events_after(conn, district, after_seq, limit)

    def wanted(row: Any) -> bool:
        return district is None or row["district"] == district

    return StreamingResponse(
        sse.stream(pool, hub, read, wanted, after, settings.sse_heartbeat_seconds),
        media_type="text/event-stream",
        headers=SSE_HEADERS,
    )
