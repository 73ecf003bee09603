"""Oversight: response targets, an incident's clock, live risk, HQ review of women cases, the lapse report."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from app.routers.deps import (
    Admin,
    Analyst,
    Db,
    Dispatch,
    OperatorOrSupervisor,
    SettingsDep,
    Supervisor,
    require,
)
from app.routers.scope import CurrentIncident, ScopedDistrict, ScopedTarget
from app.schemas.analytics import (
    ClockRead,
    ReviewCreate,
    ReviewQueueItem,
    ReviewRead,
    RiskRead,
    SeriousBody,
    SeriousRead,
    TargetRead,
)
from app.security import Principal, utcnow
from app.services import analytics as analytics_service
from app.services import oversight as service

router = APIRouter(prefix="/api/v1", tags=["oversight"])

ClockReader = Annotated[Principal, Depends(require("operator", "supervisor", "analyst", "admin"))]


@router.get("/targets", response_model=list[TargetRead])
async def list_targets(principal: Analyst, db: Db) -> list[dict[str, Any]]:
    """Every response target ever set (who, when); `current` marks the ones in force."""
    return await service.list_targets(db)


@router.post("/targets", status_code=201, response_model=TargetRead)
async def set_target(principal: Admin, body: ScopedTarget, db: Db) -> dict[str, Any]:
    """Put a new target in force for its key; the old one stays in the history."""
    return await service.set_target(
        db,
        area_type=body.area_type,
        district=body.district,
        category=body.category,
        minutes=body.minutes,
        principal=principal,
        now=utcnow(),
    )


@router.get("/incidents/at-risk", response_model=list[RiskRead])
async def incidents_at_risk(
    principal: OperatorOrSupervisor,
    scope: ScopedDistrict,
    db: Db,
    dispatcher: Dispatch,
    district: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="the most urgent N")] = 100,
) -> list[dict[str, Any]]:
    """Open incidents that will miss their target (late ETA, no unit, already late), most urgent first."""
    return await service.at_risk(db, dispatcher.eta, utcnow(), district=scope, limit=limit)


@router.get("/incidents/{incident_id}/clock", response_model=ClockRead)
async def incident_clock(principal: ClockReader, incident: CurrentIncident, db: Db) -> dict[str, Any]:
    """The incident's intervals (processing, response) and each assignment's (ack, turnout, travel).

    Analysts may read clocks: intervals and unit ids only, no caller, words or place beyond the district.
    """
    return await service.read_clock(db, incident.id)


@router.post("/incidents/{incident_id}/serious", response_model=SeriousRead)
async def mark_serious(
    principal: OperatorOrSupervisor, incident: CurrentIncident, body: SeriousBody, db: Db
) -> dict[str, Any]:
    """Mark a case serious: a women case so marked goes to HQ's review queue whatever its priority."""
    return await service.mark_serious(db, incident.id, body.reason, principal=principal, now=utcnow())


@router.get("/oversight/women", response_model=list[ReviewQueueItem])
async def women_review_queue(
    principal: Supervisor,
    scope: ScopedDistrict,
    db: Db,
    settings: SettingsDep,
    status: Literal["pending", "reviewed", "overdue"] | None = None,
    district: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """HQ's queue of serious crimes against women: review status, due time and overdue flag."""
    return await service.review_queue(
        db,
        hours=settings.women_review_hours,
        now=utcnow(),
        district=scope,
        review_status=status,
        limit=limit,
    )


@router.post("/oversight/women/{incident_id}/reviews", status_code=201, response_model=ReviewRead)
async def review_women_case(
    principal: Supervisor, incident: CurrentIncident, body: ReviewCreate, db: Db
) -> dict[str, Any]:
    """Record a supervisor's review (outcome, notes) of a case in the queue."""
    return await service.add_review(
        db, incident.id, body.outcome, body.notes, principal=principal, now=utcnow()
    )


@router.get("/oversight/lapses")
async def lapses(
    principal: Supervisor,
    scope: ScopedDistrict,
    db: Db,
    settings: SettingsDep,
    group_by: Literal["district", "station", "unit"] = "district",
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    district: str | None = None,
) -> list[dict[str, Any]]:
    """Breached targets, unacknowledged assignments, closures without disposition, long turnouts, and
    Samarpan members' needs unmet too long (`unmet_senior_needs`, with member ids)."""
    s = analytics_service.build_slice(None, from_, to, {}, (), ())
    return await service.lapse_report(
        db,
        group_by=group_by,
        start=s.start,
        end=s.end,
        now=utcnow(),
        turnout_limits=settings.turnout_limit_seconds,
        default_turnout_limit=settings.default_turnout_limit_seconds,
        unmet_need_hours=settings.samarpan_unmet_need_hours,
        district=scope,
    )
