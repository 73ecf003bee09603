"""SQL for Samarpan: members and their phones, the station's decision, welfare visits and needs, erasure."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

MEMBER_COLUMNS = """m.id, m.status, m.active, m.name, m.date_of_birth, m.address, m.lat, m.lon, m.district,
    m.station_id, m.lives_alone, m.conditions, m.mobility, m.emergency_contacts, m.consent_given_at,
    m.consent_channel, m.channel, m.applied_at, m.applied_on, m.decided_at, m.decision_reason,
    m.verified_on, m.last_visit_on, m.visit_interval_days, m.deactivated_at,
    ARRAY(SELECT p.phone FROM senior_phones p WHERE p.member_id = m.id ORDER BY p.position) AS phones"""

# The due day, in SQL, for filtering and ordering the due list; it mirrors
# app/dispatch/samarpan.py next_visit_due (the integration tests check that both agree).
DUE_ON_SQL = "(greatest(m.verified_on, m.last_visit_on) + coalesce(m.visit_interval_days, $1::int))"

# Columns a PATCH may set (the service decides the values; this list keeps the SQL closed).
UPDATABLE = frozenset(
    {
        "name",
        "date_of_birth",
        "address",
        "lat",
        "lon",
        "district",
        "station_id",
        "lives_alone",
        "conditions",
        "mobility",
        "emergency_contacts",
        "visit_interval_days",
    }
)


# ------------------------------------------------------------------------------------------ stations


async def station_district(conn: asyncpg.Connection, station_id: int) -> str | None:
    """The district of a station (None for an unknown station)."""
    district: str | None = await conn.fetchval("SELECT district FROM stations WHERE id = $1", station_id)
    return district


async def default_station(conn: asyncpg.Connection, district: str) -> int | None:
    """The district's first station (its control room at headquarters, created by `dial112 seed`)."""
    station: int | None = await conn.fetchval(
        "SELECT id FROM stations WHERE district = $1 ORDER BY id LIMIT 1", district
    )
    return station


# ------------------------------------------------------------------------------------------- members


async def active_phone_holder(
    conn: asyncpg.Connection, phones: list[str], *, except_member: int | None = None
) -> str | None:
    """The first of these numbers already held by an active registration (other than `except_member`)."""
    phone: str | None = await conn.fetchval(
        """SELECT phone FROM senior_phones
           WHERE phone = ANY($1::text[]) AND active AND member_id IS DISTINCT FROM $2::bigint
           ORDER BY array_position($1::text[], phone) LIMIT 1""",
        phones,
        except_member,
    )
    return phone


async def insert_member(
    conn: asyncpg.Connection, member: dict[str, Any], phones: list[str], *, at: datetime, actor: str
) -> int:
    """Create a pending member with their phones in one statement; returns the id.

    Raises asyncpg.UniqueViolationError when a number is already on an active registration.
    """
    member_id: int = await conn.fetchval(
        """
        WITH m AS (
            INSERT INTO senior_members (name, date_of_birth, address, lat, lon, district, station_id,
                lives_alone, conditions, mobility, emergency_contacts, consent_given_at, consent_channel,
                channel, applied_at, applied_on, applied_by, visit_interval_days, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $15)
            RETURNING id
        ), p AS (
            INSERT INTO senior_phones (member_id, position, phone, active)
            SELECT m.id, n.position, n.phone, true
            FROM m, unnest($19::text[]) WITH ORDINALITY AS n(phone, position)
        )
        SELECT id FROM m
        """,
        member["name"],
        member["date_of_birth"],
        member["address"],
        member["lat"],
        member["lon"],
        member["district"],
        member["station_id"],
        member["lives_alone"],
        member["conditions"],
        member["mobility"],
        member["emergency_contacts"],
        member["consent_given_at"],
        member["consent_channel"],
        member["channel"],
        at,
        member["applied_on"],
        actor,
        member["visit_interval_days"],
        phones,
    )
    return member_id


