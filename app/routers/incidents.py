"""Call intake and the operators' incident endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from app.dispatch.intake import CallPlan
from app.routers.deps import Db, Dispatch, Intake, Operator, OperatorOrSupervisor, SettingsDep
from app.schemas.incidents import (
    AssignBody,
    CallAccepted,
    CallCreate,
    CancelBody,
    CloseBody,
    IncidentFilter,
    IncidentRead,
)
from app.security import utcnow
from app.services import cameras, incident_actions, incidents, intake

router = APIRouter(prefix="/api/v1", tags=["calls and incidents"])


async def planned_call(body: CallCreate, dispatcher: Dispatch, principal: Intake) -> CallPlan | None:
    """Triage and placement of the posted call, done before a database connection is taken
    (None: no location given, the caller's registered Samarpan home may place it)."""
    return intake.preplan(dispatcher, body, utcnow())


@router.post("/calls", status_code=201, response_model=CallAccepted)
async def create_call(
    body: CallCreate,
    principal: Intake,
    dispatcher: Dispatch,
    call: Annotated[CallPlan | None, Depends(planned_call)],
    db: Db,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> CallAccepted:
    """Ingest a call: triage, link duplicates, create the incident and send the units that arrive first."""
    result, created = await intake.ingest_call(
        db, dispatcher, body, call, idempotency_key=idempotency_key, principal=principal, now=utcnow()
    )
    if not created:
        response.status_code = 200
    return result


@router.get("/incidents", response_model=list[IncidentRead])
async def list_incidents(
    flt: Annotated[IncidentFilter, Query()], db: Db, principal: OperatorOrSupervisor
) -> list[IncidentRead]:
    """Incidents, newest first, filtered by status, district and category."""
    return await incidents.list_incidents(db, **flt.model_dump())


@router.get("/incidents/{incident_id}", response_model=IncidentRead)
async def get_incident(
    incident_id: int, db: Db, settings: SettingsDep, principal: OperatorOrSupervisor
) -> IncidentRead:
    """One incident with its assignments, linked calls and the cameras that can see it."""
    return await cameras.read_incident_with_cameras(db, incident_id, settings)


@router.post("/incidents/{incident_id}/cancel", response_model=IncidentRead)
async def cancel_incident(
    incident_id: int, body: CancelBody, db: Db, dispatcher: Dispatch, principal: Operator
) -> IncidentRead:
    """Cancel an incident; its units are released."""
    return await incident_actions.end_incident(
        db, dispatcher, incident_id, "cancelled", disposition=body.reason, principal=principal, now=utcnow()
    )


@router.post("/incidents/{incident_id}/close", response_model=IncidentRead)
async def close_incident(
    incident_id: int, body: CloseBody, db: Db, dispatcher: Dispatch, principal: Operator
) -> IncidentRead:
    """Close an incident with a disposition; its units are released."""
    return await incident_actions.end_incident(
        db, dispatcher, incident_id, "closed", disposition=body.disposition, principal=principal, now=utcnow()
    )


@router.post("/incidents/{incident_id}/assign", response_model=IncidentRead)
async def assign_unit(
    incident_id: int, body: AssignBody, db: Db, dispatcher: Dispatch, principal: Operator
) -> IncidentRead:
    """Send a chosen unit (manual assign), or swap one already sent (`replace_unit_id`: reassign)."""
    return await incident_actions.assign_unit(
        db, dispatcher, incident_id, body, principal=principal, now=utcnow()
    )


@router.post("/incidents/{incident_id}/unlink", response_model=IncidentRead)
async def unlink_incident(
    incident_id: int, db: Db, dispatcher: Dispatch, principal: Operator
) -> IncidentRead:
    """Make a call linked as a duplicate a separate incident, and dispatch it."""
    return await incident_actions.unlink_incident(
        db, dispatcher, incident_id, principal=principal, now=utcnow()
    )
