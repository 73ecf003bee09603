"""SQL for publishing the event log in commit order and reading it back for the feeds."""

from __future__ import annotations

import asyncpg

from app.repositories.locks import PUBLISHER_LOCK, try_round_lock

EVENT_COLUMNS = "seq, kind, incident_id, unit_id, district, actor, data, at"
SYSTEM_ALERT_PREFIX = "system."  # state-wide alerts (e.g. a responder-app outage): every console gets them


def is_system_alert(kind: str) -> bool:
    """True for the kinds of event every console receives, whatever its district."""
    return kind.startswith(SYSTEM_ALERT_PREFIX)


async def publish(conn: asyncpg.Connection, batch: int = 5000) -> tuple[bool, int | None, bool]:
    """Number committed, unpublished events in id order; returns (held the lock, top seq, more left).

    Ids come from a sequence, so a transaction that commits late can hold an id lower than one already
    visible: ids are no cursor. seq is given at publication instead, by one publisher at a time (the
    advisory lock is held until commit), so seq order is the order events became visible, and a client
    that resumes after seq N can never miss an event published later with a lower id.
    """
    if not await try_round_lock(conn, PUBLISHER_LOCK):
        return False, None, False
    top: int | None = await conn.fetchval(
        """
        WITH base AS (SELECT coalesce(max(seq), 0) AS s FROM events WHERE seq IS NOT NULL),
        ready AS (
            SELECT id, row_number() OVER (ORDER BY id) AS rn FROM events
            WHERE seq IS NULL
            ORDER BY id LIMIT $1
        ), published AS (
            UPDATE events e SET seq = base.s + ready.rn FROM ready, base WHERE e.id = ready.id
            RETURNING e.seq
        )
        SELECT max(seq) FROM published
        """,
        batch,
    )
    if top is not None:
        await conn.execute("SELECT pg_notify('dial112_feed', $1)", str(top))
    remaining = bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM events WHERE seq IS NULL)"))
    return True, top, remaining


async def top_seq(conn: asyncpg.Connection) -> int:
    """The newest published seq (0 when nothing is published)."""
    value: int | None = await conn.fetchval("SELECT max(seq) FROM events WHERE seq IS NOT NULL")
    return value or 0


async def unit_events_after(
    conn: asyncpg.Connection, unit_id: int, after: int, limit: int
) -> list[asyncpg.Record]:
    """Published events of one unit after a seq, in order."""
    return list(
        await conn.fetch(
            f"""SELECT {EVENT_COLUMNS} FROM events
                WHERE unit_id = $1 AND seq > $2 ORDER BY seq LIMIT $3""",
            unit_id,
            after,
            limit,
        )
    )


async def events_after(
    conn: asyncpg.Connection, district: str | None, after: int, limit: int
) -> list[asyncpg.Record]:
    """Published events (optionally of one district, with the state-wide system alerts) after a seq."""
    return list(
        await conn.fetch(
            f"""SELECT {EVENT_COLUMNS} FROM events
                WHERE seq > $2 AND seq IS NOT NULL
                  AND ($1::text IS NULL OR district = $1 OR kind LIKE '{SYSTEM_ALERT_PREFIX}%')
                ORDER BY seq LIMIT $3""",
            district,
            after,
            limit,
        )
    )
