"""Samarpan use cases: apply, verify or reject, update, deactivate, erase, read (audited), visits, due list.

Who may see a member: operators of the member's district (or of no district: the state control room)
and supervisors; the routers admit the roles, and every use case here checks the district of a
district-scoped token against the member's. Personal data never goes into the event log: events
name the member by id only, so an erasure leaves nothing behind.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from app.config import Settings
from app.dispatch import samarpan as rules
from app.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from app.repositories import events as events_repo
from app.repositories import seniors as repo
from app.schemas.seniors import (
    DueFilter,
    SeniorCreate,
    SeniorFilter,
    SeniorUpdate,
    VerificationBody,
    VisitCreate,
)
from app.security import Principal
from app.services.dispatcher import Dispatcher

# ------------------------------------------------------------------------------------------ access


def _check_district(principal: Principal, district: str) -> None:
    """403 when a district-scoped token reaches for another district's member."""
    if principal.district is not None and principal.district != district:
        raise Forbidden(
            f"this token is scoped to {principal.district}; "
            f"Samarpan members of {district} are not visible to it"
        )


def _scoped_district(principal: Principal, asked: str | None) -> tuple[bool, str | None]:
    """The district a list may show: (False, _) when a scoped token asks for another district."""
    if principal.district is None:
        return True, asked
    if asked is not None and asked != principal.district:
        return False, None
    return True, principal.district


async def _load(
    conn: asyncpg.Connection, member_id: int, principal: Principal, lock: str | None = None
) -> asyncpg.Record:
    row = await repo.get_member(conn, member_id, lock=lock)
    if row is None:
        raise NotFound(f"Samarpan member {member_id} not found")
    _check_district(principal, row["district"])
    return row


def _phase_district(d: Dispatcher, district: str) -> str:
    """The district's name as configured, or 422 when it is outside the enabled phase."""
    settings = d.settings
    for name in settings.samarpan_districts:
        if name.casefold() == district.strip().casefold():
            if name not in d.area.district_names:  # a deployment's typo, not the client's mistake
                raise Unavailable(
                    f"DIAL112_SAMARPAN_DISTRICTS names {name!r}, which is not a loaded district"
                )
            return name
    enabled = ", ".join(settings.samarpan_districts)
    raise Invalid(f"district: {district!r} is not in Samarpan's enabled phase ({enabled})")


def _unique(phones: list[str]) -> list[str]:
    return list(dict.fromkeys(phones))


async def _check_phones_free(conn: asyncpg.Connection, phones: list[str], member_id: int | None) -> None:
    taken = await repo.active_phone_holder(conn, phones, except_member=member_id)
    if taken is not None:
        raise Conflict(f"phones: {taken} is already registered to an active Samarpan member")


def _home_in_area(d: Dispatcher, lat: float, lon: float) -> None:
    placement = d.area.locate(lat, lon)
    if not placement.inside and placement.distance_km > d.settings.border_km:
        raise Invalid(
            f"lat/lon: the home is outside the service area ({placement.distance_km:.1f} km from "
            f"{placement.district})"
        )


async def _station_for(conn: asyncpg.Connection, district: str, station_id: int | None) -> int:
    if station_id is None:
        found = await repo.default_station(conn, district)
        if found is None:
            raise Invalid(f"station_id: {district} has no police station yet; give station_id")
        return found
    station_district = await repo.station_district(conn, station_id)
    if station_district is None:
        raise Invalid(f"station_id: unknown station {station_id}")
    if station_district != district:
        raise Invalid(f"station_id: station {station_id} is in {station_district}, not {district}")
    return station_id


def _contacts(contacts: list[Any]) -> list[dict[str, str]]:
    return [{"name": c.name, "relation": c.relation, "phone": c.phone} for c in contacts]


def profile(row: asyncpg.Record, *, today: date, default_interval: int) -> dict[str, Any]:
    """A member row in its API shape, with the age and the next visit as of `today` (IST)."""
    interval = row["visit_interval_days"] or default_interval
    due = None
    if row["status"] == "verified" and row["active"]:
        due = rules.next_visit_due(row["verified_on"], row["last_visit_on"], interval)
    return {
        "id": row["id"],
        "status": row["status"],
        "active": row["active"],
        "name": row["name"],
        "date_of_birth": row["date_of_birth"],
        "age": rules.age_on(row["date_of_birth"], today),
        "phones": list(row["phones"]),
        "address": row["address"],
        "lat": row["lat"],
        "lon": row["lon"],
        "district": row["district"],
        "station_id": row["station_id"],
        "lives_alone": row["lives_alone"],
        "conditions": list(row["conditions"]),
        "mobility": row["mobility"],
        "emergency_contacts": row["emergency_contacts"],
        "consent": {"given_at": row["consent_given_at"], "channel": row["consent_channel"]},
        "channel": row["channel"],
        "applied_at": row["applied_at"],
        "decided_at": row["decided_at"],
        "decision_reason": row["decision_reason"],
        "verified_on": row["verified_on"],
        "visit_interval_days": interval,
        "last_visit_on": row["last_visit_on"],
        "next_visit_due": due,
        "deactivated_at": row["deactivated_at"],
    }


