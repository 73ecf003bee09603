"""SQL for oversight: response targets, live risk markers, HQ review of women cases, the lapse report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

# ------------------------------------------------------------------------------------------------ targets


async def list_targets(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every target rule ever set, newest first per key; `current` marks the row in force for its key."""
    return list(
        await conn.fetch(
            """SELECT t.id, t.area_type, t.district, t.category, t.minutes, t.set_at, t.set_by,
                      row_number() OVER (PARTITION BY t.area_type, t.district, t.category
                                         ORDER BY t.set_at DESC, t.id DESC) = 1 AS current
               FROM response_targets t
               ORDER BY t.area_type, t.district NULLS FIRST, t.category NULLS FIRST,
                        t.set_at DESC, t.id DESC"""
        )
    )


async def insert_target(
    conn: asyncpg.Connection,
    *,
    area_type: str,
    district: str | None,
    category: str | None,
    minutes: float,
    at: datetime,
    actor: str,
) -> asyncpg.Record:
    """Add a target rule (history is kept: the newest row for a key is in force)."""
    row = await conn.fetchrow(
        """INSERT INTO response_targets (area_type, district, category, minutes, set_at, set_by)
           VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING id, area_type, district, category, minutes, set_at, set_by, true AS current""",
        area_type,
        district,
        category,
        minutes,
        at,
        actor,
    )
    assert row is not None
    return row


# ---------------------------------------------------------------------------------------------- live risk


async def unreached_incidents(
    conn: asyncpg.Connection, *, unmarked_only: bool, district: str | None = None
) -> list[asyncpg.Record]:
    """Open incidents nobody has reached (of one district, or all), with their units on the way."""
    marker = "AND (m.at_risk_at IS NULL OR m.breached_at IS NULL)" if unmarked_only else ""
    return list(
        await conn.fetch(
            f"""
            SELECT i.id, i.status, i.category, i.priority, i.district, i.area_type, i.target_minutes,
                   i.lat, i.lon, i.received_at, i.pending, m.at_risk_at, m.breached_at,
                   coalesce(u.units, '[]'::jsonb) AS units
            FROM incidents i
            LEFT JOIN LATERAL (
                SELECT max(mk.at) FILTER (WHERE mk.kind = 'at_risk') AS at_risk_at,
                       max(mk.at) FILTER (WHERE mk.kind = 'breached') AS breached_at
                FROM incident_marks mk WHERE mk.incident_id = i.id
            ) m ON true
            LEFT JOIN LATERAL (
                SELECT jsonb_agg(jsonb_build_object(
                           'unit_id', un.id, 'callsign', un.callsign, 'unit_type', a.unit_type,
                           'lat', un.lat, 'lon', un.lon, 'dispatched_at', a.dispatched_at,
                           'en_route_at', a.en_route_at) ORDER BY a.id) AS units
                FROM assignments a JOIN units un ON un.id = a.unit_id
                WHERE a.incident_id = i.id AND a.cleared_at IS NULL AND a.on_scene_at IS NULL
            ) u ON true
            WHERE i.first_on_scene_at IS NULL AND i.status IN ('queued','dispatched','on_scene') {marker}
              AND ($1::text IS NULL OR i.district = $1)
            """,
            district,
        )
    )


