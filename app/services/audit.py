"""The audit trail: who did what, when, in which request — read from the append-only event log."""

from __future__ import annotations

from typing import Any

import asyncpg

from app.errors import Invalid
from app.repositories import audit as repo
from app.repositories.audit import AuditFilter


async def audit_entries(conn: asyncpg.Connection, f: AuditFilter) -> list[dict[str, Any]]:
    """Matching events, newest first; 422 for a period that ends before it starts."""
    if f.start is not None and f.end is not None and f.start > f.end:
        raise Invalid(f"from: {f.start.isoformat()} is after to ({f.end.isoformat()})")
    return [dict(r) for r in await repo.audit_entries(conn, f)]
