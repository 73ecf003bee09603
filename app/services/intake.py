"""Taking a call: the pure plan (app/dispatch/intake.py), then duplicates, the incident and its units."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from app.dispatch.intake import CallFacts, CallPlan, plan_call
from app.dispatch.registry import IncidentStatus
from app.dispatch.targets import DEFAULT_TARGET_MINUTES
from app.errors import Conflict
from app.repositories import incidents as repo
from app.schemas.incidents import CallCreate
from app.security import Principal
from app.services.callers import caller_history
from app.services.dispatcher import Dispatcher
from app.services.incidents import assignment_dict, incident_dict
from app.services.queue import send_units


def request_hash(body: CallCreate) -> str:
    """A stable digest of a call body, to tell a retry from a different request under the same key."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def plan(d: Dispatcher, body: CallCreate, now: datetime) -> CallPlan:
    """The pure part of intake, run before a database connection is taken (422 for a bad call)."""
    facts = CallFacts(
        body.text, body.lat, body.lon, body.address, body.received_at, body.category, body.priority
    )
    return plan_call(facts, now=now, rules=d.intake_rules, area=d.area, gazetteer=d.gazetteer)


async def ingest_call(
    conn: asyncpg.Connection,
    d: Dispatcher,
    body: CallCreate,
    call: CallPlan,
    *,
    idempotency_key: str | None,
    principal: Principal,
    now: datetime,
) -> tuple[dict[str, Any], bool]:
    """Take a planned call: link or create the incident, send units; returns (response, created)."""
    settings = d.settings
    if idempotency_key is not None:
        # A key is its sender's (another user's same key is another request) and lapses after a while.
        digest = request_hash(body)
        expired_before = now - timedelta(hours=settings.idempotency_key_hours)
        claimed = await repo.claim_idempotency_key(
            conn, principal.user, idempotency_key, digest, principal.actor, now, expired_before
        )
        if not claimed:
            first = await repo.get_idempotent_response(conn, principal.user, idempotency_key)
            assert first is not None
            if first["request_hash"] != digest:
                raise Conflict("Idempotency-Key: this key was used with a different request body")
            return first["response"], False

    target = await repo.target_minutes(conn, call.area_type, call.district, call.category)
    target = target or DEFAULT_TARGET_MINUTES[call.area_type]
    duplicate_of = None
    if not call.referred:
        duplicate_of = await repo.find_duplicate_of(
            conn,
            category=call.category,
            lat=call.lat,
            lon=call.lon,
            caller_number=body.caller_number,
            radius_m=settings.duplicate_radius_m,
            since=call.received_at - timedelta(minutes=settings.duplicate_window_minutes),
        )
    status, services = call.outcome(duplicate_of)
    history = await caller_history(conn, body.caller_number, call.received_at, settings)

    incident: dict[str, Any] = {
        "status": status.value,
        "category": call.category,
        "secondary": list(call.secondary),
        "priority": call.priority,
        "triage": {**call.triage.to_dict(), "overridden": call.overridden},
        "district": call.district,
        "area_type": call.area_type,
        "target_minutes": target,
        "lat": call.lat,
        "lon": call.lon,
        "address": body.address,
        "received_at": call.received_at,
        "caller_number": body.caller_number,
        "duplicate_of": duplicate_of,
        "pending": services,
        "needs_review": call.needs_review,
        "created_by": principal.actor,
        "caller_history": history,
    }
    incident_id, call_id, _ = await repo.insert_incident_with_call(
        conn, incident, {"text": body.text, "channel": body.channel, "idempotency_key": idempotency_key}
    )
    incident["id"] = incident_id
    sent = await send_units(conn, d, incident, services, now, principal.actor)
    if sent:
        incident["status"] = IncidentStatus.DISPATCHED.value
        taken = {a["service"] for a in sent}
        incident["pending"] = [s for s in services if s not in taken]
    incident.update(response_seconds=None, within_target=None, disposition=None, ended_at=None)
    response = {"call_id": call_id, "incident": incident_dict(incident, [assignment_dict(a) for a in sent])}
    if idempotency_key is not None:
        await repo.store_idempotent_response(
            conn, principal.user, idempotency_key, json.loads(json.dumps(response, default=str))
        )
    return response, True
