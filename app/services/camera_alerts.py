"""Camera alerts: intake (bursts folded, nearby open incidents joined, panic presses and confident fires
dispatched at once), the operators' review queue, confirm and dismiss, and the accountability report.

An alert that becomes an incident goes through call intake (app/services/intake.py): the same pure
plan, duplicate link, incident, call record and unit selection as a call, so nothing about dispatch
differs between a phone call and a pressed pole.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from app.config import Settings
from app.dispatch.intake import CallFacts, plan_call
from app.dispatch.policy import needed_services
from app.dispatch.registry import IncidentStatus
from app.dispatch.surveillance import (
    AlertKind,
    AlertPlan,
    AlertStatus,
    SurveillanceRules,
    confirmed_service,
    describe,
    plan_alert,
)
from app.errors import Conflict, Invalid, NotFound
from app.repositories import cameras as repo
from app.repositories import incidents as incidents_repo
from app.schemas.cameras import CameraAlertCreate, CameraAlertFilter, ConfirmBody
from app.schemas.incidents import CallCreate
from app.security import Principal
from app.services.analytics import parse_group_by, parse_instant
from app.services.dispatcher import Dispatcher
from app.services.intake import ingest_call

AUTO_DECIDER = "system:auto-dispatch"
LINK_DECIDER = "system:duplicate-link"
EXTERNAL_ID_CONSTRAINT = "uq_camera_alert_reports_external_id"  # migration 0010


def rules_of(settings: Settings) -> SurveillanceRules:
    """The surveillance rules in force (cheap: two small dictionaries merged)."""
    return SurveillanceRules.build(
        priorities=settings.camera_alert_priority,
        auto_dispatch_confidence=settings.camera_auto_dispatch_confidence,
        burst_window_seconds=settings.camera_burst_window_seconds,
        max_clock_skew_seconds=settings.max_clock_skew_seconds,
        max_age_days=settings.max_call_age_days,
    )


def plan(body: CameraAlertCreate, settings: Settings, now: datetime) -> AlertPlan:
    """The pure part of alert intake, run before a database connection is taken (422 for a bad report)."""
    return plan_alert(AlertKind(body.kind), body.confidence, body.at, now=now, rules=rules_of(settings))


def _alert_read(alert: asyncpg.Record | dict[str, Any], camera: asyncpg.Record) -> dict[str, Any]:
    """An alert row and its camera in the API shape."""
    return {
        **dict(alert),
        "camera_code": camera["code"],
        "camera_name": camera["name"],
        "camera_kind": camera["kind"],
        "lat": camera["lat"],
        "lon": camera["lon"],
        "live_url": camera["live_url"],
    }


async def _raise_incident(
    conn: asyncpg.Connection,
    d: Dispatcher,
    *,
    camera: asyncpg.Record | dict[str, Any],
    kind: AlertKind,
    category: str,
    secondary: tuple[str, ...],
    priority: int,
    at: datetime,
    confidence: float,
    principal: Principal,
    now: datetime,
) -> tuple[int, bool]:
    """Create and dispatch the incident an alert asks for, through call intake; (incident id, linked).

    When intake finds an open incident of the same service nearby, the alert's call is linked to it as
    a duplicate call would be, and that incident is the one handling the alert.
    """
    text = describe(kind, camera["code"], camera["name"], confidence)
    # Built from validated rows, not from a client: model_construct, because `camera` is a channel an
    # alert leaves on its call record but not one a client may post to /calls.
    body = CallCreate.model_construct(
        caller_number=None,
        text=text,
        lat=camera["lat"],
        lon=camera["lon"],
        address=f"{camera['name']} ({camera['code']})"[:300],
        channel="panic" if kind is AlertKind.SOS_BUTTON else "camera",  # type: ignore[arg-type]
        received_at=at,
        category=category,
        priority=priority,
    )
    facts = CallFacts(text, camera["lat"], camera["lon"], None, at, category, priority)
    call = plan_call(facts, now=now, rules=d.intake_rules, area=d.area, gazetteer=d.gazetteer)
    # The alert kind, not triage of the generated words, decides the companions (an accident: police).
    call = replace(
        call,
        secondary=secondary,
        services=tuple(needed_services(category, secondary, d.settings.secondary_gets_unit)),
    )
    result, _ = await ingest_call(conn, d, body, call, idempotency_key=None, principal=principal, now=now)
    incident = result.incident
    if incident.status == IncidentStatus.DUPLICATE.value and incident.duplicate_of is not None:
        return incident.duplicate_of, True
    return incident.id, False


async def ingest_alert(
    conn: asyncpg.Connection,
    d: Dispatcher,
    body: CameraAlertCreate,
    report: AlertPlan,
    *,
    principal: Principal,
    now: datetime,
) -> tuple[dict[str, Any], bool]:
    """Take one report: a repeat, part of a burst, linked, dispatched at once or queued for review.

    Returns (alert, whether this report was new). Everything is decided under the camera's row lock,
    so reports of one camera posted at once to several workers still make one alert.
    """
    camera = await repo.lock_camera(conn, body.camera_code)
    if camera is None:
        raise Invalid(f"camera_code: unknown camera {body.camera_code!r}")
    if body.external_id is not None:
        seen = await repo.alert_of_report(conn, body.external_id)
        if seen is not None:
            if seen["camera_id"] != camera["id"] or seen["kind"] != report.kind.value:
                raise Conflict(
                    f"external_id: {body.external_id!r} was already used for alert {seen['id']} "
                    f"({seen['camera_code']}, {seen['kind']})"
                )
            return dict(seen), False
    settings = d.settings
    try:
        folded = await repo.fold_into_burst(
            conn,
            camera_id=camera["id"],
            kind=report.kind.value,
            window_start=report.window_start,
            window_end=report.window_end,
            at=report.at,
            confidence=report.confidence,
            snapshot_url=body.snapshot_url,
            external_id=body.external_id,
            received_at=now,
            actor=principal.actor,
            # An operator's dismissal silences the rest of its burst, but not a report confident enough
            # to dispatch at once: a fire that grew after "probably a welding torch" must not be swallowed.
            past_dismissals=report.auto_dispatch,
        )
        if folded is not None:
            if folded["status"] == AlertStatus.PENDING_REVIEW and report.auto_dispatch:
                # The burst crossed the auto-dispatch confidence while it waited: dispatch now.
                folded = await _dispatch_now(conn, d, folded["id"], camera, report, principal, now)
            return _alert_read(folded, camera), True

        status, incident_id, decided_by = AlertStatus.PENDING_REVIEW, None, None
        if report.auto_dispatch:
            incident_id, linked = await _raise_incident(
                conn,
                d,
                camera=camera,
                kind=report.kind,
                category=report.category,
                secondary=report.secondary,
                priority=report.priority,
                at=report.at,
                confidence=report.confidence,
                principal=principal,
                now=now,
            )
            status = AlertStatus.LINKED if linked else AlertStatus.AUTO_DISPATCHED
            decided_by = AUTO_DECIDER
        else:
            incident_id = await incidents_repo.find_duplicate_of(
                conn,
                category=report.category,
                lat=camera["lat"],
                lon=camera["lon"],
                caller_number=None,
                radius_m=settings.duplicate_radius_m,
                since=report.at - timedelta(minutes=settings.duplicate_window_minutes),
            )
            if incident_id is not None:
                status, decided_by = AlertStatus.LINKED, LINK_DECIDER
        alert = {
            "camera_id": camera["id"],
            "kind": report.kind.value,
            "status": status.value,
            "district": camera["district"],
            "confidence": report.confidence,
            "at": report.at,
            "snapshot_url": body.snapshot_url,
            "received_at": now,
            "created_by": principal.actor,
            "incident_id": incident_id,
            "category": report.category,
            "priority": report.priority,
            "decided_at": now if decided_by else None,
            "decided_by": decided_by,
        }
        row = await repo.insert_alert(conn, alert, body.external_id, _feed_event(camera, report, body))
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name != EXTERNAL_ID_CONSTRAINT:
            raise
        # The same external_id posted at this moment for another camera (which holds another lock).
        raise Conflict(
            f"external_id: {body.external_id!r} was used at the same time for another alert"
        ) from exc
    return _alert_read(row, camera), True


async def _dispatch_now(
    conn: asyncpg.Connection,
    d: Dispatcher,
    alert_id: int,
    camera: asyncpg.Record,
    report: AlertPlan,
    principal: Principal,
    now: datetime,
) -> asyncpg.Record:
    """A waiting alert that now qualifies for dispatch without review becomes its incident."""
    alert = await repo.get_alert(conn, alert_id)
    assert alert is not None
    incident_id, linked = await _raise_incident(
        conn,
        d,
        camera=camera,
        kind=report.kind,
        category=report.category,
        secondary=report.secondary,
        priority=report.priority,
        at=alert["first_at"],
        confidence=alert["confidence"],
        principal=principal,
        now=now,
    )
    return await repo.decide(
        conn,
        alert_id,
        status=(AlertStatus.LINKED if linked else AlertStatus.AUTO_DISPATCHED).value,
        actor=AUTO_DECIDER,
        at=now,
        incident_id=incident_id,
    )


def _feed_event(camera: asyncpg.Record, report: AlertPlan, body: CameraAlertCreate) -> dict[str, Any]:
    """What a console needs to show a new alert (the event log adds its id and status)."""
    return {
        "camera_code": camera["code"],
        "camera_name": camera["name"],
        "camera_kind": camera["kind"],
        "kind": report.kind.value,
        "confidence": report.confidence,
        "at": report.at.isoformat(),
        "lat": camera["lat"],
        "lon": camera["lon"],
        "category": report.category,
        "priority": report.priority,
        "snapshot_url": body.snapshot_url,
        "live_url": camera["live_url"],
    }


async def read_alert(conn: asyncpg.Connection, alert_id: int) -> dict[str, Any]:
    """One alert with its camera; 404 when unknown."""
    row = await repo.get_alert(conn, alert_id)
    if row is None:
        raise NotFound(f"camera alert {alert_id} not found")
    return dict(row)


async def list_alerts(conn: asyncpg.Connection, flt: CameraAlertFilter) -> list[dict[str, Any]]:
    """Alerts, oldest first; with status=pending_review, the operators' review queue."""
    rows = await repo.list_alerts(conn, **flt.model_dump())
    return [dict(r) for r in rows]


