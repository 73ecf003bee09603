"""Oversight use cases: targets, the clock of an incident, live risk, HQ review of women cases, lapses."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from app.dispatch.clock import (
    AssignmentTimes,
    EnRouteUnit,
    OpenIncident,
    Risk,
    assess_risk,
    assignment_clock,
    incident_clock,
    most_urgent_first,
)
from app.dispatch.policy import EtaModel
from app.errors import Invalid, NotFound
from app.repositories import events as events_repo
from app.repositories import geography as geo_repo
from app.repositories import incidents as incidents_repo
from app.repositories import oversight as repo
from app.repositories import seniors as seniors_repo
from app.security import Principal

RISK_ACTOR = "system:risk-watch"

# ------------------------------------------------------------------------------------------------ targets


async def list_targets(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Every target rule with who set it and when; `current` marks the rules in force."""
    return [dict(r) for r in await repo.list_targets(conn)]


async def set_target(
    conn: asyncpg.Connection,
    *,
    area_type: str,
    district: str | None,
    category: str | None,
    minutes: float,
    principal: Principal,
    now: datetime,
) -> dict[str, Any]:
    """Put a new target in force for its key (new incidents only; earlier ones keep the target they had)."""
    if district is not None and not await geo_repo.district_exists(conn, district):
        raise Invalid(f"district: {district!r} is not a district of the service area")
    row = await repo.insert_target(
        conn,
        area_type=area_type,
        district=district,
        category=category,
        minutes=minutes,
        at=now,
        actor=principal.actor,
    )
    await events_repo.append_event(
        conn,
        "target.set",
        principal.actor,
        district=district,
        data={"area_type": area_type, "category": category, "minutes": minutes},
    )
    return dict(row)


# ---------------------------------------------------------------------------------------------- the clock


def _times(a: asyncpg.Record) -> AssignmentTimes:
    return AssignmentTimes(
        a["dispatched_at"], a["acknowledged_at"], a["en_route_at"], a["on_scene_at"], a["cleared_at"]
    )


async def read_clock(conn: asyncpg.Connection, incident_id: int) -> dict[str, Any]:
    """The incident's intervals and each assignment's; absent stamps give absent intervals."""
    incident = await incidents_repo.get_incident(conn, incident_id)
    if incident is None:
        raise NotFound(f"incident {incident_id} not found")
    assignments = await incidents_repo.assignments_of(conn, [incident_id])
    clock = incident_clock(
        incident["received_at"], incident["target_minutes"], [_times(a) for a in assignments]
    )
    return {
        "incident_id": incident_id,
        "status": incident["status"],
        "received_at": incident["received_at"],
        "target_minutes": incident["target_minutes"],
        "first_notified_at": clock.first_notified_at,
        "first_on_scene_at": clock.first_on_scene_at,
        "processing_s": clock.processing_s,
        "response_s": clock.response_s,
        "within_target": clock.within_target,
        "open": clock.response_s is None,
        "assignments": [
            {
                "assignment_id": a["id"],
                "unit_id": a["unit_id"],
                "unit_type": a["unit_type"],
                "service": a["service"],
                "end_reason": a["end_reason"],
                **_assignment_intervals(a),
            }
            for a in assignments
        ],
    }


def _assignment_intervals(a: asyncpg.Record) -> dict[str, float | None]:
    c = assignment_clock(_times(a))
    return {
        "acknowledgement_s": c.acknowledgement_s,
        "turnout_s": c.turnout_s,
        "travel_s": c.travel_s,
        "notified_to_scene_s": c.notified_to_scene_s,
    }


# ---------------------------------------------------------------------------------------------- live risk


def _open_incident(row: asyncpg.Record) -> OpenIncident:
    units = tuple(
        EnRouteUnit(
            unit_id=u["unit_id"],
            unit_type=u["unit_type"],
            lat=u["lat"],
            lon=u["lon"],
            dispatched_at=datetime.fromisoformat(u["dispatched_at"]),
            en_route_at=datetime.fromisoformat(u["en_route_at"]) if u["en_route_at"] else None,
        )
        for u in row["units"]
    )
    return OpenIncident(
        incident_id=row["id"],
        lat=row["lat"],
        lon=row["lon"],
        area_type=row["area_type"],
        priority=row["priority"],
        received_at=row["received_at"],
        target_minutes=row["target_minutes"],
        units=units,
    )


