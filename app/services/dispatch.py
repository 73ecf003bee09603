"""Use cases of dispatch: take a call, send units, the queue, unit lifecycle, operator actions."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from app.config import Settings
from app.dispatch import lifecycle
from app.dispatch.gazetteer import Gazetteer
from app.dispatch.geography import ServiceArea
from app.dispatch.policy import (
    Candidate,
    DispatchPolicy,
    EtaModel,
    Need,
    load_policy,
    needed_services,
    services_of_unit_type,
    unit_types_for,
)
from app.dispatch.registry import ENDED_INCIDENT, OPEN_INCIDENT
from app.dispatch.targets import DEFAULT_TARGET_MINUTES
from app.dispatch.triage import classify
from app.errors import Conflict, Invalid, NotFound
from app.repositories import events as events_repo
from app.repositories import incidents as repo
from app.repositories import units as units_repo
from app.schemas.incidents import AssignBody, CallCreate, UnitStatusBody
from app.security import Principal

Row = Mapping[str, Any] | asyncpg.Record  # an incident as read from the database or built in memory


@dataclass(frozen=True, slots=True)
class Dispatcher:
    """What dispatch needs besides the database: settings, geography, gazetteer and the policy."""

    settings: Settings
    area: ServiceArea
    gazetteer: Gazetteer
    policy: DispatchPolicy
    eta: EtaModel

    @classmethod
    def build(cls, settings: Settings, area: ServiceArea, gazetteer: Gazetteer) -> Dispatcher:
        """A dispatcher with the configured policy."""
        eta = EtaModel(
            circuity=settings.circuity,
            speed_kmh={"urban": settings.speed_urban_kmh, "rural": settings.speed_rural_kmh},
            turnout_seconds=settings.turnout_seconds,
        )
        return cls(settings, area, gazetteer, load_policy(settings.dispatch_policy, eta), eta)


def request_hash(body: CallCreate) -> str:
    """A stable digest of a call body, to tell a retry from a different request under the same key."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------- reading


def assignment_dict(a: asyncpg.Record | dict[str, Any]) -> dict[str, Any]:
    """An assignment row in its API shape."""
    eta = a["eta_seconds"]
    return {
        "id": a["id"],
        "unit_id": a["unit_id"],
        "callsign": a.get("callsign") if isinstance(a, dict) else a["callsign"],
        "unit_type": a["unit_type"],
        "service": a["service"],
        "status": a["status"],
        "eta_minutes": None if eta is None else round(eta / 60.0, 1),
        "distance_km": None if a["distance_km"] is None else round(a["distance_km"], 2),
        "dispatched_at": a["dispatched_at"],
        "acknowledged_at": a["acknowledged_at"],
        "en_route_at": a["en_route_at"],
        "on_scene_at": a["on_scene_at"],
        "transporting_at": a["transporting_at"],
        "at_hospital_at": a["at_hospital_at"],
        "cleared_at": a["cleared_at"],
        "end_reason": a["end_reason"],
    }


def incident_dict(i: asyncpg.Record | dict[str, Any], assignments: list[dict[str, Any]]) -> dict[str, Any]:
    """An incident row in its API shape."""
    return {
        "id": i["id"],
        "status": i["status"],
        "category": i["category"],
        "secondary": list(i["secondary"]),
        "priority": i["priority"],
        "district": i["district"],
        "area_type": i["area_type"],
        "target_minutes": i["target_minutes"],
        "received_at": i["received_at"],
        "lat": i["lat"],
        "lon": i["lon"],
        "address": i["address"],
        "duplicate_of": i["duplicate_of"],
        "assignments": assignments,
        "pending": list(i["pending"]),
        "response_seconds": i["response_seconds"],
        "within_target": i["within_target"],
        "needs_review": i["needs_review"],
        "triage": i["triage"],
        "disposition": i["disposition"],
        "ended_at": i["ended_at"],
    }


async def read_incident(
    conn: asyncpg.Connection, incident_id: int, *, with_calls: bool = True
) -> dict[str, Any]:
    """One incident with its assignments (and linked calls); 404 when unknown."""
    row = await repo.get_incident(conn, incident_id)
    if row is None:
        raise NotFound(f"incident {incident_id} not found")
    out = incident_dict(row, [assignment_dict(a) for a in await repo.assignments_of(conn, [incident_id])])
    if with_calls:
        out["calls"] = [dict(c) for c in await repo.calls_of(conn, incident_id)]
    return out


