"""Units meet incidents: send the unit that arrives first, and the queue of incidents waiting for one.

Every path that puts a unit on an incident goes through here: intake, re-dispatch after a withdrawal or
a lapse, a unit that becomes free, and the sweeper that catches a wake-up lost to a race.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import asyncpg

from app.dispatch.policy import (
    Candidate,
    Need,
    services_of_unit_type,
    unit_types_for,
)
from app.dispatch.registry import OPEN_INCIDENT
from app.repositories import events as events_repo
from app.repositories import incidents as repo
from app.repositories import lapses as lapses_repo
from app.repositories import units as units_repo
from app.services.dispatcher import Dispatcher
from app.services.incidents import Row


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


async def redispatch(
    conn: asyncpg.Connection,
    d: Dispatcher,
    incident_id: int,
    service: str,
    now: datetime,
    actor: str,
    exclude: list[int],
) -> asyncpg.Record | None:
    """Put a service back on an incident whose unit dropped out, and send the next-best unit.

    With no unit free and none left on it, a dispatched incident is `queued` again (and says so on the
    feed), so the queue and `?status=queued` show it; the next unit to free up takes it.
    """
    incident = await repo.get_incident(conn, incident_id, lock=True)
    if incident is None or incident["status"] not in OPEN_INCIDENT:
        return None
    await repo.add_pending(conn, incident_id, service)
    sent = await send_best_unit(conn, d, incident, service, now=now, actor=actor, exclude=exclude)
    if sent is None and (district := await lapses_repo.requeue_if_unserved(conn, incident_id)) is not None:
        await events_repo.append_event(
            conn,
            "incident.queued",
            actor,
            incident_id=incident_id,
            district=district,
            data={"pending": service, "reason": "no unit free after its unit dropped out"},
        )
    return sent


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
