"""SQL for calls, incidents, assignments, candidates, claims and the queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

INCIDENT_COLUMNS = """i.id, i.status, i.category, i.secondary, i.priority, i.triage, i.district, i.area_type,
    i.target_minutes, i.lat, i.lon, i.address, i.received_at, i.caller_number, i.duplicate_of,
    i.first_on_scene_at, i.response_seconds, i.within_target, i.disposition, i.ended_at, i.pending,
    i.needs_review, i.created_at, i.location_source, i.senior, i.caller_history"""

ASSIGNMENT_COLUMNS = """a.id, a.incident_id, a.unit_id, a.unit_type, a.service, a.status, a.eta_seconds,
    a.distance_km, a.dispatched_at, a.acknowledged_at, a.en_route_at, a.on_scene_at, a.transporting_at,
    a.at_hospital_at, a.cleared_at, a.end_reason"""


# KNN per unit type over the partial GiST index of available units.
NEAREST_FREE_UNITS_SQL = """
SELECT u.id, u.type, u.lat, u.lon FROM unnest($1::text[]) AS t(type)
CROSS JOIN LATERAL (
    SELECT id, type, lat, lon FROM units
    WHERE status = 'available' AND type = t.type AND position_at >= $4 AND id <> ALL($6::bigint[])
    ORDER BY ll_to_earth(lat, lon) <-> ll_to_earth($2, $3)
    LIMIT $5
) u
"""


async def claim_idempotency_key(
    conn: asyncpg.Connection,
    owner: str,
    key: str,
    request_hash: str,
    actor: str,
    now: datetime,
    expired_before: datetime,
) -> bool:
    """Reserve the owner's key for this request (taking it over if it was made before `expired_before`);
    False when the owner's live key is held by another request (waits for that request to end)."""
    row = await conn.fetchval(
        """INSERT INTO idempotency_keys AS k (owner, key, request_hash, created_by, created_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (owner, key) DO UPDATE
               SET request_hash = EXCLUDED.request_hash, response = NULL,
                   created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at
               WHERE k.created_at < $6
           RETURNING true""",
        owner,
        key,
        request_hash,
        actor,
        now,
        expired_before,
    )
    return bool(row)


async def get_idempotent_response(conn: asyncpg.Connection, owner: str, key: str) -> asyncpg.Record | None:
    """The stored hash and first response for the owner's key."""
    return await conn.fetchrow(
        "SELECT request_hash, response FROM idempotency_keys WHERE owner = $1 AND key = $2", owner, key
    )


async def store_idempotent_response(
    conn: asyncpg.Connection, owner: str, key: str, response: dict[str, Any]
) -> None:
    """Keep the first response of a keyed request for its retries."""
    await conn.execute(
        "UPDATE idempotency_keys SET response = $3 WHERE owner = $1 AND key = $2", owner, key, response
    )


async def find_duplicate_of(
    conn: asyncpg.Connection,
    *,
    category: str,
    lat: float,
    lon: float,
    caller_number: str | None,
    radius_m: float,
    since: datetime,
) -> int | None:
    """An open incident this call repeats: same service nearby, or the same caller, within the window."""
    found: int | None = await conn.fetchval(
        """
        SELECT id FROM (
            (SELECT i.id, i.received_at FROM incidents i
             WHERE i.status IN ('queued','dispatched','on_scene') AND i.category = $1
               AND i.received_at >= $5
               AND earth_box(ll_to_earth($2, $3), $4) @> ll_to_earth(i.lat, i.lon)
               AND earth_distance(ll_to_earth($2, $3), ll_to_earth(i.lat, i.lon)) <= $4
             ORDER BY i.received_at LIMIT 1)
            UNION ALL
            (SELECT i.id, i.received_at FROM incidents i
             WHERE $6::text IS NOT NULL AND i.caller_number = $6
               AND i.status IN ('queued','dispatched','on_scene') AND i.received_at >= $5
             ORDER BY i.received_at LIMIT 1)
        ) d ORDER BY received_at LIMIT 1
        """,
        category,
        lat,
        lon,
        radius_m,
        since,
        caller_number,
    )
    return found