async def _profile_of(
    conn: asyncpg.Connection, member_id: int, settings: Settings, now: datetime
) -> dict[str, Any]:
    row = await repo.get_member(conn, member_id)
    assert row is not None
    return profile(row, today=rules.ist_day(now), default_interval=settings.samarpan_visit_interval_days)


async def _audit(
    conn: asyncpg.Connection, kind: str, principal: Principal, member_id: int, district: str, **data: Any
) -> None:
    # The member is named by id only: the event log is append-only and must survive an erasure clean.
    await events_repo.append_event(
        conn, kind, principal.actor, district=district, data={"member_id": member_id, **data}
    )


# ------------------------------------------------------------------------------------------ use cases


async def apply(
    conn: asyncpg.Connection, d: Dispatcher, body: SeniorCreate, *, principal: Principal, now: datetime
) -> dict[str, Any]:
    """A new application, `pending` until the station decides; 422 naming the field, 409 for a number
    already on an active registration."""
    settings = d.settings
    district = _phase_district(d, body.district)
    _check_district(principal, district)
    applied_on = rules.ist_day(now)
    problem = rules.eligibility_problem(body.date_of_birth, applied_on)
    if problem is not None:
        raise Invalid(f"date_of_birth: {problem}")
    if body.consent.given_at > now + timedelta(seconds=settings.max_clock_skew_seconds):
        raise Invalid(f"consent.given_at: {body.consent.given_at.isoformat()} is in the future")
    if body.lat is not None and body.lon is not None:
        lat, lon = body.lat, body.lon
    else:
        place = d.gazetteer.resolve(body.address)
        if place is None:
            raise Invalid(f"address: {body.address!r} is not in the gazetteer; give the home's lat and lon")
        lat, lon = place.lat, place.lon
    _home_in_area(d, lat, lon)
    station_id = await _station_for(conn, district, body.station_id)
    phones = _unique(body.phones)
    await _check_phones_free(conn, phones, None)
    member = {
        "name": body.name,
        "date_of_birth": body.date_of_birth,
        "address": body.address,
        "lat": lat,
        "lon": lon,
        "district": district,
        "station_id": station_id,
        "lives_alone": body.lives_alone,
        "conditions": body.conditions,
        "mobility": body.mobility,
        "emergency_contacts": _contacts(body.emergency_contacts),
        "consent_given_at": body.consent.given_at,
        "consent_channel": body.consent.channel,
        "channel": body.channel,
        "applied_on": applied_on,
        "visit_interval_days": body.visit_interval_days,
    }
    try:
        member_id = await repo.insert_member(conn, member, phones, at=now, actor=principal.actor)
    except asyncpg.UniqueViolationError as exc:  # a concurrent application took the number first
        raise Conflict("phones: a number is already registered to an active Samarpan member") from exc
    await _audit(conn, "senior.applied", principal, member_id, district, channel=body.channel)
    return await _profile_of(conn, member_id, settings, now)


async def read(
    conn: asyncpg.Connection, member_id: int, *, settings: Settings, principal: Principal, now: datetime
) -> dict[str, Any]:
    """One member's profile; the read is written to the audit trail (who, when, which member)."""
    row = await _load(conn, member_id, principal)
    await _audit(conn, "senior.viewed", principal, member_id, row["district"])
    return profile(row, today=rules.ist_day(now), default_interval=settings.samarpan_visit_interval_days)


async def list_members(
    conn: asyncpg.Connection, flt: SeniorFilter, *, settings: Settings, principal: Principal
) -> list[dict[str, Any]]:
    """Members matching the filter (a district-scoped token sees its own district only); audited."""
    allowed, district = _scoped_district(principal, flt.district)
    if not allowed:
        return []
    rows = await repo.list_members(
        conn,
        district=district,
        status=flt.status,
        station_id=flt.station_id,
        active=flt.active,
        limit=flt.limit,
        offset=flt.offset,
        default_interval=settings.samarpan_visit_interval_days,
    )
    if rows:
        await events_repo.append_event(
            conn,
            "senior.listed",
            principal.actor,
            district=district,
            data={"member_ids": [r["id"] for r in rows]},
        )
    return [dict(r) for r in rows]


