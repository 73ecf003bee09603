"""Reading incidents: one with its assignments and calls, or a filtered list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from app.errors import NotFound
from app.repositories import incidents as repo
from app.schemas.incidents import IncidentRead

Row = Mapping[str, Any] | asyncpg.Record  # an incident as read from the database or built in memory


def incident_read(row: Row, assignments: Sequence[Row], calls: Sequence[Row] | None = None) -> IncidentRead:
    """An incident row and its assignment rows in the API's shape, by validation (no hand mapping)."""
    return IncidentRead.model_validate(
        {
            **dict(row),
            "assignments": [dict(a) for a in assignments],
            "calls": None if calls is None else [dict(c) for c in calls],
        }
    )


async def read_incident(
    conn: asyncpg.Connection, incident_id: int, *, with_calls: bool = True
) -> IncidentRead:
    """One incident with its assignments (and linked calls); 404 when unknown."""
    row = await repo.get_incident(conn, incident_id)
    if row is None:
        raise NotFound(f"incident {incident_id} not found")
    assignments = await repo.assignments_of(conn, [incident_id])
    return incident_read(row, assignments, await repo.calls_of(conn, incident_id) if with_calls else None)


async def list_incidents(conn: asyncpg.Connection, **filters: Any) -> list[IncidentRead]:
    """Incidents, newest first, each with its assignments."""
    rows = await repo.list_incidents(conn, **filters)
    by_incident: dict[int, list[Row]] = {r["id"]: [] for r in rows}
    if rows:
        for a in await repo.assignments_of(conn, list(by_incident)):
            by_incident[a["incident_id"]].append(a)
    return [incident_read(r, by_incident[r["id"]]) for r in rows]
