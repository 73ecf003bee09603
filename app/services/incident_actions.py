"""What operators do to an incident: close or cancel it, assign or swap a unit, unlink a duplicate."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from app.dispatch.policy import (
    Candidate,
    Need,
    needed_services,
    services_of_unit_type,
)
from app.dispatch.registry import ENDED_INCIDENT, OPEN_INCIDENT
from app.errors import Conflict, NotFound
from app.repositories import events as events_repo
from app.repositories import incidents as repo
from app.repositories import units as units_repo
from app.schemas.incidents import AssignBody, IncidentRead
from app.security import Principal
from app.services.dispatcher import Dispatcher
from app.services.incidents import read_incident
from app.services.queue import free_unit, send_units


async def locked_incident(conn: asyncpg.Connection, incident_id: int) -> asyncpg.Record:
    """The incident, locked for this transaction; 404 when it does not exist."""
    incident = await repo.get_incident(conn, incident_id, lock=True)
    if incident is None:
        raise NotFound(f"incident {incident_id} not found")
    return incident


async def end_incident(
    conn: asyncpg.Connection,
    d: Dispatcher,
    incident_id: int,
    status: str,
    *,
    disposition: str,
    principal: Principal,
    now: datetime,
) -> IncidentRead:
    """Close or cancel an incident; its units are released and offered the queue."""
    incident = await locked_incident(conn, incident_id)
    if incident["status"] in ENDED_INCIDENT:
        raise Conflict(
            f"status: incident {incident_id} is already {incident['status']}",
            current_status=incident["status"],
        )
    await repo.update_incident(
        conn, incident_id, status=status, disposition=disposition, ended_at=now, pending=[]
    )
    await events_repo.append_event(
        conn,
        f"incident.{status}",
        principal.actor,
        incident_id=incident_id,
        district=incident["district"],
        data={"disposition": disposition},
    )
    for a in await repo.active_assignments_of_incident(conn, incident_id):
        await repo.clear_assignment(conn, a["id"], now, status)
        await events_repo.append_event(
            conn,
            "assignment.cleared",
            principal.actor,
            incident_id=incident_id,
            unit_id=a["unit_id"],
            district=incident["district"],
            data={"assignment_id": a["id"], "end_reason": status},
        )
        await free_unit(conn, d, a["unit_id"], now, principal.actor)
    return await read_incident(conn, incident_id)


async def assign_unit(
    conn: asyncpg.Connection,
    d: Dispatcher,
    incident_id: int,
    body: AssignBody,
    *,
    principal: Principal,
    now: datetime,
) -> IncidentRead:
    """Send a chosen unit to an incident (manual assign), optionally replacing one already sent."""
    incident = await locked_incident(conn, incident_id)
    if incident["status"] not in OPEN_INCIDENT:
        raise Conflict(
            f"status: incident {incident_id} is {incident['status']}; units go to open incidents only",
            current_status=incident["status"],
        )
    unit = await units_repo.get_unit(conn, body.unit_id)
    if unit is None:
        raise NotFound(f"unit {body.unit_id} not found")
    service: str | None = body.service
    if body.replace_unit_id is not None:
        old = await repo.active_assignment_of_unit(conn, body.replace_unit_id)
        if old is None or old["incident_id"] != incident_id:
            raise Conflict(
                f"replace_unit_id: unit {body.replace_unit_id} is not assigned to incident {incident_id}"
            )
        service = service or old["service"]
        await repo.clear_assignment(conn, old["id"], now, "reassigned")
        await repo.add_pending(conn, incident_id, old["service"])
        await events_repo.append_event(
            conn,
            "assignment.cleared",
            principal.actor,
            incident_id=incident_id,
            unit_id=body.replace_unit_id,
            district=incident["district"],
            data={"assignment_id": old["id"], "end_reason": "reassigned"},
        )
    if unit["status"] != "available":
        raise Conflict(
            f"unit_id: unit {unit['callsign']} is {unit['status']}, not available",
            current_status=unit["status"],
        )
    if service is None:
        serves = services_of_unit_type(unit["type"], d.settings.service_unit_types)
        service = next((s for s in incident["pending"] if s in serves), incident["category"])
    need = Need(service, incident["lat"], incident["lon"], incident["area_type"], incident["priority"])
    estimate = d.eta.estimate(Candidate(unit["id"], unit["type"], unit["lat"], unit["lon"]), need)
    claimed = await repo.claim_unit(
        conn,
        unit_id=unit["id"],
        incident_id=incident_id,
        service=service,
        eta_seconds=estimate.eta_seconds,
        distance_km=estimate.distance_km,
        now=now,
        actor=principal.actor,
        district=incident["district"],
    )
    if claimed is None:
        raise Conflict(f"unit_id: unit {unit['callsign']} was just taken by another incident")
    if body.replace_unit_id is not None:
        await free_unit(conn, d, body.replace_unit_id, now, principal.actor, skip_incident=incident_id)
    return await read_incident(conn, incident_id)


async def unlink_incident(
    conn: asyncpg.Connection, d: Dispatcher, incident_id: int, *, principal: Principal, now: datetime
) -> IncidentRead:
    """Make a call linked as a duplicate its own incident, and dispatch it."""
    incident = await locked_incident(conn, incident_id)
    if incident["status"] != "duplicate":
        raise Conflict(
            f"status: incident {incident_id} is {incident['status']}, not a duplicate",
            current_status=incident["status"],
        )
    services = needed_services(incident["category"], incident["secondary"], d.settings.secondary_gets_unit)
    await repo.update_incident(conn, incident_id, status="queued", duplicate_of=None, pending=services)
    await events_repo.append_event(
        conn,
        "incident.unlinked",
        principal.actor,
        incident_id=incident_id,
        district=incident["district"],
        data={"was_duplicate_of": incident["duplicate_of"]},
    )
    data = dict(incident) | {"id": incident_id}
    await send_units(conn, d, data, services, now, principal.actor)
    return await read_incident(conn, incident_id)