async def insert_incident_with_call(
    conn: asyncpg.Connection, incident: dict[str, Any], call: dict[str, Any]
) -> tuple[int, int, datetime]:
    """Create the incident and its first call and log them, in one round trip; (incident, call, created)."""
    row = await conn.fetchrow(
        """
        WITH inc AS (
            INSERT INTO incidents (status, category, secondary, priority, triage, district, area_type,
                                   target_minutes, lat, lon, address, received_at, caller_number,
                                   duplicate_of, pending, needs_review, created_by, location_source,
                                   senior_member_id, senior, caller_history)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                    $21, $22, $23, $24)
            RETURNING id, created_at
        ), c AS (
            INSERT INTO calls (incident_id, caller_number, text, channel, lat, lon, address, received_at,
                               created_by, idempotency_key)
            SELECT inc.id, $13, $18, $19, $9, $10, $11, $12, $17, $20 FROM inc
            RETURNING id
        ), ev AS (
            INSERT INTO events (kind, actor, incident_id, district, data)
            SELECT 'incident.created', $17, inc.id, $6,
                   jsonb_build_object('status', $1::text, 'category', $2::text, 'priority', $4::int,
                                      'call_id', c.id, 'duplicate_of', $14::bigint)
            FROM inc, c
        )
        SELECT inc.id AS incident_id, c.id AS call_id, inc.created_at FROM inc, c
        """,
        incident["status"],
        incident["category"],
        incident["secondary"],
        incident["priority"],
        incident["triage"],
        incident["district"],
        incident["area_type"],
        incident["target_minutes"],
        incident["lat"],
        incident["lon"],
        incident["address"],
        incident["received_at"],
        incident["caller_number"],
        incident["duplicate_of"],
        incident["pending"],
        incident["needs_review"],
        incident["created_by"],
        call["text"],
        call["channel"],
        call["idempotency_key"],
        incident["location_source"],
        None if incident["senior"] is None else incident["senior"]["id"],
        incident["senior"],
        incident.get("caller_history"),
    )
    assert row is not None
    return row["incident_id"], row["call_id"], row["created_at"]


async def target_minutes(
    conn: asyncpg.Connection, area_type: str, district: str, category: str | None
) -> float | None:
    """The target in force: the newest rule of the most specific kind (district, then category)."""
    value: float | None = await conn.fetchval(
        """
        SELECT minutes FROM response_targets
        WHERE area_type = $1 AND (district IS NULL OR district = $2) AND (category IS NULL OR category = $3)
        ORDER BY (district IS NOT NULL) DESC, (category IS NOT NULL) DESC, set_at DESC, id DESC
        LIMIT 1
        """,
        area_type,
        district,
        category,
    )
    return value


async def nearest_free_units(
    conn: asyncpg.Connection,
    *,
    unit_types: list[str],
    lat: float,
    lon: float,
    fresh_after: datetime,
    per_type: int,
    exclude: list[int],
) -> list[asyncpg.Record]:
    """The nearest available, freshly located units of each type (KNN over a GiST index)."""
    return list(
        await conn.fetch(
            NEAREST_FREE_UNITS_SQL,
            unit_types,
            lat,
            lon,
            fresh_after,
            per_type,
            exclude,
        )
    )


