"""Call intake and the operators' incident endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from app.dispatch.intake import CallPlan
from app.observability.metrics import record_call_outcome
from app.routers.deps import Db, Dispatch, Operator, OperatorOrSupervisor
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
from app.services import incident_actions, incidents, intake

router = APIRouter(prefix="/api/v1", tags=["calls and incidents"])


async def planned_call(body: CallCreate, dispatcher: Dispatch, principal: Operator) -> CallPlan:
    """Triage and placement of the posted call, done before a database connection is taken."""
    return intake.plan(dispatcher, body, utcnow())


@router.post(
    "/calls",
    status_code=201,
    response_model=CallAccepted,
    responses={
        200: {"model": CallAccepted, "description": "A retry with the same Idempotency-Key: the first answer"}
    },
)
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
    record_call_outcome(result, created)
    return result


@router.get("/incidents", response_model=list[IncidentRead])
async def list_incidents(
    flt: Annotated[IncidentFilter, Query()], db: Db, principal: OperatorOrSupervisor
) -> list[dict[str, Any]]:
    """Incidents, newest first, filtered by status, district and category."""
    return await incidents.list_incidents(db, **flt.model_dump())


@router.get("/incidents/{incident_id}", response_model=IncidentRead)
async def get_incident(incident_id: int, db: Db, principal: OperatorOrSupervisor) -> dict[str, Any]:
    """One incident with its assignments and linked calls."""
    return await incidents.read_incident(db, incident_id)


@router.post("/incidents/{incident_id}/cancel", response_model=IncidentRead)
async def cancel_incident(
    incident_id: int, body: CancelBody, db: Db, dispatcher: Dispatch, principal: Operator
) -> dict[str, Any]:
    """Cancel an incident; its units are released."""
    return await incident_actions.end_incident(
        db, dispatcher, incident_id, "cancelled", disposition=body.reason, principal=principal, now=utcnow()
    )


@router.post("/incidents/{incident_id}/close", response_model=IncidentRead)
async def close_incident(
    incident_id: int, body: CloseBody, db: Db, dispatcher: Dispatch, principal: Operator
) -> dict[str, Any]:
    """Close an incident with a disposition; its units are released."""
    return await incident_actions.end_incident(
        db, dispatcher, incident_id, "closed", disposition=body.disposition, principal=principal, now=utcnow()
    )


@router.post("/incidents/{incident_id}/assign", response_model=IncidentRead)
async def assign_unit(
    incident_id: int, body: AssignBody, db: Db, dispatcher: Dispatch, principal: Operator
) -> dict[str, Any]:
    """Send a chosen unit (manual assign), or swap one already sent (`replace_unit_id`: reassign)."""
    return await incident_actions.assign_unit(
        db, dispatcher, incident_id, body, principal=principal, now=utcnow()
    )


@router.post("/incidents/{incident_id}/unlink", response_model=IncidentRead)
async def unlink_incident(
    incident_id: int, db: Db, dispatcher: Dispatch, principal: Operator
) -> dict[str, Any]:
    """Make a call linked as a duplicate a separate incident, and dispatch it."""
    return await incident_actions.unlink_incident(
        db, dispatcher, incident_id, principal=principal, now=utcnow()
    )
