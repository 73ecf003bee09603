"""Taking a call: the pure plan (app/dispatch/intake.py), then duplicates, the incident and its units."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from app.dispatch.intake import CallFacts, CallPlan, plan_call
from app.dispatch.registry import IncidentStatus
from app.dispatch.samarpan import MemberAtCall, caller_key
from app.dispatch.targets import DEFAULT_TARGET_MINUTES
from app.errors import Conflict
from app.repositories import incidents as repo
from app.repositories import seniors as seniors_repo
from app.schemas.incidents import CallAccepted, CallCreate
from app.security import Principal
from app.services.callers import caller_history
from app.services.dispatcher import Dispatcher
from app.services.incidents import incident_read
from app.services.queue import send_units


def request_hash(body: CallCreate) -> str:
    """A stable digest of a call body, to tell a retry from a different request under the same key."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def plan(d: Dispatcher, body: CallCreate, now: datetime, member: MemberAtCall | None = None) -> CallPlan:
    """The pure part of intake (422 for a bad call); `member` is the Samarpan member calling, if any."""
    facts = CallFacts(
        body.text, body.lat, body.lon, body.address, body.received_at, body.category, body.priority
    )
    return plan_call(facts, now=now, rules=d.intake_rules, area=d.area, gazetteer=d.gazetteer, member=member)


def preplan(d: Dispatcher, body: CallCreate, now: datetime) -> CallPlan | None:
    """The plan made before a database connection is taken; None for a call that gives no location,
    which only the caller's registered home (a Samarpan member's) can place, so it waits for the lookup."""
    if body.lat is None and body.address is None and body.caller_number is not None:
        return None
    return plan(d, body, now)


async def calling_member(conn: asyncpg.Connection, caller_number: str | None) -> MemberAtCall | None:
    """The verified, active Samarpan member whose number this is (one index probe), else None."""
    number = caller_key(caller_number)
    if number is None:
        return None
    row = await seniors_repo.member_calling(conn, number)
    return None if row is None else MemberAtCall.from_mapping(dict(row))


async def ingest_call(
    conn: asyncpg.Connection,
    d: Dispatcher,
    body: CallCreate,
    call: CallPlan | None,
    *,
    idempotency_key: str | None,
    principal: Principal,
    now: datetime,
) -> tuple[CallAccepted, bool]:
    """Take a planned call: link or create the incident, send units; returns (response, created).

    The Samarpan look-up runs here, inside the call's transaction, rather than in the router's
    dependency before it: the member row is then held (FOR KEY SHARE) until the incident carrying
    their summary commits, so an erasure racing the call waits and clears that summary instead of
    missing it, and the look-up costs one indexed statement on the connection the call already holds
    (no second pool checkout per call). A member's call is planned again with the member (pure and
    rare); everyone else's plan, made before the connection was taken, stands unchanged.
    """
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
            return CallAccepted.model_validate(first["response"]), False

    member = await calling_member(conn, body.caller_number)
    if member is not None or call is None:
        call = plan(d, body, now, member)  # 422 here for a call with no location from a non-member
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
        "triage": {**call.triage.to_dict(), "overridden": call.overridden}
        | (
            {}
            if call.priority_before_bump is None
            else {"priority_before_senior_bump": call.priority_before_bump}
        ),
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
        "location_source": call.location_source,
        "senior": None if call.senior is None else call.senior.as_dict(),
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
    response = CallAccepted(call_id=call_id, incident=incident_read(incident, sent))
    if idempotency_key is not None:
        await repo.store_idempotent_response(
            conn, principal.user, idempotency_key, response.model_dump(mode="json")
        )
    return response, True
