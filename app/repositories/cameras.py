"""SQL for cameras and panic poles, their alerts (bursts) and the reports behind each alert."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

CAMERA_COLUMNS = (
    "c.id, c.code, c.name, c.kind, c.lat, c.lon, c.district, c.live_url, c.created_at, c.updated_at"
)
# An alert's own columns (RETURNING of writes) and, joined, the camera's that its API shape shows.
ALERT_OWN = """a.id, a.status, a.count, a.incident_id, a.kind, a.confidence, a.district, a.first_at,
    a.last_at, a.received_at, a.snapshot_url, a.category, a.priority, a.decided_at, a.decided_by,
    a.dismiss_reason, a.note"""
ALERT_COLUMNS = f"""{ALERT_OWN}, c.code AS camera_code, c.name AS camera_name, c.kind AS camera_kind,
    c.lat, c.lon, c.live_url"""

# Radius search: earth_box @> uses the GiST index (a cube around the point), earth_distance trims its
# corners; the same approach as the duplicate look-up on incidents.
_WITHIN = """earth_box(ll_to_earth($1, $2), $3) @> ll_to_earth(c.lat, c.lon)
    AND earth_distance(ll_to_earth($1, $2), ll_to_earth(c.lat, c.lon)) <= $3"""
_DISTANCE = "earth_distance(ll_to_earth($1, $2), ll_to_earth(c.lat, c.lon))"


CAMERAS_NEAR_SQL = f"""SELECT c.code, c.name, c.kind, c.live_url, {_DISTANCE} AS distance_m FROM cameras c
    WHERE {_WITHIN} ORDER BY distance_m, c.code LIMIT $4"""


async def insert_camera(
    conn: asyncpg.Connection,
    *,
    code: str,
    name: str,
    kind: str,
    lat: float,
    lon: float,
    district: str,
    live_url: str | None,
    actor: str,
    now: datetime,
) -> asyncpg.Record | None:
    """Register a camera and log it in one round trip; None when the code is taken."""
    return await conn.fetchrow(
        f"""
        WITH c AS (
            INSERT INTO cameras (code, name, kind, lat, lon, district, live_url, created_by, created_at,
                                 updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
            ON CONFLICT (code) DO NOTHING
            RETURNING *
        ), ev AS (
            INSERT INTO events (kind, actor, district, data)
            SELECT 'camera.registered', $8, c.district,
                   jsonb_build_object('camera_id', c.id, 'code', c.code, 'kind', c.kind)
            FROM c
        )
        SELECT {CAMERA_COLUMNS} FROM c
        """,
        code,
        name,
        kind,
        lat,
        lon,
        district,
        live_url,
        actor,
        now,
    )


async def upsert_cameras(
    conn: asyncpg.Connection,
    rows: Sequence[tuple[str, str, str, float, float, str, str | None]],
    actor: str,
    now: datetime,
) -> tuple[int, int]:
    """Insert or update cameras by code, one statement per 10,000; returns (inserted, updated).

    A row identical to the stored camera is left alone, so re-importing a file changes nothing.
    """
    inserted = updated = 0
    for start in range(0, len(rows), 10_000):
        chunk = rows[start : start + 10_000]
        columns = list(zip(*chunk, strict=True))
        result = await conn.fetch(
            """
            INSERT INTO cameras AS c (code, name, kind, lat, lon, district, live_url, created_by, created_at,
                                      updated_at)
            SELECT t.code, t.name, t.kind, t.lat, t.lon, t.district, t.live_url, $8, $9, $9
            FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::text[],
                        $7::text[]) AS t(code, name, kind, lat, lon, district, live_url)
            ON CONFLICT (code) DO UPDATE SET
                name = EXCLUDED.name, kind = EXCLUDED.kind, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
                district = EXCLUDED.district, live_url = EXCLUDED.live_url, updated_at = EXCLUDED.updated_at
            WHERE (c.name, c.kind, c.lat, c.lon, c.district, c.live_url)
                  IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.lat, EXCLUDED.lon,
                                    EXCLUDED.district, EXCLUDED.live_url)
            RETURNING (xmax = 0) AS inserted
            """,
            *[list(col) for col in columns],
            actor,
            now,
        )
        fresh = sum(1 for r in result if r["inserted"])
        inserted += fresh
        updated += len(result) - fresh
    return inserted, updated


async def list_cameras(
    conn: asyncpg.Connection,
    *,
    district: str | None,
    kind: str | None,
    near: tuple[float, float] | None,
    radius_m: float,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    """Cameras by code, or within radius_m of `near`, nearest first (distance_m set)."""
    if near is None:
        return list(
            await conn.fetch(
                f"""SELECT {CAMERA_COLUMNS}, NULL::float8 AS distance_m FROM cameras c
                    WHERE ($1::text IS NULL OR c.district = $1) AND ($2::text IS NULL OR c.kind = $2)
                    ORDER BY c.code LIMIT $3 OFFSET $4""",
                district,
                kind,
                limit,
                offset,
            )
        )
    return list(
        await conn.fetch(
            f"""SELECT {CAMERA_COLUMNS}, {_DISTANCE} AS distance_m FROM cameras c
                WHERE {_WITHIN}
                  AND ($4::text IS NULL OR c.district = $4) AND ($5::text IS NULL OR c.kind = $5)
                ORDER BY distance_m, c.code LIMIT $6 OFFSET $7""",
            near[0],
            near[1],
            radius_m,
            district,
            kind,
            limit,
            offset,
        )
    )


async def cameras_near(
    conn: asyncpg.Connection, lat: float, lon: float, radius_m: float, limit: int
) -> list[asyncpg.Record]:
    """Cameras within radius_m of a point, nearest first: what an operator can look through."""
    return list(
        await conn.fetch(
            CAMERAS_NEAR_SQL,
            lat,
            lon,
            radius_m,
            limit,
        )
    )


async def lock_camera(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    """The camera, its row locked until commit: alert intake for one camera runs one at a time.

    FOR NO KEY UPDATE still lets alerts (whose foreign key takes KEY SHARE) be written meanwhile; it only
    serialises the transactions that deciding a burst needs serialised, whichever worker runs them.
    """
    return await conn.fetchrow(
        f"SELECT {CAMERA_COLUMNS} FROM cameras c WHERE c.code = $1 FOR NO KEY UPDATE", code
    )


async def alert_of_report(conn: asyncpg.Connection, external_id: str) -> asyncpg.Record | None:
    """The alert a report with this external_id joined, with its camera, or None."""
    return await conn.fetchrow(
        f"""SELECT {ALERT_COLUMNS}, a.camera_id FROM camera_alert_reports r
            JOIN camera_alerts a ON a.id = r.alert_id JOIN cameras c ON c.id = a.camera_id
            WHERE r.external_id = $1""",
        external_id,
    )


async def fold_into_burst(
    conn: asyncpg.Connection,
    *,
    camera_id: int,
    kind: str,
    window_start: datetime,
    window_end: datetime,
    at: datetime,
    confidence: float,
    snapshot_url: str | None,
    external_id: str | None,
    received_at: datetime,
    actor: str,
    past_dismissals: bool,
) -> asyncpg.Record | None:
    """Add a report to the alert of the same camera and kind whose span meets the window; None if none.

    The caller holds the camera's lock, so no other transaction can open or extend a burst of this
    camera meanwhile; the alert's row lock (taken by the UPDATE) orders it with a confirm or dismiss.
    With past_dismissals, a dismissed alert does not absorb the report (a new alert opens instead).
    A panic pole pressed again is news for the incident's console: that report gets a feed event.
    """
    return await conn.fetchrow(
        f"""
        WITH target AS (
            SELECT id FROM camera_alerts
            WHERE camera_id = $1 AND kind = $2 AND last_at >= $3 AND first_at <= $4
              AND NOT ($11 AND status = 'dismissed')
            ORDER BY last_at DESC, id DESC LIMIT 1
        ), a AS (
            UPDATE camera_alerts a SET count = a.count + 1, first_at = least(a.first_at, $5),
                   last_at = greatest(a.last_at, $5), confidence = greatest(a.confidence, $6),
                   snapshot_url = CASE WHEN $5 >= a.last_at THEN coalesce($7, a.snapshot_url)
                                       ELSE coalesce(a.snapshot_url, $7) END
            FROM target WHERE a.id = target.id
            RETURNING {ALERT_OWN}
        ), r AS (
            INSERT INTO camera_alert_reports (alert_id, external_id, at, confidence, snapshot_url,
                                              received_at, created_by)
            SELECT a.id, $8, $5, $6, $7, $9, $10 FROM a
        ), ev AS (
            INSERT INTO events (kind, actor, incident_id, district, data)
            SELECT 'camera_alert.repeated', $10, a.incident_id, a.district,
                   jsonb_build_object('alert_id', a.id, 'status', a.status, 'kind', a.kind, 'count', a.count,
                                      'at', $5::timestamptz)
            FROM a WHERE a.kind = 'sos_button'
        )
        SELECT * FROM a
        """,
        camera_id,
        kind,
        window_start,
        window_end,
        at,
        confidence,
        snapshot_url,
        external_id,
        received_at,
        actor,
        past_dismissals,
    )


async def insert_alert(
    conn: asyncpg.Connection, alert: dict[str, Any], external_id: str | None, event: dict[str, Any]
) -> asyncpg.Record:
    """Open an alert with its first report and its feed event, in one round trip."""
    row = await conn.fetchrow(
        f"""
        WITH a AS (
            INSERT INTO camera_alerts AS a (camera_id, kind, status, district, confidence, first_at, last_at,
                                            snapshot_url, received_at, created_by, incident_id, category,
                                            priority, decided_at, decided_by)
            VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13, $14)
            RETURNING {ALERT_OWN}
        ), r AS (
            INSERT INTO camera_alert_reports (alert_id, external_id, at, confidence, snapshot_url,
                                              received_at, created_by)
            SELECT a.id, $15, $6, $5, $7, $8, $9 FROM a
        ), ev AS (
            INSERT INTO events (kind, actor, incident_id, district, data)
            SELECT 'camera_alert.created', $9, $10, $4,
                   $16::jsonb || jsonb_build_object('alert_id', a.id, 'status', a.status) FROM a
        )
        SELECT * FROM a
        """,
        alert["camera_id"],
        alert["kind"],
        alert["status"],
        alert["district"],
        alert["confidence"],
        alert["at"],
        alert["snapshot_url"],
        alert["received_at"],
        alert["created_by"],
        alert["incident_id"],
        alert["category"],
        alert["priority"],
        alert["decided_at"],
        alert["decided_by"],
        external_id,
        event,
    )
    assert row is not None
    return row


async def get_alert(conn: asyncpg.Connection, alert_id: int, *, lock: bool = False) -> asyncpg.Record | None:
    """One alert with its camera, optionally locked (a decision about it)."""
    suffix = " FOR UPDATE OF a" if lock else ""
    return await conn.fetchrow(
        f"""SELECT {ALERT_COLUMNS} FROM camera_alerts a JOIN cameras c ON c.id = a.camera_id
            WHERE a.id = $1{suffix}""",
        alert_id,
    )


async def decide(
    conn: asyncpg.Connection,
    alert_id: int,
    *,
    status: str,
    actor: str,
    at: datetime,
    incident_id: int | None = None,
    category: str | None = None,
    priority: int | None = None,
    dismiss_reason: str | None = None,
    note: str | None = None,
) -> asyncpg.Record:
    """Record the decision about an alert and log it for the consoles, in one round trip."""
    row = await conn.fetchrow(
        f"""
        WITH a AS (
            UPDATE camera_alerts a SET status = $2, decided_at = $4, decided_by = $3,
                   incident_id = coalesce($5, a.incident_id), category = coalesce($6, a.category),
                   priority = coalesce($7, a.priority), dismiss_reason = $8, note = coalesce($9, a.note)
            WHERE a.id = $1
            RETURNING {ALERT_OWN}
        ), ev AS (
            INSERT INTO events (kind, actor, incident_id, district, data)
            SELECT 'camera_alert.' || a.status, $3, a.incident_id, a.district,
                   jsonb_build_object('alert_id', a.id, 'status', a.status, 'kind', a.kind,
                                      'count', a.count, 'category', a.category, 'priority', a.priority,
                                      'reason', a.dismiss_reason)
            FROM a
        )
        SELECT * FROM a
        """,
        alert_id,
        status,
        actor,
        at,
        incident_id,
        category,
        priority,
        dismiss_reason,
        note,
    )
    assert row is not None
    return row


async def list_alerts(
    conn: asyncpg.Connection,
    *,
    status: str | None,
    district: str | None,
    kind: str | None,
    camera: str | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    """Alerts matching the filters, oldest first (the review queue's order)."""
    return list(
        await conn.fetch(
            f"""SELECT {ALERT_COLUMNS} FROM camera_alerts a JOIN cameras c ON c.id = a.camera_id
                WHERE ($1::text IS NULL OR a.status = $1) AND ($2::text IS NULL OR a.district = $2)
                  AND ($3::text IS NULL OR a.kind = $3) AND ($4::text IS NULL OR c.code = $4)
                ORDER BY a.first_at, a.id LIMIT $5 OFFSET $6""",
            status,
            district,
            kind,
            camera,
            limit,
            offset,
        )
    )


async def source_alert_of_incident(conn: asyncpg.Connection, incident_id: int) -> asyncpg.Record | None:
    """The alert that raised an incident (confirmed or dispatched at once), if one did."""
    return await conn.fetchrow(
        """SELECT a.id, a.kind, c.code AS camera_code
           FROM camera_alerts a JOIN cameras c ON c.id = a.camera_id
           WHERE a.incident_id = $1 AND a.status IN ('confirmed', 'auto_dispatched')
           ORDER BY a.id LIMIT 1""",
        incident_id,
    )


_STAT_DIMENSIONS = {"camera": "c.code", "kind": "a.kind", "district": "a.district"}


async def alert_stats(
    conn: asyncpg.Connection,
    *,
    group_by: Sequence[str],
    start: datetime | None,
    end: datetime | None,
    kind: str | None,
    district: str | None,
) -> list[dict[str, Any]]:
    """Alerts per group: counts by outcome and the median seconds from an alert to an operator's decision."""
    select = "".join(f"{_STAT_DIMENSIONS[d]} AS {d}, " for d in group_by)
    group = ", ".join(_STAT_DIMENSIONS[d] for d in group_by)
    grouping = f"GROUP BY {group} ORDER BY {group}" if group else ""
    rows = await conn.fetch(
        f"""
        SELECT {select}count(*) AS count, coalesce(sum(a.count), 0)::bigint AS reports,
               count(*) FILTER (WHERE a.status = 'confirmed') AS confirmed,
               count(*) FILTER (WHERE a.status = 'dismissed') AS dismissed,
               count(*) FILTER (WHERE a.status = 'auto_dispatched') AS auto_dispatched,
               count(*) FILTER (WHERE a.status = 'linked') AS linked,
               count(*) FILTER (WHERE a.status = 'pending_review') AS pending_review,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY greatest(0, extract(epoch FROM a.decided_at - a.received_at))
               ) FILTER (WHERE a.status IN ('confirmed', 'dismissed')) AS median_decision_s
        FROM camera_alerts a JOIN cameras c ON c.id = a.camera_id
        WHERE ($1::timestamptz IS NULL OR a.first_at >= $1) AND ($2::timestamptz IS NULL OR a.first_at < $2)
          AND ($3::text IS NULL OR a.kind = $3) AND ($4::text IS NULL OR a.district = $4)
        {grouping}
        """,
        start,
        end,
        kind,
        district,
    )
    return [dict(r) for r in rows if r["count"] > 0]