async def claim_unit(
    conn: asyncpg.Connection,
    *,
    unit_id: int,
    incident_id: int,
    service: str,
    eta_seconds: float | None,
    distance_km: float | None,
    now: datetime,
    actor: str,
    district: str,
) -> asyncpg.Record | None:
    """Atomically take a free unit for an incident: unit, assignment, incident and event in one statement.

    A unit another transaction is claiming right now is skipped (SKIP LOCKED), so racing calls move on to
    their next-best unit instead of waiting; the partial unique index on assignments is the last guard.
    """
    return await conn.fetchrow(
        """
        WITH u AS (
            UPDATE units SET status = 'dispatched', status_at = $6
            WHERE id = (SELECT id FROM units WHERE id = $1 AND status = 'available' FOR UPDATE SKIP LOCKED)
            RETURNING id, type, callsign
        ), a AS (
            INSERT INTO assignments (incident_id, unit_id, unit_type, service, eta_seconds, distance_km,
                                     dispatched_at, created_by)
            SELECT $2, u.id, u.type, $3, $4, $5, $6, $7 FROM u
            RETURNING id, incident_id, unit_id, unit_type, service, status, eta_seconds, distance_km,
                      dispatched_at, acknowledged_at, en_route_at, on_scene_at, transporting_at,
                      at_hospital_at, cleared_at, end_reason
        ), i AS (
            UPDATE incidents SET pending = array_remove(pending, $3),
                   status = CASE WHEN status = 'queued' THEN 'dispatched' ELSE status END
            WHERE id = $2 AND EXISTS (SELECT 1 FROM a)
            RETURNING lat, lon, address, category, priority, received_at
        ), ev AS (
            -- The offer the crew's app receives: everything needed to start driving.
            INSERT INTO events (kind, actor, incident_id, unit_id, district, data)
            SELECT 'assignment.created', $7, $2, a.unit_id, $8,
                   jsonb_build_object('assignment_id', a.id, 'incident_id', $2::bigint, 'service', $3::text,
                                      'eta_seconds', $4::float8, 'distance_km', $5::float8,
                                      'callsign', u.callsign, 'lat', i.lat, 'lon', i.lon,
                                      'address', i.address,
                                      'category', i.category, 'priority', i.priority,
                                      'received_at', i.received_at)
            FROM a, u, i
        )
        SELECT a.*, u.callsign FROM a, u
        """,
        unit_id,
        incident_id,
        service,
        eta_seconds,
        distance_km,
        now,
        actor,
        district,
    )


async def next_queued_incident(
    conn: asyncpg.Connection,
    *,
    services: list[str],
    lat: float,
    lon: float,
    radius_m: float,
    skip_incident: int | None = None,
) -> asyncpg.Record | None:
    """The waiting incident a freed unit should take: highest priority, then oldest, within reach; locked.

    NO KEY UPDATE, not UPDATE: rows that reference the incident (a duplicate call, an assignment, a
    review) take KEY SHARE locks on it, and SKIP LOCKED must skip only rows another claim holds, never
    the head of the queue because a call was being linked to it.
    """
    return await conn.fetchrow(
        """
        SELECT i.id, i.pending, i.lat, i.lon, i.area_type, i.priority, i.district FROM incidents i
        WHERE cardinality(i.pending) > 0 AND i.pending && $1::text[]
          AND i.status IN ('queued','dispatched','on_scene')
          AND earth_distance(ll_to_earth($2, $3), ll_to_earth(i.lat, i.lon)) <= $4
          AND i.id IS DISTINCT FROM $5::bigint
        ORDER BY i.priority, i.received_at, i.id
        LIMIT 1
        FOR NO KEY UPDATE SKIP LOCKED
        """,
        services,
        lat,
        lon,
        radius_m,
        skip_incident,
    )


async def get_incident(
    conn: asyncpg.Connection, incident_id: int, *, lock: bool = False
) -> asyncpg.Record | None:
    """One incident, optionally locked."""
    suffix = " FOR UPDATE" if lock else ""
    return await conn.fetchrow(
        f"SELECT {INCIDENT_COLUMNS} FROM incidents i WHERE i.id = $1{suffix}", incident_id
    )


async def assignments_of(conn: asyncpg.Connection, incident_ids: list[int]) -> list[asyncpg.Record]:
    """Assignments of the incidents, oldest first, with the unit's callsign."""
    return list(
        await conn.fetch(
            f"""SELECT {ASSIGNMENT_COLUMNS}, u.callsign FROM assignments a JOIN units u ON u.id = a.unit_id
                WHERE a.incident_id = ANY($1::bigint[]) ORDER BY a.id""",
            incident_ids,
        )
    )