async def get_member(
    conn: asyncpg.Connection, member_id: int, *, lock: str | None = None
) -> asyncpg.Record | None:
    """One member with their phones; `lock` is 'update' (erasure) or 'no key update' (changes)."""
    suffix = {None: "", "update": " FOR UPDATE OF m", "no key update": " FOR NO KEY UPDATE OF m"}[lock]
    return await conn.fetchrow(
        f"SELECT {MEMBER_COLUMNS} FROM senior_members m WHERE m.id = $1{suffix}", member_id
    )


async def member_calling(conn: asyncpg.Connection, phone: str) -> asyncpg.Record | None:
    """The verified, active member with this number, for intake: one probe of uq_senior_phones_active.

    FOR KEY SHARE holds the row against an erasure until the call's transaction ends (the erasure
    then clears the summary this call writes); it never waits for, nor blocks, ordinary updates.
    """
    return await conn.fetchrow(
        """SELECT m.id, m.name, m.date_of_birth, m.lives_alone, m.conditions, m.mobility,
                  m.emergency_contacts, m.lat, m.lon, m.address
           FROM senior_phones p JOIN senior_members m ON m.id = p.member_id
           WHERE p.phone = $1 AND p.active AND m.status = 'verified' AND m.active
           LIMIT 1
           FOR KEY SHARE OF m""",
        phone,
    )


async def list_members(
    conn: asyncpg.Connection,
    *,
    district: str | None,
    status: str | None,
    station_id: int | None,
    active: bool | None,
    limit: int,
    offset: int,
    default_interval: int,
) -> list[asyncpg.Record]:
    """Members matching the filters, by id, with their due day (verified and active only)."""
    return list(
        await conn.fetch(
            f"""SELECT m.id, m.name, m.status, m.active, m.district, m.station_id, m.channel, m.applied_at,
                       CASE WHEN m.status = 'verified' AND m.active THEN {DUE_ON_SQL} END AS next_visit_due
                FROM senior_members m
                WHERE ($2::text IS NULL OR m.district = $2) AND ($3::text IS NULL OR m.status = $3)
                  AND ($4::bigint IS NULL OR m.station_id = $4) AND ($5::boolean IS NULL OR m.active = $5)
                ORDER BY m.id LIMIT $6 OFFSET $7""",
            default_interval,
            district,
            status,
            station_id,
            active,
            limit,
            offset,
        )
    )


async def decide(
    conn: asyncpg.Connection,
    member_id: int,
    *,
    status: str,
    reason: str | None,
    verified_on: date | None,
    at: datetime,
    actor: str,
) -> None:
    """Record the station's decision; a rejected application stops holding its numbers."""
    await conn.execute(
        """WITH m AS (
               UPDATE senior_members SET status = $2, decision_reason = $3, verified_on = $4,
                      decided_at = $5, decided_by = $6, updated_at = $5,
                      active = CASE WHEN $2 = 'rejected' THEN false ELSE active END
               WHERE id = $1 RETURNING id, active
           )
           UPDATE senior_phones p SET active = m.active FROM m WHERE p.member_id = m.id""",
        member_id,
        status,
        reason,
        verified_on,
        at,
        actor,
    )


async def update_member(
    conn: asyncpg.Connection, member_id: int, changes: dict[str, Any], *, at: datetime
) -> None:
    """Set the given columns of a member (names checked against UPDATABLE)."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    columns = list(changes)
    sets = ", ".join(f"{c} = ${n}" for n, c in enumerate(columns, start=3))
    await conn.execute(
        f"UPDATE senior_members SET updated_at = $2{', ' + sets if sets else ''} WHERE id = $1",
        member_id,
        at,
        *(changes[c] for c in columns),
    )


async def replace_phones(
    conn: asyncpg.Connection, member_id: int, phones: list[str], *, active: bool
) -> None:
    """Replace a member's numbers (the unique index refuses one held by another active registration)."""
    # Two statements: within one, the insert's unique checks would still see the rows being deleted.
    await conn.execute("DELETE FROM senior_phones WHERE member_id = $1", member_id)
    await conn.execute(
        """INSERT INTO senior_phones (member_id, position, phone, active)
           SELECT $1, n.position, n.phone, $3
           FROM unnest($2::text[]) WITH ORDINALITY AS n(phone, position)""",
        member_id,
        phones,
        active,
    )


