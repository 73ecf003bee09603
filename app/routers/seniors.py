"""Samarpan: the registry of senior citizens living alone, the station's decision, welfare visits.

Operators (of the member's district, or of the state control room) and supervisors work with members;
the application gateway (role `gateway`, behind the WhatsApp number and e-mail address police HQ
publishes) may only post applications; analysts see counts.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from app.routers.deps import Db, Dispatch, SettingsDep, require
from app.schemas.seniors import (
    DueFilter,
    DueVisit,
    ErasureRead,
    SeniorCreate,
    SeniorFilter,
    SeniorListItem,
    SeniorRead,
    SeniorStats,
    SeniorUpdate,
    VerificationBody,
    VisitCreate,
    VisitRead,
)
from app.security import Principal, utcnow
from app.services import seniors as service

router = APIRouter(prefix="/api/v1", tags=["samarpan"])

Applicant = Annotated[Principal, Depends(require("operator", "supervisor", "gateway"))]
Officer = Annotated[Principal, Depends(require("operator", "supervisor"))]
Counter = Annotated[Principal, Depends(require("operator", "supervisor", "analyst"))]
MemberId = Annotated[int, Path(ge=1, le=9_223_372_036_854_775_807, description="a Samarpan member's id")]


@router.post("/seniors", status_code=201, response_model=SeniorRead)
async def apply(principal: Applicant, body: SeniorCreate, db: Db, dispatcher: Dispatch) -> dict[str, Any]:
    """An application (walk-in at the station, or from the WhatsApp / e-mail gateway): `pending`."""
    return await service.apply(db, dispatcher, body, principal=principal, now=utcnow())


@router.get("/seniors", response_model=list[SeniorListItem])
async def list_members(
    principal: Officer, flt: Annotated[SeniorFilter, Query()], db: Db, settings: SettingsDep
) -> list[dict[str, Any]]:
    """Members by id, without health or contact data (open a profile for that); scoped to a district."""
    return await service.list_members(db, flt, settings=settings, principal=principal)


@router.get("/seniors/stats", response_model=SeniorStats)
async def member_counts(principal: Counter, db: Db, settings: SettingsDep) -> dict[str, Any]:
    """Counts per district: pending, verified, rejected, inactive, overdue visits, unmet needs."""
    return await service.stats(db, settings=settings, principal=principal, now=utcnow())


@router.get("/seniors/visits/due", response_model=list[DueVisit])
async def visits_due(
    principal: Officer, flt: Annotated[DueFilter, Query()], db: Db, settings: SettingsDep
) -> list[dict[str, Any]]:
    """Members whose next welfare visit is due on or before `by` (IST day, default today), overdue first."""
    return await service.visits_due(db, flt, settings=settings, principal=principal, now=utcnow())


@router.get("/seniors/{member_id}", response_model=SeniorRead)
async def read_member(
    principal: Officer, member_id: MemberId, db: Db, settings: SettingsDep
) -> dict[str, Any]:
    """One member's profile; the read is written to the audit trail."""
    return await service.read(db, member_id, settings=settings, principal=principal, now=utcnow())


@router.patch("/seniors/{member_id}", response_model=SeniorRead)
async def update_member(
    principal: Officer, member_id: MemberId, body: SeniorUpdate, db: Db, dispatcher: Dispatch
) -> dict[str, Any]:
    """Change a member's details; `active: false` deactivates, `active: true` reactivates."""
    return await service.update(db, dispatcher, member_id, body, principal=principal, now=utcnow())


@router.delete("/seniors/{member_id}", response_model=ErasureRead)
async def erase_member(principal: Officer, member_id: MemberId, db: Db) -> dict[str, Any]:
    """Erase a member on their request: their personal data is gone, the erasure is recorded."""
    now = utcnow()
    await service.erase(db, member_id, principal=principal)
    return {"id": member_id, "erased": True, "erased_at": now}


@router.post("/seniors/{member_id}/verification", response_model=SeniorRead)
async def decide(
    principal: Officer, member_id: MemberId, body: VerificationBody, db: Db, settings: SettingsDep
) -> dict[str, Any]:
    """The station's decision on a pending application: `verified`, or `rejected` with a reason."""
    return await service.decide(db, member_id, body, settings=settings, principal=principal, now=utcnow())


@router.post("/seniors/{member_id}/visits", status_code=201, response_model=VisitRead)
async def record_visit(
    principal: Officer, member_id: MemberId, body: VisitCreate, db: Db, settings: SettingsDep
) -> dict[str, Any]:
    """A welfare visit: when, the outcome, the needs raised and whether each was met."""
    return await service.record_visit(
        db, member_id, body, settings=settings, principal=principal, now=utcnow()
    )