async def _pending(conn: asyncpg.Connection, alert_id: int, action: str) -> asyncpg.Record:
    """The alert, locked; 404 when unknown, 409 when it is no longer waiting for review."""
    row = await repo.get_alert(conn, alert_id, lock=True)
    if row is None:
        raise NotFound(f"camera alert {alert_id} not found")
    if row["status"] != AlertStatus.PENDING_REVIEW:
        raise Conflict(
            f"status: alert {alert_id} is {row['status']}; only a pending_review alert can be {action}",
            status=row["status"],
            incident_id=row["incident_id"],
        )
    return row


async def confirm_alert(
    conn: asyncpg.Connection,
    d: Dispatcher,
    alert_id: int,
    body: ConfirmBody,
    *,
    principal: Principal,
    now: datetime,
) -> dict[str, Any]:
    """An operator saw it on camera: create and dispatch the incident (its clock starts at the alert)."""
    row = await _pending(conn, alert_id, "confirmed")
    rules = rules_of(d.settings)
    if row["first_at"] < now - rules.max_age:
        raise Conflict(
            f"alert {alert_id} is older than {rules.max_age.days} days; post a call instead",
            status=row["status"],
        )
    kind = AlertKind(row["kind"])
    category, secondary, priority = confirmed_service(kind, rules, body.category, body.priority)
    camera = {
        "code": row["camera_code"],
        "name": row["camera_name"],
        "lat": row["lat"],
        "lon": row["lon"],
    }
    incident_id, _linked = await _raise_incident(
        conn,
        d,
        camera=camera,
        kind=kind,
        category=category,
        secondary=secondary,
        priority=priority,
        at=row["first_at"],
        confidence=row["confidence"],
        principal=principal,
        now=now,
    )
    decided = await repo.decide(
        conn,
        alert_id,
        status=AlertStatus.CONFIRMED.value,
        actor=principal.actor,
        at=now,
        incident_id=incident_id,
        category=category,
        priority=priority,
        note=body.note,
    )
    return {**dict(row), **dict(decided)}