async def list_incidents(conn: asyncpg.Connection, **filters: Any) -> list[dict[str, Any]]:
    """Incidents, newest first, each with its assignments."""
    rows = await repo.list_incidents(conn, **filters)
    by_incident: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    if rows:
        for a in await repo.assignments_of(conn, list(by_incident)):
            by_incident[a["incident_id"]].append(assignment_dict(a))
    return [incident_dict(r, by_incident[r["id"]]) for r in rows]


# ---------------------------------------------------------------------------------------------- sending


async def send_best_unit(
    conn: asyncpg.Connection,
    d: Dispatcher,
    incident: Row,
    service: str,
    *,
    now: datetime,
    actor: str,
    exclude: list[int] | None = None,
) -> asyncpg.Record | None:
    """Claim the free unit that arrives first for one service of an incident; None when none is free.

    Candidates come nearest-first per unit type from the index; the policy ranks them; a unit lost to a
    concurrent claim is skipped and the next one tried, re-reading candidates until none is left.
    """
    types = unit_types_for(service, d.settings.service_unit_types)
    lat, lon = incident["lat"], incident["lon"]
    need = Need(service, lat, lon, incident["area_type"], incident["priority"])
    excluded = list(exclude or [])
    tried: list[int] = []
    fresh_after = now - timedelta(minutes=d.settings.stale_position_minutes)
    for attempt in range(1, 100):
        rows = await repo.nearest_free_units(
            conn,
            unit_types=types,
            lat=lat,
            lon=lon,
            fresh_after=fresh_after,
            per_type=d.settings.candidates_per_type,
            exclude=excluded + tried,
        )
        if not rows:
            # A unit skipped because its row was locked (a position update, not a claim) is still free:
            # wait a moment and try it again rather than queue the call while it stands free.
            still_free = await units_repo.still_available(conn, tried) if tried else []
            if not still_free or attempt > 5:
                return None
            await asyncio.sleep(0.002 * attempt)
            tried = [t for t in tried if t not in still_free]
            continue
        ranked = d.policy.rank(need, [Candidate(r["id"], r["type"], r["lat"], r["lon"]) for r in rows])
        for choice in ranked:
            claimed = await repo.claim_unit(
                conn,
                unit_id=choice.candidate.unit_id,
                incident_id=incident["id"],
                service=service,
                eta_seconds=choice.eta_seconds,
                distance_km=choice.distance_km,
                now=now,
                actor=actor,
                district=incident["district"],
            )
            if claimed is not None:
                return claimed
            tried.append(choice.candidate.unit_id)
    return None


async def send_units(
    conn: asyncpg.Connection,
    d: Dispatcher,
    incident: Row,
    services: list[str],
    now: datetime,
    actor: str,
) -> list[asyncpg.Record]:
    """Send one unit per service; services left without a unit stay pending on the incident (the queue)."""
    sent = []
    for service in services:
        claimed = await send_best_unit(conn, d, incident, service, now=now, actor=actor)
        if claimed is not None:
            sent.append(claimed)
    return sent


async def offer_unit(
    conn: asyncpg.Connection,
    d: Dispatcher,
    unit_id: int,
    now: datetime,
    actor: str,
    skip_incident: int | None = None,
) -> asyncpg.Record | None:
    """A unit just became free: give it the waiting incident it can serve, highest priority then oldest."""
    unit = await units_repo.get_unit(conn, unit_id)
    if unit is None or unit["status"] != "available":
        return None
    services = services_of_unit_type(unit["type"], d.settings.service_unit_types)
    waiting = await repo.next_queued_incident(
        conn,
        services=services,
        lat=unit["lat"],
        lon=unit["lon"],
        radius_m=d.settings.queue_radius_km * 1000.0,
        skip_incident=skip_incident,
    )
    if waiting is None:
        return None
    service = next(s for s in waiting["pending"] if s in services)
    need = Need(service, waiting["lat"], waiting["lon"], waiting["area_type"], waiting["priority"])
    estimate = d.eta.estimate(Candidate(unit["id"], unit["type"], unit["lat"], unit["lon"]), need)
    return await repo.claim_unit(
        conn,
        unit_id=unit_id,
        incident_id=waiting["id"],
        service=service,
        eta_seconds=estimate.eta_seconds,
        distance_km=estimate.distance_km,
        now=now,
        actor=actor,
        district=waiting["district"],
    )


