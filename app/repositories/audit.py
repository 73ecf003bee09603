"""SQL for the audit trail: the event log read back with filters, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What an audit query asks for; None means any."""

    actor: str | None = None
    incident_id: int | None = None
    unit_id: int | None = None
    member_id: int | None = None
    action: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    district: str | None = None
    limit: int = 100


# An actor is `role:subject#token`: a query may name the whole of it, `role:subject`, or the subject.
_ACTOR = """(actor = {p} OR split_part(actor, '#', 1) = {p}
             OR split_part(split_part(actor, '#', 1), ':', 2) = {p})"""


async def audit_entries(conn: asyncpg.Connection, f: AuditFilter) -> list[asyncpg.Record]:
    """Events matching the filter, newest first.

    Only the given filters go into the statement, so each query is planned for the indexes it can use
    (incident, unit, member, time) instead of one generic plan full of `$n IS NULL OR ...`.
    """
    conditions: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if f.actor is not None:
        conditions.append(_ACTOR.format(p=arg(f.actor)))
    if f.incident_id is not None:
        conditions.append(f"incident_id = {arg(f.incident_id)}")
    if f.unit_id is not None:
        conditions.append(f"unit_id = {arg(f.unit_id)}")
    if f.member_id is not None:
        conditions.append(f"member_id = {arg(f.member_id)}")
    if f.action is not None:
        if f.action.endswith("."):  # a family of actions: `incident.` is every incident.* event
            escaped = f.action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(f"kind LIKE {arg(escaped + '%')}")
        else:
            conditions.append(f"kind = {arg(f.action)}")
    if f.start is not None:
        conditions.append(f"at >= {arg(f.start)}")
    if f.end is not None:
        conditions.append(f"at < {arg(f.end)}")
    if f.district is not None:
        conditions.append(f"district = {arg(f.district)}")
    where = " AND ".join(conditions) or "true"
    return list(
        await conn.fetch(
            f"""SELECT id, at, actor, kind AS action, incident_id, unit_id, member_id, district,
                       request_id, data
                FROM events WHERE {where}
                ORDER BY at DESC, id DESC LIMIT {arg(f.limit)}""",
            *args,
        )
    )
