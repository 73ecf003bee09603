"""SQL for token revocations (append-only; every worker keeps them in memory)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True, slots=True)
class Revocation:
    """Tokens issued at or before `revoked_at` that carry this jti, unit or subject are refused."""

    id: int
    jti: str | None
    unit_id: int | None
    subject: str | None
    revoked_at: datetime
    revoked_by: str
    reason: str | None


_COLUMNS = "id, jti, unit_id, subject, revoked_at, revoked_by, reason"


def _record(row: asyncpg.Record) -> Revocation:
    return Revocation(**dict(row))


async def insert_revocation(
    conn: asyncpg.Connection,
    *,
    jti: str | None,
    unit_id: int | None,
    subject: str | None,
    at: datetime,
    actor: str,
    reason: str | None,
) -> Revocation:
    """Record a revocation (its NOTIFY reaches every worker when the transaction commits)."""
    row = await conn.fetchrow(
        f"""INSERT INTO revocations (jti, unit_id, subject, revoked_at, revoked_by, reason)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_COLUMNS}""",
        jti,
        unit_id,
        subject,
        at,
        actor,
        reason,
    )
    assert row is not None
    return _record(row)


async def revocation_state(conn: asyncpg.Connection) -> tuple[int, int]:
    """(how many, highest id): any new row changes it, even one that committed after a higher id."""
    row = await conn.fetchrow("SELECT count(*) AS n, coalesce(max(id), 0) AS top FROM revocations")
    assert row is not None
    return row["n"], row["top"]


async def all_revocations(conn: asyncpg.Connection) -> list[Revocation]:
    """Every revocation, oldest first."""
    return [_record(r) for r in await conn.fetch(f"SELECT {_COLUMNS} FROM revocations ORDER BY id")]