async def free_unit(
    conn: asyncpg.Connection,
    d: Dispatcher,
    unit_id: int,
    at: datetime,
    actor: str,
    skip_incident: int | None = None,
) -> None:
    """Make a unit available and, in the same transaction, hand it the next waiting incident."""
    district = await repo.set_unit_status(conn, unit_id, "available", at)
    await events_repo.append_event(
        conn, "unit.available", actor, unit_id=unit_id, district=district, data={"at": at.isoformat()}
    )
    await offer_unit(conn, d, unit_id, at, actor, skip_incident=skip_incident)


# ---------------------------------------------------------------------------------------------- intake


async def ingest_call(
    conn: asyncpg.Connection,
    d: Dispatcher,
    body: CallCreate,
    *,
    idempotency_key: str | None,
    principal: Principal,
    now: datetime,
) -> tuple[dict[str, Any], bool]:
    """Take a call: place, triage, link or create the incident, send units; returns (response, created)."""
    settings = d.settings
    if len(body.text) > settings.max_text_length:
        raise Invalid(f"text: longer than {settings.max_text_length} characters ({len(body.text)})")
    received_at = body.received_at or now
    if received_at > now + timedelta(seconds=settings.max_clock_skew_seconds):
        raise Invalid(f"received_at: {received_at.isoformat()} is in the future")
    if received_at < now - timedelta(days=settings.max_call_age_days):
        raise Invalid(
            f"received_at: {received_at.isoformat()} is more than {settings.max_call_age_days:g} days ago"
        )
    if idempotency_key is not None:
        digest = request_hash(body)
        if not await repo.claim_idempotency_key(conn, idempotency_key, digest, principal.actor):
            first = await repo.get_idempotent_response(conn, idempotency_key)
            assert first is not None
            if first["request_hash"] != digest:
                raise Conflict("Idempotency-Key: this key was used with a different request body")
            return first["response"], False

    lat, lon, address = body.lat, body.lon, body.address
    if lat is None or lon is None:
        assert address is not None
        place = d.gazetteer.resolve(address)
        if place is None:
            raise Invalid(f"address: {address!r} is not in the gazetteer; give lat and lon")
        lat, lon = place.lat, place.lon

    placement = d.area.locate(lat, lon)
    referred = not placement.inside and placement.distance_km > settings.border_km

    result = classify(body.text)
    category = body.category or result.category or "police"  # an unclear call still gets police help
    priority = body.priority or result.priority
    secondary = [s for s in result.secondary if s != category]
    needs_review = result.needs_review and body.category is None
    target = await repo.target_minutes(conn, placement.area_type, placement.district, category)
    target = target or DEFAULT_TARGET_MINUTES[placement.area_type]

    duplicate_of = None
    if not referred:
        duplicate_of = await repo.find_duplicate_of(
            conn,
            category=category,
            lat=lat,
            lon=lon,
            caller_number=body.caller_number,
            radius_m=settings.duplicate_radius_m,
            since=received_at - timedelta(minutes=settings.duplicate_window_minutes),
        )
    services: list[str] = []
    if referred:
        status = "referred"
    elif duplicate_of is not None:
        status = "duplicate"
    else:
        status, services = "queued", needed_services(category, secondary, settings.secondary_gets_unit)

    incident: dict[str, Any] = {
        "status": status,
        "category": category,
        "secondary": secondary,
        "priority": priority,
        "triage": {**result.to_dict(), "overridden": body.category is not None or body.priority is not None},
        "district": placement.district,
        "area_type": placement.area_type,
        "target_minutes": target,
        "lat": lat,
        "lon": lon,
        "address": address,
        "received_at": received_at,
        "caller_number": body.caller_number,
        "duplicate_of": duplicate_of,
        "pending": services,
        "needs_review": needs_review,
        "created_by": principal.actor,
    }
    incident_id, call_id, _ = await repo.insert_incident_with_call(
        conn, incident, {"text": body.text, "channel": body.channel, "idempotency_key": idempotency_key}
    )
    incident["id"] = incident_id
    sent = await send_units(conn, d, incident, services, now, principal.actor)
    if sent:
        incident["status"] = "dispatched"
        taken = {a["service"] for a in sent}
        incident["pending"] = [s for s in services if s not in taken]
    incident.update(
        response_seconds=None,
        within_target=None,
        disposition=None,
        ended_at=None,
    )
    response = {"call_id": call_id, "incident": incident_dict(incident, [assignment_dict(a) for a in sent])}
    if idempotency_key is not None:
        await repo.store_idempotent_response(
            conn, idempotency_key, json.loads(json.dumps(response, default=str))
        )
    return response, True