async def set_active(
    conn: asyncpg.Connection, member_id: int, active: bool, *, at: datetime, actor: str
) -> None:
    """Deactivate or reactivate a member, and their numbers with them."""
    await conn.execute(
        """WITH m AS (
               UPDATE senior_members SET active = $2, updated_at = $3,
                      deactivated_at = CASE WHEN $2 THEN NULL ELSE $3::timestamptz END,
                      deactivated_by = CASE WHEN $2 THEN NULL ELSE $4::text END
               WHERE id = $1 RETURNING id
           )
           UPDATE senior_phones p SET active = $2 FROM m WHERE p.member_id = m.id""",
        member_id,
        active,
        at,
        actor,
    )


async def erase_member(conn: asyncpg.Connection, member_id: int) -> None:
    """Remove every copy of a member's personal data: summaries on incidents and on stored responses to
    retried calls, then the member (phones, visits and needs go with it by ON DELETE CASCADE)."""
    # Separate statements: the stored responses are found through the incidents, which the second
    # statement unlinks.
    await conn.execute(
        """UPDATE idempotency_keys k SET response = jsonb_set(k.response, '{incident,senior}', 'null')
           FROM incidents i JOIN calls c ON c.incident_id = i.id
           WHERE i.senior_member_id = $1 AND c.idempotency_key = k.key
             AND k.response -> 'incident' ? 'senior'""",
        member_id,
    )
    await conn.execute(
        "UPDATE incidents SET senior = NULL, senior_member_id = NULL WHERE senior_member_id = $1", member_id
    )
    await conn.execute("DELETE FROM senior_members WHERE id = $1", member_id)


# ------------------------------------------------------------------------------------------ visits


async def insert_visit(
    conn: asyncpg.Connection,
    member_id: int,
    *,
    station_id: int,
    visited_at: datetime,
    visited_on: date,
    outcome: str,
    at: datetime,
    actor: str,
) -> tuple[int, date | None]:
    """Record a visit and move the member's last visit day forward; returns (visit id, last visit day)."""
    row = await conn.fetchrow(
        """WITH v AS (
               INSERT INTO senior_visits (member_id, station_id, visited_at, visited_on, outcome,
                                          recorded_at, recorded_by)
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
           ), m AS (
               UPDATE senior_members SET last_visit_on = greatest(last_visit_on, $4), updated_at = $6
               WHERE id = $1 RETURNING last_visit_on
           )
           SELECT v.id, m.last_visit_on FROM v, m""",
        member_id,
        station_id,
        visited_at,
        visited_on,
        outcome,
        at,
        actor,
    )
    assert row is not None
    return row["id"], row["last_visit_on"]


async def record_needs(
    conn: asyncpg.Connection,
    member_id: int,
    visit_id: int,
    visited_at: datetime,
    kinds: list[str],
    met: list[bool],
) -> None:
    """Apply a visit's needs in one statement.

    A need reported met closes the member's open need of that kind raised by then (or is recorded as
    raised and met at this visit); one reported unmet opens a need unless one of that kind is open.
    """
    await conn.execute(
        """
        WITH given AS (SELECT * FROM unnest($4::text[], $5::boolean[]) AS g(kind, met)),
        closed AS (
            UPDATE senior_needs n SET met_at = $3, met_visit_id = $2
            FROM given g
            WHERE g.met AND n.member_id = $1 AND n.kind = g.kind AND n.met_at IS NULL AND n.raised_at <= $3
            RETURNING n.kind
        )
        INSERT INTO senior_needs (member_id, visit_id, kind, raised_at, met_at, met_visit_id)
        SELECT $1, $2, g.kind, $3, CASE WHEN g.met THEN $3 END, CASE WHEN g.met THEN $2 END
        FROM given g
        WHERE (g.met AND NOT EXISTS (SELECT 1 FROM closed c WHERE c.kind = g.kind))
           OR (NOT g.met AND NOT EXISTS (SELECT 1 FROM senior_needs n
                                         WHERE n.member_id = $1 AND n.kind = g.kind AND n.met_at IS NULL))
        """,
        member_id,
        visit_id,
        visited_at,
        kinds,
        met,
    )