async def mark_risk(
    conn: asyncpg.Connection,
    kind: str,
    incident_ids: list[int],
    details: list[dict[str, Any]],
    at: datetime,
    actor: str,
) -> list[int]:
    """Record the marker and write its event, once per incident, whoever races.

    The marker's primary key decides which worker writes the event (ON CONFLICT DO NOTHING waits for a
    racing insert, then does nothing). The incident row itself is only read, never locked: a freed unit
    taking the head of the queue must never find it held by this sweep.
    """
    mark = {"incident.at_risk": "at_risk", "incident.breached": "breached"}[kind]
    rows = await conn.fetch(
        """
        WITH wanted AS (SELECT * FROM unnest($1::bigint[], $2::jsonb[]) AS w(id, data)),
        marked AS (
            INSERT INTO incident_marks (incident_id, kind, at)
            SELECT i.id, $6, $3 FROM incidents i JOIN wanted w ON w.id = i.id
            WHERE i.first_on_scene_at IS NULL AND i.status IN ('queued','dispatched','on_scene')
            ON CONFLICT DO NOTHING
            RETURNING incident_id
        )
        INSERT INTO events (kind, actor, incident_id, district, data)
        SELECT $4, $5, m.incident_id, i.district, w.data
        FROM marked m JOIN incidents i ON i.id = m.incident_id JOIN wanted w ON w.id = m.incident_id
        RETURNING incident_id
        """,
        incident_ids,
        details,
        at,
        kind,
        actor,
        mark,
    )
    return [r["incident_id"] for r in rows]


# ------------------------------------------------------------------------------------ women-safety review


async def mark_serious(
    conn: asyncpg.Connection, incident_id: int, reason: str, at: datetime, actor: str
) -> asyncpg.Record | None:
    """Flag an incident as serious (puts a women case in front of HQ); the first marking is kept."""
    return await conn.fetchrow(
        """UPDATE incidents SET serious = true, serious_at = coalesce(serious_at, $3),
                  serious_by = coalesce(serious_by, $4), serious_reason = coalesce(serious_reason, $2)
           WHERE id = $1 RETURNING id, district, category, serious, serious_at, serious_by, serious_reason""",
        incident_id,
        reason,
        at,
        actor,
    )


_REVIEW_QUEUE = """
    SELECT i.id AS incident_id, i.status, i.category, i.priority, i.district, i.area_type, i.received_at,
           i.response_seconds, i.within_target, i.disposition, i.serious, i.serious_reason,
           i.received_at + make_interval(secs => $1 * 3600) AS review_due_at,
           r.outcome, r.notes, r.reviewed_at, r.reviewed_by,
           coalesce(r.n, 0) AS reviews
    FROM incidents i
    LEFT JOIN LATERAL (
        SELECT wr.outcome, wr.notes, wr.reviewed_at, wr.reviewed_by, count(*) OVER () AS n
        FROM women_reviews wr WHERE wr.incident_id = i.id ORDER BY wr.reviewed_at DESC, wr.id DESC LIMIT 1
    ) r ON true
    WHERE ((i.category = 'women' AND i.priority = 1) OR i.serious)
"""


async def review_queue(
    conn: asyncpg.Connection,
    *,
    hours: float,
    district: str | None,
    review_status: str | None,
    now: datetime,
    limit: int,
) -> list[asyncpg.Record]:
    """Incidents in HQ's women-safety review queue with their latest review, oldest unreviewed first.

    The review-status filter is applied before LIMIT: a page of pending cases must not hide the rest.
    """
    return list(
        await conn.fetch(
            _REVIEW_QUEUE
            + """ AND ($2::text IS NULL OR i.district = $2)
                  AND CASE $3::text
                        WHEN 'reviewed' THEN r.outcome IS NOT NULL
                        WHEN 'pending' THEN r.outcome IS NULL
                        WHEN 'overdue' THEN r.outcome IS NULL
                                            AND i.received_at + make_interval(secs => $1 * 3600) < $5
                        ELSE true END
                ORDER BY (r.outcome IS NOT NULL), i.received_at, i.id LIMIT $4""",
            hours,
            district,
            review_status,
            limit,
            now,
        )
    )


async def in_review_queue(conn: asyncpg.Connection, incident_id: int) -> asyncpg.Record | None:
    """The incident's women-review eligibility and district: None when unknown."""
    return await conn.fetchrow(
        """SELECT ((category = 'women' AND priority = 1) OR serious) AS in_queue, district
           FROM incidents WHERE id = $1""",
        incident_id,
    )


