"""Call intake and the operators' incident endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from app.dispatch.intake import CallPlan
from app.observability.metrics import record_call_outcome
from app.routers.deps import Db, Dispatch, Intake, Operator, OperatorOrSupervisor, SettingsDep
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
from app.services import cameras, incident_actions, incidents, intake

router = APIRouter(prefix="/api/v1", tags=["calls and incidents"])


async def planned_call(body: CallCreate, dispatcher: Dispatch, principal: Intake) -> CallPlan | None:
    """Triage and placement of the posted call, done before a database connection is taken
    (None: no location given, the caller's registered Samarpan home may place it)."""
    return intake.preplan(dispatcher, body, utcnow())


@router.post(
    "/calls",
    status_code=201,
    response_model=CallAccepted,
    responses={
        **CONFLICT,
        200: {
            "model": CallAccepted,
            "description": "A retry with the same Idempotency-Key: the first answer",
        },
    },
)
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
    record_call_outcome(result, created)
    return result


@router.get("/incidents", response_model=list[IncidentRead])
async def list_incidents(
    principal: OperatorOrSupervisor,
    district: ScopedDistrict,
    flt: Annotated[IncidentFilter, Query()],
    db: Db,
) -> list[IncidentRead]:
    """Incidents, newest first, filtered by status, district and category."""
    return await incidents.list_incidents(db, **(flt.model_dump() | {"district": district}))


@router.get("/incidents/{incident_id}", response_model=IncidentRead)
async def get_incident(
    principal: OperatorOrSupervisor, incident: CurrentIncident, db: Db, settings: SettingsDep
) -> IncidentRead:
    """One incident with its assignments, linked calls and the cameras that can see it."""
    return await cameras.read_incident_with_cameras(db, incident.id, settings)


@router.post("/incidents/{incident_id}/cancel", response_model=IncidentRead, responses=CONFLICT)
async def cancel_incident(
    principal: Operator, incident: CurrentIncident, body: CancelBody, db: Db, dispatcher: Dispatch
) -> IncidentRead:
    """Cancel an incident; its units are released."""
    return await incident_actions.end_incident(
        db, dispatcher, incident.id, "cancelled", disposition=body.reason, principal=principal, now=utcnow()
    )


@router.post("/incidents/{incident_id}/close", response_model=IncidentRead, responses=CONFLICT)
async def close_incident(
    principal: Operator, incident: CurrentIncident, body: CloseBody, db: Db, dispatcher: Dispatch
) -> IncidentRead:
    """Close an incident with a disposition; its units are released."""
    return await incident_actions.end_incident(
        db, dispatcher, incident.id, "closed", disposition=body.disposition, principal=principal, now=utcnow()
    )


@router.post("/incidents/{incident_id}/assign", response_model=IncidentRead, responses=CONFLICT)
async def assign_unit(
    principal: Operator, incident: CurrentIncident, body: ScopedAssign, db: Db, dispatcher: Dispatch
) -> IncidentRead:
    """Send a chosen unit (manual assign), or swap one already sent (`replace_unit_id`: reassign)."""
    return await incident_actions.assign_unit(
        db, dispatcher, incident.id, body, principal=principal, now=utcnow()
    )


@router.post("/incidents/{incident_id}/unlink", response_model=IncidentRead, responses=CONFLICT)
async def unlink_incident(
    principal: Operator, incident: CurrentIncident, db: Db, dispatcher: Dispatch
) -> IncidentRead:
    """Make a call linked as a duplicate a separate incident, and dispatch it."""
    return await incident_actions.unlink_incident(
        db, dispatcher, incident.id, principal=principal, now=utcnow()
    )