# ---------------------------------------------------------------------------------------------- lifecycle


async def move_unit(
    conn: asyncpg.Connection,
    d: Dispatcher,
    unit_id: int,
    body: UnitStatusBody,
    *,
    principal: Principal,
    now: datetime,
) -> dict[str, Any]:
    """One lifecycle step of a unit, stamped on its assignment; 409 for an impossible transition."""
    unit = await units_repo.get_unit(conn, unit_id, lock=True)
    if unit is None:
        raise NotFound(f"unit {unit_id} not found")
    at = body.at or now
    if at > now + timedelta(seconds=d.settings.max_clock_skew_seconds):
        raise Invalid(f"at: {at.isoformat()} is in the future")
    if at < unit["status_at"]:
        raise Invalid(
            f"at: {at.isoformat()} is before the unit's previous event ({unit['status_at'].isoformat()})"
        )
    current, new = unit["status"], body.status
    if not lifecycle.can_move(current, new):
        raise Conflict(
            f"status: unit {unit['callsign']} is {current}; it cannot move to {new}"
            f" (allowed: {', '.join(lifecycle.allowed_next(current)) or 'nothing'})",
            current_status=current,
        )
    assignment = await repo.active_assignment_of_unit(conn, unit_id)
    if body.incident_id is not None and (assignment is None or assignment["incident_id"] != body.incident_id):
        raise Conflict(f"incident_id: unit {unit['callsign']} is not assigned to incident {body.incident_id}")
    if assignment is not None and at < assignment["dispatched_at"]:
        raise Invalid(f"at: {at.isoformat()} is before the unit was dispatched")

    actor = principal.actor
    event_data: dict[str, Any] = {"from": current, "to": new, "at": at.isoformat()}
    incident_id = assignment["incident_id"] if assignment is not None else None

    async def log_status() -> None:
        # Written before any re-dispatch, so a feed shows the step before its consequences.
        await events_repo.append_event(
            conn,
            "unit.status",
            actor,
            unit_id=unit_id,
            incident_id=incident_id,
            district=unit["district"],
            data=event_data,
        )

    if new in ("available", "out_of_service"):
        withdrawn = assignment is not None and current in lifecycle.BEFORE_ARRIVAL
        if assignment is not None:
            reason = "withdrawn" if withdrawn else "completed"
            await repo.clear_assignment(conn, assignment["id"], at, reason)
            event_data["assignment_id"] = assignment["id"]
            event_data["end_reason"] = reason
        await log_status()
        if withdrawn:
            assert assignment is not None
            await redispatch(
                conn, d, assignment["incident_id"], assignment["service"], now, actor, exclude=[unit_id]
            )
        if new == "available":
            await free_unit(conn, d, unit_id, at, actor, skip_incident=incident_id if withdrawn else None)
        else:
            await repo.set_unit_status(conn, unit_id, new, at)
    else:
        await repo.set_unit_status(conn, unit_id, new, at)
        if assignment is not None:
            await repo.stamp_assignment(conn, assignment["id"], new, lifecycle.STAMPS.get(new), at)
            event_data["assignment_id"] = assignment["id"]
            if new == "on_scene":
                clock = await repo.mark_first_on_scene(conn, assignment["incident_id"], at)
                if clock is not None:
                    event_data["response_seconds"] = clock["response_seconds"]
                    event_data["within_target"] = clock["within_target"]
        await log_status()
    row = await units_repo.get_unit(conn, unit_id)
    assert row is not None
    return dict(row)