async def calls_of(conn: asyncpg.Connection, incident_id: int) -> list[asyncpg.Record]:
    """The incident's own calls and those of incidents linked to it as duplicates."""
    return list(
        await conn.fetch(
            """SELECT c.id, c.incident_id, c.caller_number, c.text, c.channel, c.received_at
               FROM calls c WHERE c.incident_id = $1
                  OR c.incident_id IN (SELECT id FROM incidents WHERE duplicate_of = $1)
               ORDER BY c.received_at, c.id""",
            incident_id,
        )
    )


async def list_incidents(
    conn: asyncpg.Connection,
    *,
    status: str | None,
    district: str | None,
    category: str | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    """Incidents matching the filters, newest first."""
    return list(
        await conn.fetch(
            f"""SELECT {INCIDENT_COLUMNS} FROM incidents i
                WHERE ($1::text IS NULL OR i.status = $1) AND ($2::text IS NULL OR i.district = $2)
                  AND ($3::text IS NULL OR i.category = $3)
                ORDER BY i.received_at DESC, i.id DESC LIMIT $4 OFFSET $5""",
            status,
            district,
            category,
            limit,
            offset,
        )
    )


async def active_assignment_of_unit(conn: asyncpg.Connection, unit_id: int) -> asyncpg.Record | None:
    """The unit's current assignment (locked), if any."""
    return await conn.fetchrow(
        f"""SELECT {ASSIGNMENT_COLUMNS} FROM assignments a
            WHERE a.unit_id = $1 AND a.cleared_at IS NULL FOR UPDATE""",
        unit_id,
    )


async def active_assignments_of_incident(conn: asyncpg.Connection, incident_id: int) -> list[asyncpg.Record]:
    """The incident's assignments still running (locked)."""
    return list(
        await conn.fetch(
            f"""SELECT {ASSIGNMENT_COLUMNS} FROM assignments a
                WHERE a.incident_id = $1 AND a.cleared_at IS NULL ORDER BY a.id FOR UPDATE""",
            incident_id,
        )
    )


async def stamp_assignment(
    conn: asyncpg.Connection, assignment_id: int, status: str, column: str | None, at: datetime
) -> None:
    """Move an assignment to a status and stamp the matching time (never back-filling others)."""
    allowed = {"en_route_at", "on_scene_at", "transporting_at", "at_hospital_at", "cleared_at", None}
    assert column in allowed
    stamp = f", {column} = COALESCE({column}, $3)" if column else ""
    ack = ", acknowledged_at = COALESCE(acknowledged_at, $3)" if status in ("en_route", "on_scene") else ""
    await conn.execute(
        f"UPDATE assignments SET status = $2{stamp}{ack} WHERE id = $1", assignment_id, status, at
    )


async def clear_assignment(conn: asyncpg.Connection, assignment_id: int, at: datetime, reason: str) -> None:
    """End an assignment."""
    await conn.execute(
        "UPDATE assignments SET status = 'cleared', cleared_at = $2, end_reason = $3 WHERE id = $1",
        assignment_id,
        at,
        reason,
    )


async def set_unit_status(conn: asyncpg.Connection, unit_id: int, status: str, at: datetime) -> str | None:
    """Move a unit to a status; returns the unit's district (None for an unknown unit)."""
    district: str | None = await conn.fetchval(
        "UPDATE units SET status = $2, status_at = $3 WHERE id = $1 RETURNING district", unit_id, status, at
    )
    return district


async def mark_first_on_scene(
    conn: asyncpg.Connection, incident_id: int, at: datetime
) -> asyncpg.Record | None:
    """Record the incident's first arrival: response time, whether it met the target, the unit type.

    The response_rollup trigger (migration 0004) counts the arrival in the same transaction.
    """
    return await conn.fetchrow(
        """UPDATE incidents SET first_on_scene_at = $2,
                  response_seconds = extract(epoch FROM $2 - received_at),
                  first_unit_type = (SELECT a.unit_type FROM assignments a
                                     WHERE a.incident_id = $1 AND a.on_scene_at IS NOT NULL
                                     ORDER BY a.on_scene_at, a.id LIMIT 1),
                  within_target = extract(epoch FROM $2 - received_at) <= target_minutes * 60,
                  status = CASE WHEN status = 'dispatched' THEN 'on_scene' ELSE status END
           WHERE id = $1 AND first_on_scene_at IS NULL
           RETURNING response_seconds, within_target""",
        incident_id,
        at,
    )


async def update_incident(conn: asyncpg.Connection, incident_id: int, **fields: Any) -> None:
    """Set columns of an incident (names come from code, never from clients)."""
    names = list(fields)
    sets = ", ".join(f"{name} = ${n}" for n, name in enumerate(names, 2))
    await conn.execute(f"UPDATE incidents SET {sets} WHERE id = $1", incident_id, *fields.values())


async def add_pending(conn: asyncpg.Connection, incident_id: int, service: str) -> None:
    """Put a service back on the incident's waiting list (its unit was withdrawn)."""
    await conn.execute(
        """UPDATE incidents SET pending = array_append(pending, $2)
           WHERE id = $1 AND NOT ($2 = ANY(pending)) AND status IN ('queued','dispatched','on_scene')""",
        incident_id,
        service,
    )


async def lapsed_assignment(
    conn: asyncpg.Connection, timeout_seconds: float, now: datetime
) -> asyncpg.Record | None:
    """One assignment not acknowledged by `now`, locked so that only one worker acts on it."""
    return await conn.fetchrow(
        f"""SELECT {ASSIGNMENT_COLUMNS} FROM assignments a
            WHERE a.cleared_at IS NULL AND a.acknowledged_at IS NULL
              AND a.dispatched_at < $2::timestamptz - make_interval(secs => $1)
            ORDER BY a.dispatched_at LIMIT 1
            FOR UPDATE SKIP LOCKED""",
        timeout_seconds,
        now,
    )


async def acknowledge(conn: asyncpg.Connection, assignment_id: int, at: datetime) -> None:
    """Stamp an assignment's acknowledgement (the first one counts)."""
    await conn.execute(
        "UPDATE assignments SET acknowledged_at = COALESCE(acknowledged_at, $2) WHERE id = $1",
        assignment_id,
        at,
    )


async def available_unit_types(conn: asyncpg.Connection, fresh_after: datetime) -> list[str]:
    """Unit types of which at least one unit is free with a fresh position."""
    return [
        r["type"]
        for r in await conn.fetch(
            "SELECT DISTINCT type FROM units WHERE status = 'available' AND position_at >= $1", fresh_after
        )
    ]


async def waiting_incidents(
    conn: asyncpg.Connection, services: list[str], limit: int
) -> list[asyncpg.Record]:
    """Incidents waiting for one of the services, queue order, locked (skipping ones being handled)."""
    return list(
        await conn.fetch(
            """SELECT i.id, i.pending, i.lat, i.lon, i.area_type, i.priority, i.district FROM incidents i
               WHERE cardinality(i.pending) > 0 AND i.pending && $1::text[]
                 AND i.status IN ('queued','dispatched','on_scene')
               ORDER BY i.priority, i.received_at, i.id LIMIT $2
               FOR NO KEY UPDATE SKIP LOCKED""",
            services,
            limit,
        )
    )


async def mark_unit_silent(conn: asyncpg.Connection, unit_id: int, at: datetime) -> None:
    """A unit that let an assignment lapse is taken out of service until its crew reports back."""
    await conn.execute(
        """UPDATE units SET status = 'out_of_service', status_at = $2, silent_since = $2,
                  missed_acks = missed_acks + 1
           WHERE id = $1""",
        unit_id,
        at,
    )