def _risk_dict(row: asyncpg.Record, risk: Risk) -> dict[str, Any]:
    callsigns = {u["unit_id"]: u["callsign"] for u in row["units"]}
    return {
        "incident_id": row["id"],
        "status": row["status"],
        "category": row["category"],
        "priority": row["priority"],
        "district": row["district"],
        "area_type": row["area_type"],
        "received_at": row["received_at"],
        "target_minutes": row["target_minutes"],
        "elapsed_s": round(risk.elapsed_s, 1),
        "remaining_s": None if risk.remaining_s is None else round(risk.remaining_s, 1),
        "projected_s": None if risk.projected_s is None else round(risk.projected_s, 1),
        "slack_s": round(risk.slack_s, 1),
        "breached": risk.breached,
        "reason": risk.reason,
        "unit_id": risk.unit_id,
        "callsign": callsigns.get(risk.unit_id) if risk.unit_id is not None else None,
        "pending": list(row["pending"]),
    }


async def at_risk(
    conn: asyncpg.Connection, eta: EtaModel, now: datetime, *, district: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The `limit` open incidents (of one district, or all) that will miss their target, least slack first."""
    rows = {r["id"]: r for r in await repo.unreached_incidents(conn, unmarked_only=False, district=district)}
    flagged = []
    for n, row in enumerate(rows.values(), 1):
        if n % 200 == 0:
            await asyncio.sleep(0)  # tens of thousands of ETAs: let other requests of this worker in
        risk = assess_risk(eta, _open_incident(row), now)
        if risk.at_risk:
            flagged.append(risk)
    ordered = most_urgent_first(flagged, {i: r["priority"] for i, r in rows.items()})[:limit]
    return [_risk_dict(rows[r.incident_id], r) for r in ordered]


async def flag_risks(conn: asyncpg.Connection, eta: EtaModel, now: datetime) -> dict[str, list[int]]:
    """Write 'incident.at_risk' when an incident crosses into risk and 'incident.breached' when it
    breaches, each once per incident whatever the number of workers; returns the ids flagged now."""
    rows = await repo.unreached_incidents(conn, unmarked_only=True)
    to_mark: dict[str, tuple[list[int], list[dict[str, Any]]]] = {
        "incident.at_risk": ([], []),
        "incident.breached": ([], []),
    }
    for n, row in enumerate(rows, 1):
        if n % 100 == 0:
            await asyncio.sleep(0)  # hundreds of ETAs: let requests in between
        risk = assess_risk(eta, _open_incident(row), now)
        detail = {
            "reason": risk.reason,
            "elapsed_s": round(risk.elapsed_s, 1),
            "projected_s": None if risk.projected_s is None else round(risk.projected_s, 1),
            "target_minutes": row["target_minutes"],
            "unit_id": risk.unit_id,
            "priority": row["priority"],
            "category": row["category"],
        }
        if risk.at_risk and row["at_risk_at"] is None:
            to_mark["incident.at_risk"][0].append(row["id"])
            to_mark["incident.at_risk"][1].append(detail)
        if risk.breached and row["breached_at"] is None:
            to_mark["incident.breached"][0].append(row["id"])
            to_mark["incident.breached"][1].append(detail)
    flagged: dict[str, list[int]] = {}
    for kind, (ids, details) in to_mark.items():  # at-risk before breached: the feed reads in order
        flagged[kind] = await repo.mark_risk(conn, kind, ids, details, now, RISK_ACTOR) if ids else []
    return flagged


# ------------------------------------------------------------------------------------ women-safety review


async def mark_serious(
    conn: asyncpg.Connection, incident_id: int, reason: str, *, principal: Principal, now: datetime
) -> dict[str, Any]:
    """An operator marks a case serious; women cases so marked enter HQ's review queue."""
    row = await repo.mark_serious(conn, incident_id, reason, now, principal.actor)
    if row is None:
        raise NotFound(f"incident {incident_id} not found")
    await events_repo.append_event(
        conn,
        "incident.marked_serious",
        principal.actor,
        incident_id=incident_id,
        district=row["district"],
        data={"reason": reason},
    )
    return {k: row[k] for k in ("serious", "serious_at", "serious_by", "serious_reason")} | {
        "incident_id": incident_id
    }


def _queue_item(r: asyncpg.Record, now: datetime) -> dict[str, Any]:
    reviewed = r["outcome"] is not None
    return {
        "incident_id": r["incident_id"],
        "status": r["status"],
        "category": r["category"],
        "priority": r["priority"],
        "district": r["district"],
        "area_type": r["area_type"],
        "received_at": r["received_at"],
        "response_seconds": r["response_seconds"],
        "within_target": r["within_target"],
        "disposition": r["disposition"],
        "serious": r["serious"],
        "serious_reason": r["serious_reason"],
        "review_status": "reviewed" if reviewed else "pending",
        "review_due_at": r["review_due_at"],
        "overdue": not reviewed and now > r["review_due_at"],
        "reviews": r["reviews"],
        "last_review": (
            {k: r[k] for k in ("outcome", "notes", "reviewed_at", "reviewed_by")} if reviewed else None
        ),
    }


async def review_queue(
    conn: asyncpg.Connection,
    *,
    hours: float,
    now: datetime,
    district: str | None,
    review_status: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """HQ's queue: women priority-1 and serious cases, unreviewed first, with due time and overdue flag."""
    rows = await repo.review_queue(
        conn, hours=hours, district=district, review_status=review_status, now=now, limit=limit
    )
    return [_queue_item(r, now) for r in rows]


async def add_review(
    conn: asyncpg.Connection,
    incident_id: int,
    outcome: str,
    notes: str,
    *,
    principal: Principal,
    now: datetime,
) -> dict[str, Any]:
    """A supervisor's review of a case in the queue; 409 for an incident that is not in it."""
    found = await repo.in_review_queue(conn, incident_id)
    if found is None:
        raise NotFound(f"incident {incident_id} not found")
    if not found["in_queue"]:
        raise Invalid(
            f"incident_id: incident {incident_id} is not in the HQ review queue"
            " (women with priority 1, or marked serious)"
        )
    row = await repo.insert_review(conn, incident_id, outcome, notes, now, principal.actor)
    await events_repo.append_event(
        conn,
        "incident.reviewed",
        principal.actor,
        incident_id=incident_id,
        district=found["district"],
        data={"outcome": outcome},
    )
    return dict(row)


# ------------------------------------------------------------------------------------------------- lapses

LAPSE_KINDS = ("breached", "unacknowledged", "closed_without_disposition", "long_turnout")
# Samarpan: members with a need raised at a welfare visit and unmet for too long (member ids, no incident).
SENIOR_NEEDS = "unmet_senior_needs"
_KEY_COLUMNS = {
    "district": ("district",),
    "station": ("station_id", "station"),
    "unit": ("unit_id", "callsign"),
}


async def lapse_report(
    conn: asyncpg.Connection,
    *,
    group_by: str,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    turnout_limits: dict[str, float],
    default_turnout_limit: float,
    unmet_need_hours: float | None = None,
    district: str | None = None,
) -> list[dict[str, Any]]:
    """Per district, station or unit: each kind of lapse with its count and the incident ids behind it,
    and (`unmet_senior_needs`) the Samarpan members with a need unmet for `unmet_need_hours`."""
    rows = await repo.lapses(
        conn,
        group_by=group_by,
        start=start,
        end=end,
        now=now,
        turnout_limits=turnout_limits,
        default_turnout_limit=default_turnout_limit,
        district=district,
    )
    keys = _KEY_COLUMNS[group_by]
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        key = tuple(r[k] for k in keys)
        entry = out.setdefault(key, _empty_lapses(keys, r))
        entry[r["kind"]] = {"count": r["n"], "incident_ids": list(r["incident_ids"])}
    if unmet_need_hours is not None:
        needs = await seniors_repo.unmet_needs(
            conn,
            group_by=group_by,
            raised_before=now - timedelta(hours=unmet_need_hours),
            start=start,
            end=end,
        )
        groups = len(out)
        for r in needs:
            entry = out.setdefault(tuple(r[k] for k in keys), _empty_lapses(keys, r))
            entry[SENIOR_NEEDS] = {"count": r["n"], "member_ids": list(r["member_ids"])}
        if len(out) > groups:  # keys only needs have: back in key order, no key (no unit) last
            out = dict(sorted(out.items(), key=lambda kv: tuple((v is None, v) for v in kv[0])))
    for entry in out.values():
        ids = sorted({i for kind in LAPSE_KINDS for i in entry[kind]["incident_ids"]})
        entry["incident_ids"] = ids
        entry["total"] = len(ids)
        entry.setdefault(SENIOR_NEEDS, {"count": 0, "member_ids": []})
    return list(out.values())


def _empty_lapses(keys: tuple[str, ...], row: asyncpg.Record) -> dict[str, Any]:
    return {k: row[k] for k in keys} | {
        "incident_ids": [],
        **{kind: {"count": 0, "incident_ids": []} for kind in LAPSE_KINDS},
    }
