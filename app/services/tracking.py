"""Use cases for GPS: single fixes from a unit and batches from a tracking gateway."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
from pydantic import TypeAdapter, ValidationError

from app.config import Settings
from app.dispatch.tracking import Fix, recorded_at_problem, reject_reason
from app.errors import Invalid, NotFound
from app.repositories import units as units_repo
from app.schemas.tracking import FixesResult, FixIn, FixRejection, GatewayFixIn

_gateway_fix = TypeAdapter(GatewayFixIn)


async def ingest_fixes(
    conn: asyncpg.Connection,
    items: list[Any],
    *,
    settings: Settings,
    now: datetime,
    district: str | None = None,
) -> FixesResult:
    """Judge every fix on its own, store those taken, and say which were rejected and why.

    With `district` (a gateway token scoped to one), fixes of other districts' units are rejected.
    """
    parsed: list[tuple[int, Fix]] = []
    rejected: list[FixRejection] = []
    for index, item in enumerate(items):
        try:
            given = _gateway_fix.validate_python(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "item"
            unit_id = item.get("unit_id") if isinstance(item, dict) else None
            rejected.append(
                FixRejection(
                    index=index,
                    unit_id=unit_id if isinstance(unit_id, int) else None,
                    reason=f"{field}: {first['msg']}",
                )
            )
            continue
        recorded = given.recorded_at or now
        # Judged first, on its own: a wild date must neither reach the history nor upset the batch's sort.
        problem = recorded_at_problem(
            recorded,
            now,
            max_age_days=settings.max_fix_age_days,
            max_skew_seconds=settings.max_clock_skew_seconds,
        )
        if problem:
            rejected.append(FixRejection(index=index, unit_id=given.unit_id, reason=problem))
            continue
        parsed.append(
            (index, Fix(given.unit_id, given.lat, given.lon, recorded, given.speed_kmh, given.heading))
        )
    # Speeds are judged against the unit's previous GPS fix, never against its registered post.
    latest = await units_repo.latest_fixes(conn, sorted({f.unit_id for _, f in parsed}))
    exists = {r["id"] for r in latest}
    outside = {r["id"]: r["district"] for r in latest if district is not None and r["district"] != district}
    known: dict[int, Fix | None] = {
        r["id"]: Fix(r["id"], r["lat"], r["lon"], r["recorded_at"]) if r["recorded_at"] else None
        for r in latest
    }
    taken: list[Fix] = []
    # Each unit's fixes are judged in time order against the one before (stored or earlier in the batch).
    for index, fix in sorted(parsed, key=lambda p: (p[1].unit_id, p[1].recorded_at)):
        if fix.unit_id not in exists:
            rejected.append(FixRejection(index=index, unit_id=fix.unit_id, reason="unknown unit"))
            continue
        if fix.unit_id in outside:
            elsewhere = f"unit is in district {outside[fix.unit_id]}; this token is limited to {district}"
            rejected.append(FixRejection(index=index, unit_id=fix.unit_id, reason=elsewhere))
            continue
        reason = reject_reason(
            fix,
            known[fix.unit_id],
            now=now,
            max_skew_seconds=settings.max_clock_skew_seconds,
            max_speed_kmh=settings.max_speed_kmh,
        )
        if reason:
            rejected.append(FixRejection(index=index, unit_id=fix.unit_id, reason=reason))
            continue
        taken.append(fix)
        previous = known[fix.unit_id]
        if previous is None or fix.recorded_at >= previous.recorded_at:
            known[fix.unit_id] = fix
    moved = 0
    if taken:
        moved = await units_repo.store_fixes(
            conn,
            [f.unit_id for f in taken],
            [f.lat for f in taken],
            [f.lon for f in taken],
            [f.recorded_at for f in taken],
            [f.speed_kmh for f in taken],
            [f.heading for f in taken],
        )
    rejected.sort(key=lambda r: r.index)
    return FixesResult(accepted=len(taken), moved=moved, rejected=rejected)


async def ingest_fix(
    conn: asyncpg.Connection, unit_id: int, body: FixIn, *, settings: Settings, now: datetime
) -> FixesResult:
    """One fix from a unit's own device; 404 for an unknown unit, 422 with the reason when rejected."""
    result = await ingest_fixes(conn, [{"unit_id": unit_id, **body.model_dump()}], settings=settings, now=now)
    if result.rejected:
        reason = result.rejected[0].reason
        if reason == "unknown unit":
            raise NotFound(f"unit {unit_id} not found")
        raise Invalid(f"fix rejected: {reason}")
    return result