async def decide(
    conn: asyncpg.Connection,
    member_id: int,
    body: VerificationBody,
    *,
    settings: Settings,
    principal: Principal,
    now: datetime,
) -> dict[str, Any]:
    """The station verifies a pending application (the visit schedule starts that IST day) or rejects it."""
    reason = (body.reason or "").strip() or None
    if body.outcome == "rejected" and reason is None:
        raise Invalid("reason: give the reason for a rejection")
    row = await _load(conn, member_id, principal, lock="no key update")
    if row["status"] != "pending":
        raise Conflict(f"status: member {member_id} is already {row['status']}")
    if not row["active"]:
        raise Conflict(f"active: member {member_id} is deactivated; reactivate before deciding")
    verified_on = rules.ist_day(now) if body.outcome == "verified" else None
    await repo.decide(
        conn,
        member_id,
        status=body.outcome,
        reason=reason,
        verified_on=verified_on,
        at=now,
        actor=principal.actor,
    )
    await _audit(conn, f"senior.{body.outcome}", principal, member_id, row["district"])
    return await _profile_of(conn, member_id, settings, now)


async def update(
    conn: asyncpg.Connection,
    d: Dispatcher,
    member_id: int,
    body: SeniorUpdate,
    *,
    principal: Principal,
    now: datetime,
) -> dict[str, Any]:
    """Change a member's details; `active` false deactivates (their number stops flagging calls)."""
    settings = d.settings
    # NO KEY UPDATE: an edit never waits for, nor delays, an emergency call reading the member.
    row = await _load(conn, member_id, principal, lock="no key update")
    given = body.model_fields_set
    changes: dict[str, Any] = {}
    for name in ("name", "address", "lives_alone", "conditions", "mobility", "visit_interval_days"):
        if name in given:
            changes[name] = getattr(body, name)
    if "emergency_contacts" in given and body.emergency_contacts is not None:
        changes["emergency_contacts"] = _contacts(body.emergency_contacts)
    if body.date_of_birth is not None:
        problem = rules.eligibility_problem(body.date_of_birth, row["applied_on"])
        if problem is not None:
            raise Invalid(f"date_of_birth: {problem}")
        changes["date_of_birth"] = body.date_of_birth
    if body.lat is not None and body.lon is not None:
        _home_in_area(d, body.lat, body.lon)
        changes["lat"], changes["lon"] = body.lat, body.lon
    district = row["district"]
    if body.district is not None:
        district = _phase_district(d, body.district)
        _check_district(principal, district)
        changes["district"] = district
    if body.station_id is not None or district != row["district"]:
        changes["station_id"] = await _station_for(conn, district, body.station_id)
    active = row["active"] if body.active is None else body.active
    if body.active and not row["active"] and row["status"] == "rejected":
        raise Conflict(f"active: member {member_id} was rejected; a new application is needed")
    holds_numbers = active and row["status"] != "rejected"
    phones = _unique(body.phones) if body.phones is not None else list(row["phones"])
    if holds_numbers and (body.phones is not None or not row["active"]):
        await _check_phones_free(conn, phones, member_id)
    try:
        if changes:
            await repo.update_member(conn, member_id, changes, at=now)
        if body.phones is not None:
            await repo.replace_phones(conn, member_id, phones, active=holds_numbers)
        if active != row["active"]:
            await repo.set_active(conn, member_id, active, at=now, actor=principal.actor)
    except asyncpg.UniqueViolationError as exc:  # a concurrent application took the number first
        raise Conflict("phones: a number is already registered to an active Samarpan member") from exc
    fields = sorted(set(changes) | ({"phones"} if body.phones is not None else set()))
    if fields:
        await _audit(conn, "senior.updated", principal, member_id, district, fields=fields)
    if active != row["active"]:
        await _audit(
            conn, "senior.reactivated" if active else "senior.deactivated", principal, member_id, district
        )
    return await _profile_of(conn, member_id, settings, now)


async def erase(conn: asyncpg.Connection, member_id: int, *, principal: Principal) -> None:
    """Erase a member on their request: every personal field is gone; the erasure itself is recorded."""
    row = await _load(conn, member_id, principal, lock="update")
    await repo.erase_member(conn, member_id)
    await _audit(conn, "senior.erased", principal, member_id, row["district"])