async def due_visits(
    conn: asyncpg.Connection,
    *,
    by: date,
    district: str | None,
    station_id: int | None,
    default_interval: int,
    limit: int,
) -> list[asyncpg.Record]:
    """Verified, active members whose next visit is due on or before `by`, earliest due first."""
    return list(
        await conn.fetch(
            f"""SELECT * FROM (
                    SELECT m.id AS member_id, m.name, m.station_id, m.district, m.verified_on,
                           m.last_visit_on, coalesce(m.visit_interval_days, $1::int) AS interval_days,
                           {DUE_ON_SQL} AS due_on
                    FROM senior_members m
                    WHERE m.status = 'verified' AND m.active
                      AND ($3::text IS NULL OR m.district = $3) AND ($4::bigint IS NULL OR m.station_id = $4)
                ) d
                WHERE d.due_on <= $2
                ORDER BY d.due_on, d.station_id, d.member_id LIMIT $5""",
            default_interval,
            by,
            district,
            station_id,
            limit,
        )
    )


# ------------------------------------------------------------------------------------------ oversight

_UNMET_KEYS = {
    "district": ("m.district AS district", "m.district"),
    "station": ("st.id AS station_id, st.name AS station", "st.id, st.name"),
    # Needs belong to no unit: they join the report's "no unit" row.
    "unit": ("NULL::bigint AS unit_id, NULL::text AS callsign", "1, 2"),
}


async def unmet_needs(
    conn: asyncpg.Connection,
    *,
    group_by: str,
    raised_before: datetime,
    start: datetime | None,
    end: datetime | None,
) -> list[asyncpg.Record]:
    """Per key: the verified, active members with a need raised before `raised_before` and still unmet."""
    select, group = _UNMET_KEYS[group_by]
    return list(
        await conn.fetch(
            f"""SELECT {select}, count(DISTINCT n.member_id) AS n,
                       array_agg(DISTINCT n.member_id ORDER BY n.member_id) AS member_ids
                FROM senior_needs n JOIN senior_members m ON m.id = n.member_id
                JOIN stations st ON st.id = m.station_id
                WHERE n.met_at IS NULL AND n.raised_at < $1 AND m.status = 'verified' AND m.active
                  AND ($2::timestamptz IS NULL OR n.raised_at >= $2)
                  AND ($3::timestamptz IS NULL OR n.raised_at < $3)
                GROUP BY {group} ORDER BY {group}""",
            raised_before,
            start,
            end,
        )
    )


async def counts(
    conn: asyncpg.Connection,
    *,
    district: str | None,
    today: date,
    default_interval: int,
) -> list[asyncpg.Record]:
    """Per district: members by state, overdue visits today, members with an unmet need."""
    return list(
        await conn.fetch(
            f"""SELECT m.district,
                       count(*) FILTER (WHERE m.status = 'pending' AND m.active) AS pending,
                       count(*) FILTER (WHERE m.status = 'verified' AND m.active) AS verified,
                       count(*) FILTER (WHERE m.status = 'rejected') AS rejected,
                       count(*) FILTER (WHERE m.status <> 'rejected' AND NOT m.active) AS inactive,
                       count(*) FILTER (WHERE m.status = 'verified' AND m.active AND {DUE_ON_SQL} < $3)
                           AS visits_overdue,
                       count(*) FILTER (WHERE m.status = 'verified' AND m.active AND EXISTS (
                           SELECT 1 FROM senior_needs n WHERE n.member_id = m.id AND n.met_at IS NULL))
                           AS unmet_needs
                FROM senior_members m
                WHERE ($2::text IS NULL OR m.district = $2)
                GROUP BY m.district ORDER BY m.district""",
            default_interval,
            district,
            today,
        )
    )
