"""A unit's lifecycle: status steps from the crew, acknowledgement, and the lapse of an unanswered one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import asyncpg

from app.dispatch import lifecycle
from app.errors import Conflict, Invalid, NotFound
from app.repositories import events as events_repo
from app.repositories import incidents as repo
from app.repositories import units as units_repo
from app.schemas.incidents import UnitStatusBody
from app.security import Principal
from app.services.dispatcher import Dispatcher
from app.services.queue import free_unit, redispatch


async def move_unit(
    conn: asyncpg.Connection,
    d: Dispatcher,
    unit_id: int,
    body: UnitStatusBody,
    *,
    principal: Principal,
    now: datetime,
) -> dict[str, Any]:
    """One lifecycle step of a unit, stamped on its assignment; 409 for an impossible transition."""
    unit = await units_repo.get_unit(conn, unit_id, lock=True)
    if unit is None:
        raise NotFound(f"unit {unit_id} not found")
    at = body.at or now
    if at > now + timedelta(seconds=d.settings.max_clock_skew_seconds):
        raise Invalid(f"at: {at.isoformat()} is in the future")
    if at < unit["status_at"]:
        raise Invalid(
            f"at: {at.isoformat()} is before the unit's previous event ({unit['status_at'].isoformat()})"
        )
    current, new = unit["status"], body.status
    if not lifecycle.can_move(current, new):
        raise Conflict(
            f"status: unit {unit['callsign']} is {current}; it cannot move to {new}"
            f" (allowed: {', '.join(lifecycle.allowed_next(current)) or 'nothing'})",
            current_status=current,
        )
    assignment = await repo.active_assignment_of_unit(conn, unit_id)
    if body.incident_id is not None and (assignment is None or assignment["incident_id"] != body.incident_id):
        raise Conflict(f"incident_id: unit {unit['callsign']} is not assigned to incident {body.incident_id}")
    if assignment is not None and at < assignment["dispatched_at"]:
        raise Invalid(f"at: {at.isoformat()} is before the unit was dispatched")

    actor = principal.actor
    event_data: dict[str, Any] = {"from": current, "to": new, "at": at.isoformat()}
    incident_id = assignment["incident_id"] if assignment is not None else None

    async def log_status() -> None:
        # Written before any re-dispatch, so a feed shows the step before its consequences.
        await events_repo.append_event(
            conn,
            "unit.status",
            actor,
            unit_id=unit_id,
            incident_id=incident_id,
            district=unit["district"],
            data=event_data,
        )

    if new in ("available", "out_of_service"):
        withdrawn = assignment is not None and current in lifecycle.BEFORE_ARRIVAL
        if assignment is not None:
            reason = "withdrawn" if withdrawn else "completed"
            await repo.clear_assignment(conn, assignment["id"], at, reason)
            event_data["assignment_id"] = assignment["id"]
            event_data["end_reason"] = reason
        await log_status()
        if withdrawn:
            assert assignment is not None
            await redispatch(
                conn, d, assignment["incident_id"], assignment["service"], now, actor, exclude=[unit_id]
            )
        if new == "available":
            await free_unit(conn, d, unit_id, at, actor, skip_incident=incident_id if withdrawn else None)
        else:
            await repo.set_unit_status(conn, unit_id, new, at)
    else:
        await repo.set_unit_status(conn, unit_id, new, at)
        if assignment is not None:
            await repo.stamp_assignment(conn, assignment["id"], new, lifecycle.STAMPS.get(new), at)
            event_data["assignment_id"] = assignment["id"]
            if new == "on_scene":
                clock = await repo.mark_first_on_scene(conn, assignment["incident_id"], at)
                if clock is not None:
                    event_data["response_seconds"] = clock["response_seconds"]
                    event_data["within_target"] = clock["within_target"]
        await log_status()
    row = await units_repo.get_unit(conn, unit_id)
    assert row is not None
    return dict(row)


async def acknowledge(
    conn: asyncpg.Connection, unit_id: int, assignment_id: int | None, *, principal: Principal, now: datetime
) -> dict[str, Any]:
    """The crew has seen its assignment; 409 when the unit has none (e.g. it already lapsed)."""
    unit = await units_repo.get_unit(conn, unit_id)
    if unit is None:
        raise NotFound(f"unit {unit_id} not found")
    assignment = await repo.active_assignment_of_unit(conn, unit_id)
    if assignment is None or (assignment_id is not None and assignment["id"] != assignment_id):
        raise Conflict(f"assignment: unit {unit['callsign']} has no such active assignment to acknowledge")
    if assignment["acknowledged_at"] is None:
        await repo.acknowledge(conn, assignment["id"], now)
        await events_repo.append_event(
            conn,
            "assignment.acknowledged",
            principal.actor,
            incident_id=assignment["incident_id"],
            unit_id=unit_id,
            district=unit["district"],
            data={"assignment_id": assignment["id"]},
        )
    return {
        "assignment_id": assignment["id"],
        "incident_id": assignment["incident_id"],
        "acknowledged_at": assignment["acknowledged_at"] or now,
    }


async def withdraw_lapsed(conn: asyncpg.Connection, d: Dispatcher, now: datetime) -> asyncpg.Record | None:
    """Withdraw one assignment that was not acknowledged in time and send the next-best unit.

    The row lock (SKIP LOCKED) makes exactly one worker act on each lapse.
    """
    lapsed = await repo.lapsed_assignment(conn, d.settings.ack_timeout_seconds, now)
    if lapsed is None:
        return None
    actor = "system:ack-watchdog"
    await repo.clear_assignment(conn, lapsed["id"], now, "unacknowledged")
    await repo.mark_unit_silent(conn, lapsed["unit_id"], now)
    incident = await repo.get_incident(conn, lapsed["incident_id"])
    district = incident["district"] if incident else None
    await events_repo.append_event(
        conn,
        "assignment.lapsed",
        actor,
        incident_id=lapsed["incident_id"],
        unit_id=lapsed["unit_id"],
        district=district,
        data={
            "assignment_id": lapsed["id"],
            "dispatched_at": lapsed["dispatched_at"].isoformat(),
            "timeout_seconds": d.settings.ack_timeout_seconds,
        },
    )
    await redispatch(
        conn, d, lapsed["incident_id"], lapsed["service"], now, actor, exclude=[lapsed["unit_id"]]
    )
    return lapsed
