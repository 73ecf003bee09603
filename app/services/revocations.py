"""Revoking tokens: a lost phone (by unit), a leaked token (by jti), a person who left (by subject)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from app.errors import NotFound
from app.repositories import events as events_repo
from app.repositories import revocations as repo
from app.repositories import scope as scope_repo
from app.repositories.revocations import Revocation


async def revoke(
    conn: asyncpg.Connection,
    *,
    jti: str | None = None,
    unit_id: int | None = None,
    subject: str | None = None,
    reason: str | None = None,
    actor: str,
    now: datetime,
) -> Revocation:
    """Record a revocation and its audit event; 404 for an unknown unit (a typo must not pass silently).

    Every worker refuses the matching tokens once the transaction commits (see app/realtime/revocations.py).
    """
    district = None
    if unit_id is not None:
        district = await scope_repo.unit_district(conn, unit_id)
        if district is None:
            raise NotFound(f"unit {unit_id} not found")
    revocation = await repo.insert_revocation(
        conn, jti=jti, unit_id=unit_id, subject=subject, at=now, actor=actor, reason=reason
    )
    await events_repo.append_event(
        conn,
        "token.revoked",
        actor,
        unit_id=unit_id,
        district=district,
        data={"revocation_id": revocation.id, "jti": jti, "subject": subject, "reason": reason},
    )
    return revocation