async def redispatch(
    conn: asyncpg.Connection,
    d: Dispatcher,
    incident_id: int,
    service: str,
    now: datetime,
    actor: str,
    exclude: list[int],
) -> asyncpg.Record | None:
    """Put a service back on an incident whose unit dropped out, and send the next-best unit."""
    incident = await repo.get_incident(conn, incident_id, lock=True)
    if incident is None or incident["status"] not in OPEN_INCIDENT:
        return None
    await repo.add_pending(conn, incident_id, service)
    return await send_best_unit(conn, d, incident, service, now=now, actor=actor, exclude=exclude)


# ---------------------------------------------------------------------------------------------- operators


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
) -> dict[str, Any]:
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
) -> dict[str, Any]:
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
) -> dict[str, Any]:
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


# ------------------------------------------------------------------------------------------ acknowledgement


async def acknowledge(
    conn: asyncpg.Connection, unit_id: int, assignment_id: int | None, *, principal: Principal, now: datetime
) -> dict[str, Any]:
    """The crew has seen its assignment; 409 when the unit has none (e.g. it already lapsed)."""
    unit = await units_repo.get_unit(conn, unit_id)
    if unit is None:
        raise NotFound(f"unit {unit_id} not found")
    assignment = await repo.active_assignment_of_unit(conn, unit_id)
    if assignment is None or (assignment_id is not None and assignment["id"] != assignment_id):
        raise Conflict(f"assignment: unit {unit['callsign']} has no such active assignment to acknowledge")
    if assignment["acknowledged_at"] is None:
        await repo.acknowledge(conn, assignment["id"], now)
        await events_repo.append_event(
            conn,
            "assignment.acknowledged",
            principal.actor,
            incident_id=assignment["incident_id"],
            unit_id=unit_id,
            district=unit["district"],
            data={"assignment_id": assignment["id"]},
        )
    return {
        "assignment_id": assignment["id"],
        "incident_id": assignment["incident_id"],
        "acknowledged_at": assignment["acknowledged_at"] or now,
    }


async def withdraw_lapsed(conn: asyncpg.Connection, d: Dispatcher, now: datetime) -> asyncpg.Record | None:
    """Withdraw one assignment that was not acknowledged in time and send the next-best unit.

    The row lock (SKIP LOCKED) makes exactly one worker act on each lapse.
    """
    lapsed = await repo.lapsed_assignment(conn, d.settings.ack_timeout_seconds, now)
    if lapsed is None:
        return None
    actor = "system:ack-watchdog"
    await repo.clear_assignment(conn, lapsed["id"], now, "unacknowledged")
    await repo.mark_unit_silent(conn, lapsed["unit_id"], now)
    incident = await repo.get_incident(conn, lapsed["incident_id"])
    district = incident["district"] if incident else None
    await events_repo.append_event(
        conn,
        "assignment.lapsed",
        actor,
        incident_id=lapsed["incident_id"],
        unit_id=lapsed["unit_id"],
        district=district,
        data={
            "assignment_id": lapsed["id"],
            "dispatched_at": lapsed["dispatched_at"].isoformat(),
            "timeout_seconds": d.settings.ack_timeout_seconds,
        },
    )
    await redispatch(
        conn, d, lapsed["incident_id"], lapsed["service"], now, actor, exclude=[lapsed["unit_id"]]
    )
    return lapsed


async def sweep_queue(conn: asyncpg.Connection, d: Dispatcher, now: datetime, limit: int = 20) -> int:
    """Safety net for a wake-up lost to a race: match free units with waiting incidents, queue order."""
    fresh_after = now - timedelta(minutes=d.settings.stale_position_minutes)
    types = await repo.available_unit_types(conn, fresh_after)
    services = sorted({s for t in types for s in services_of_unit_type(t, d.settings.service_unit_types)})
    if not services:
        return 0
    sent = 0
    for incident in await repo.waiting_incidents(conn, services, limit):
        servable = [s for s in incident["pending"] if s in services]
        sent += len(await send_units(conn, d, incident, servable, now, "system:queue-sweeper"))
    return sent