async def dismiss_alert(
    conn: asyncpg.Connection, alert_id: int, reason: str, *, principal: Principal, now: datetime
) -> dict[str, Any]:
    """An operator judged it a false alarm (the reason feeds the per-camera false-alarm rate)."""
    row = await _pending(conn, alert_id, "dismissed")
    decided = await repo.decide(
        conn,
        alert_id,
        status=AlertStatus.DISMISSED.value,
        actor=principal.actor,
        at=now,
        dismiss_reason=reason,
    )
    return {**dict(row), **dict(decided)}


STAT_DIMENSIONS = ("camera", "kind", "district")


async def alert_stats(
    conn: asyncpg.Connection,
    *,
    group_by: str | None,
    start: str | None,
    end: str | None,
    kind: str | None,
    district: str | None,
) -> list[dict[str, Any]]:
    """Outcomes and decision times per camera, kind or district: which analytics raise false alarms."""
    dims = parse_group_by(group_by, STAT_DIMENSIONS)
    s, e = parse_instant("from", start, end=False), parse_instant("to", end, end=True)
    if s is not None and e is not None and s > e:
        raise Invalid(f"from: {start} is after to ({end})")
    rows = await repo.alert_stats(conn, group_by=dims, start=s, end=e, kind=kind, district=district)
    for row in rows:
        decided = row["confirmed"] + row["dismissed"]
        row["dismissed_pct"] = round(100.0 * row["dismissed"] / decided, 1) if decided else None
        if row["median_decision_s"] is not None:
            row["median_decision_s"] = round(float(row["median_decision_s"]), 1)
    return rows