async def insert_review(
    conn: asyncpg.Connection, incident_id: int, outcome: str, notes: str, at: datetime, actor: str
) -> asyncpg.Record:
    """Record a supervisor's review of a women case."""
    row = await conn.fetchrow(
        """INSERT INTO women_reviews (incident_id, outcome, notes, reviewed_at, reviewed_by)
           VALUES ($1, $2, $3, $4, $5) RETURNING id, incident_id, outcome, notes, reviewed_at, reviewed_by""",
        incident_id,
        outcome,
        notes,
        at,
        actor,
    )
    assert row is not None
    return row


# ------------------------------------------------------------------------------------------------- lapses

_LAPSE_KEYS = {
    "district": ("i.district AS district", "i.district"),
    "station": ("st.id AS station_id, st.name AS station", "st.id, st.name"),
    "unit": ("u.id AS unit_id, u.callsign AS callsign", "u.id, u.callsign"),
}


async def lapses(
    conn: asyncpg.Connection,
    *,
    group_by: str,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    turnout_limits: dict[str, float],
    default_turnout_limit: float,
    district: str | None = None,
) -> list[asyncpg.Record]:
    """Per key and kind of lapse: how many incidents and which; unit lapses belong to the unit's station."""
    select, group = _LAPSE_KEYS[group_by]
    return list(
        await conn.fetch(
            f"""
            WITH period AS (
                SELECT i.* FROM incidents i
                WHERE ($1::timestamptz IS NULL OR i.received_at >= $1)
                  AND ($2::timestamptz IS NULL OR i.received_at < $2)
                  AND ($6::text IS NULL OR i.district = $6)
            ), lapse AS (
                SELECT 'breached' AS kind, i.id AS incident_id, a.unit_id
                FROM period i LEFT JOIN assignments a ON a.incident_id = i.id
                WHERE i.within_target IS FALSE
                   OR (i.first_on_scene_at IS NULL AND i.status IN ('queued','dispatched','on_scene')
                       AND i.received_at + make_interval(secs => i.target_minutes * 60) < $3)
                UNION ALL
                SELECT 'unacknowledged', i.id, a.unit_id
                FROM period i JOIN assignments a ON a.incident_id = i.id
                WHERE a.end_reason = 'unacknowledged'
                UNION ALL
                SELECT 'closed_without_disposition', i.id, a.unit_id
                FROM period i LEFT JOIN assignments a ON a.incident_id = i.id
                WHERE i.status = 'closed' AND coalesce(btrim(i.disposition), '') = ''
                UNION ALL
                SELECT 'long_turnout', i.id, a.unit_id
                FROM period i JOIN assignments a ON a.incident_id = i.id
                WHERE a.en_route_at IS NOT NULL
                  AND extract(epoch FROM a.en_route_at - a.dispatched_at)
                      > coalesce(($4::jsonb ->> a.unit_type)::float8, $5)
            )
            SELECT {select}, l.kind, count(DISTINCT l.incident_id) AS n,
                   array_agg(DISTINCT l.incident_id ORDER BY l.incident_id) AS incident_ids
            FROM lapse l JOIN incidents i ON i.id = l.incident_id
            LEFT JOIN units u ON u.id = l.unit_id
            LEFT JOIN stations st ON st.id = u.station_id
            GROUP BY {group}, l.kind
            ORDER BY {group}, l.kind
            """,
            start,
            end,
            now,
            turnout_limits,
            default_turnout_limit,
            district,
        )
    )


async def queue_figures(conn: asyncpg.Connection) -> asyncpg.Record:
    """For /metrics: open incidents waiting for a unit, services still waiting, and those flagged at risk."""
    row = await conn.fetchrow(
        """
        SELECT count(*) FILTER (WHERE i.status = 'queued') AS queued,
               coalesce(sum(cardinality(i.pending)), 0) AS pending_services,
               count(*) FILTER (WHERE i.first_on_scene_at IS NULL AND EXISTS (
                   SELECT 1 FROM incident_marks m WHERE m.incident_id = i.id AND m.kind = 'at_risk'
               )) AS at_risk
        FROM incidents i WHERE i.status IN ('queued', 'dispatched', 'on_scene')
        """
    )
    assert row is not None
    return row
