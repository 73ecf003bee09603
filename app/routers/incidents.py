"""Call intake and the operators' incident endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from app.dispatch.intake import CallPlan
from app.routers.deps import Db, Dispatch, Operator, OperatorOrSupervisor
from app.routers.openapi_errors import CONFLICT
from app.routers.scope import CurrentIncident, ScopedAssign, ScopedDistrict
from app.schemas.incidents import (
    CallAccepted,
    CallCreate,
    CancelBody,
    CloseBody,
    IncidentFilter,
    IncidentRead,
)
from app.security import utcnow
from app.services import incident_actions, incidents, intake

router = APIRouter(prefix="/api/v1", tags=["calls and incidents"])


async def planned_call(body: CallCreate, dispatcher: Dispatch, principal: Operator) -> CallPlan:
    """Triage and placement of the posted call, done before a database connection is taken."""
    return intake.plan(dispatcher, body, utcnow())


@router.post("/calls", status_code=201, response_model=CallAccepted, responses=CONFLICT)
async def create_call(
    body: CallCreate,
    principal: Operator,
    dispatcher: Dispatch,
    call: Annotated[CallPlan, Depends(planned_call)],
    db: Db,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """Ingest a call: triage, link duplicates, create the incident and send the units that arrive first."""
    result, created = await intake.ingest_call(
        db, dispatcher, body, call, idempotency_key=idempotency_key, principal=principal, now=utcnow()
    )
    if not created:
        response.status_code = 200
    return result


@router.get("/incidents", response_model=list[IncidentRead])
async def list_incidents(
    principal: OperatorOrSupervisor,
    district: ScopedDistrict,
    flt: Annotated[IncidentFilter, Query()],
    db: Db,
) -> list[dict[str, Any]]:
    """Incidents, newest first, filtered by status, district and category."""
    return await incidents.list_incidents(db, **(flt.model_dump() | {"district": district}))


@router.get("/incidents/{incident_id}", response_model=IncidentRead)
async def get_incident(principal: OperatorOrSupervisor, incident: CurrentIncident, db: Db) -> dict[str, Any]:
    """One incident with its assignments and linked calls."""
    return await incidents.read_incident(db, incident.id)


@router.post("/incidents/{incident_id}/cancel", response_model=IncidentRead, responses=CONFLICT)
async def cancel_incident(
    principal: Operator, incident: CurrentIncident, body: CancelBody, db: Db, dispatcher: Dispatch
) -> dict[str, Any]:
    """Cancel an incident; its units are released."""
    return await incident_actions.end_incident(
        db, dispatcher, incident.id, "cancelled", disposition=body.reason, principal=principal, now=utcnow()
    )


@router.post("/incidents/{incident_id}/close", response_model=IncidentRead, responses=CONFLICT)
async def close_incident(
    principal: Operator, incident: CurrentIncident, body: CloseBody, db: Db, dispatcher: Dispatch
) -> dict[str, Any]:
    """Close an incident with a disposition; its units are released."""
    return await incident_actions.end_incident(
        db, dispatcher, incident.id, "closed", disposition=body.disposition, principal=principal, now=utcnow()
    )


@router.post("/incidents/{incident_id}/assign", response_model=IncidentRead, responses=CONFLICT)
async def assign_unit(
    principal: Operator, incident: CurrentIncident, body: ScopedAssign, db: Db, dispatcher: Dispatch
) -> dict[str, Any]:
    """Send a chosen unit (manual assign), or swap one already sent (`replace_unit_id`: reassign)."""
    return await incident_actions.assign_unit(
        db, dispatcher, incident.id, body, principal=principal, now=utcnow()
    )


@router.post("/incidents/{incident_id}/unlink", response_model=IncidentRead, responses=CONFLICT)
async def unlink_incident(
    principal: Operator, incident: CurrentIncident, db: Db, dispatcher: Dispatch
) -> dict[str, Any]:
    """Make a call linked as a duplicate a separate incident, and dispatch it."""
    return await incident_actions.unlink_incident(
        db, dispatcher, incident.id, principal=principal, now=utcnow()
    )