async def record_visit(
    conn: asyncpg.Connection,
    member_id: int,
    body: VisitCreate,
    *,
    settings: Settings,
    principal: Principal,
    now: datetime,
) -> dict[str, Any]:
    """A welfare visit: moves the schedule on from the visit's IST day and opens or meets needs."""
    kinds = [n.kind for n in body.needs]
    repeated = sorted({k for k in kinds if kinds.count(k) > 1})
    if repeated:
        raise Invalid(f"needs: {', '.join(repeated)} listed more than once")
    if body.visited_at > now + timedelta(seconds=settings.max_clock_skew_seconds):
        raise Invalid(f"visited_at: {body.visited_at.isoformat()} is in the future")
    row = await _load(conn, member_id, principal, lock="no key update")
    if row["status"] != "verified" or not row["active"]:
        state = row["status"] if row["active"] else "deactivated"
        raise Conflict(f"status: member {member_id} is {state}; visits are for verified, active members")
    if body.visited_at < row["applied_at"]:
        raise Invalid(f"visited_at: {body.visited_at.isoformat()} is before the application")
    visit_id, last_visit_on = await repo.insert_visit(
        conn,
        member_id,
        station_id=row["station_id"],
        visited_at=body.visited_at,
        visited_on=rules.ist_day(body.visited_at),
        outcome=body.outcome,
        at=now,
        actor=principal.actor,
    )
    if kinds:
        await repo.record_needs(
            conn, member_id, visit_id, body.visited_at, kinds, [n.met for n in body.needs]
        )
    unmet = sum(1 for n in body.needs if not n.met)
    await _audit(
        conn, "senior.visited", principal, member_id, row["district"], visit_id=visit_id, needs_unmet=unmet
    )
    interval = row["visit_interval_days"] or settings.samarpan_visit_interval_days
    return {
        "id": visit_id,
        "member_id": member_id,
        "station_id": row["station_id"],
        "visited_at": body.visited_at,
        "outcome": body.outcome,
        "needs": [{"kind": n.kind, "met": n.met} for n in body.needs],
        "next_visit_due": rules.next_visit_due(row["verified_on"], last_visit_on, interval),
    }


async def visits_due(
    conn: asyncpg.Connection, flt: DueFilter, *, settings: Settings, principal: Principal, now: datetime
) -> list[dict[str, Any]]:
    """Members whose next visit is due on or before `by` (default today, IST), overdue first."""
    allowed, district = _scoped_district(principal, flt.district)
    if not allowed:
        return []
    by = flt.by or rules.ist_day(now)
    rows = await repo.due_visits(
        conn,
        by=by,
        district=district,
        station_id=flt.station_id,
        default_interval=settings.samarpan_visit_interval_days,
        limit=flt.limit,
    )
    # The database filters and orders by the due day (earliest first, so overdue ones lead);
    # the pure rules say what is overdue.
    return [
        {
            "member_id": r["member_id"],
            "name": r["name"],
            "station_id": r["station_id"],
            "district": r["district"],
            "due_on": r["due_on"],
            "overdue": rules.is_overdue(r["due_on"], by),
        }
        for r in rows
    ]


_COUNT_KEYS = ("pending", "verified", "rejected", "inactive", "visits_overdue", "unmet_needs")


async def stats(
    conn: asyncpg.Connection, *, settings: Settings, principal: Principal, now: datetime
) -> dict[str, Any]:
    """Counts per district of the phase (a scoped token: its own district) — no personal data."""
    today = rules.ist_day(now)
    rows = await repo.counts(
        conn, district=principal.district, today=today, default_interval=settings.samarpan_visit_interval_days
    )
    names = [principal.district] if principal.district else list(settings.samarpan_districts)
    by_district = {n: dict.fromkeys(_COUNT_KEYS, 0) for n in names}
    for r in rows:
        by_district[r["district"]] = {k: r[k] for k in _COUNT_KEYS}
    districts = [{"district": n, **c} for n, c in sorted(by_district.items())]
    total = {k: sum(c[k] for c in by_district.values()) for k in _COUNT_KEYS}
    return {"on": today, "districts": districts, "total": {"district": "all", **total}}


async def unmet_needs(
    conn: asyncpg.Connection,
    *,
    group_by: str,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    hours: float,
) -> list[asyncpg.Record]:
    """Members with a need still unmet `hours` after it was raised, per lapse-report key."""
    return await repo.unmet_needs(
        conn, group_by=group_by, raised_before=now - timedelta(hours=hours), start=start, end=end
    )
