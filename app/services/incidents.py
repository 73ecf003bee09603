"""Reading incidents: one with its assignments and calls, or a filtered list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from app.errors import NotFound
from app.repositories import incidents as repo

Row = Mapping[str, Any] | asyncpg.Record  # an incident as read from the database or built in memory


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
        "caller_history": i["caller_history"],
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
