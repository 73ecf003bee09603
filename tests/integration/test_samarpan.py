"""Samarpan over the API: applications, the station's decision, flagged calls, visits, lapses, privacy.

The tests' clock stands at 00:30 IST on 29 November 2026 (still the 28th in UTC and in Los Angeles),
so every IST day below would come out a day early if the service used UTC or the machine's zone.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import time_machine

from app.database import create_pool, transaction
from app.main import create_app
from app.repositories import incidents as incidents_repo
from app.services import intake
from tests.conftest import TEST_NOW, make_settings, token

IST_NOW = "2026-11-29T00:30:00+05:30"  # TEST_NOW in IST
AFTER_APPLYING = "2026-11-29T00:31:00+05:30"  # a visit just after the tests' applications (within clock skew)
HOME = (21.2621, 81.5930)  # Tatibandh, Raipur
DURG = (21.19, 81.28)
KAMLA = "+919827012345"


def application(**changes: Any) -> dict[str, Any]:
    """The application of docs/api.md (Raipur, station walk-in), with changes."""
    body: dict[str, Any] = {
        "name": "Kamla Bai",
        "date_of_birth": "1948-03-02",
        "phones": ["+91 98270 12345"],
        "address": "House 12, Ward 4, Tatibandh, Raipur",
        "lat": HOME[0],
        "lon": HOME[1],
        "district": "Raipur",
        "lives_alone": True,
        "conditions": ["diabetes"],
        "mobility": "walks with a stick",
        "emergency_contacts": [{"name": "Ramesh", "relation": "son", "phone": "+919425000000"}],
        "consent": {"given_at": "2026-11-28T10:00:00+05:30", "channel": "station"},
        "channel": "station",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def op(district: str | None = None) -> dict[str, str]:
    """An operator's header (of one district, or the state control room's)."""
    return token("operator", district=district) if district else token("operator")


async def apply(
    client: httpx.AsyncClient, expect: int = 201, headers: dict[str, str] | None = None, **changes: Any
) -> dict[str, Any]:
    """Post an application and check the status code."""
    r = await client.post("/api/v1/seniors", json=application(**changes), headers=headers or op())
    assert r.status_code == expect, r.text
    body: dict[str, Any] = r.json()
    return body


async def decide(
    client: httpx.AsyncClient,
    member_id: int,
    outcome: str = "verified",
    expect: int = 200,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Post the station's decision."""
    r = await client.post(
        f"/api/v1/seniors/{member_id}/verification",
        json={"outcome": outcome, **extra},
        headers=headers or op(),
    )
    assert r.status_code == expect, r.text
    body: dict[str, Any] = r.json()
    return body


async def member(client: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    """A verified member."""
    return await decide(client, (await apply(client, **changes))["id"])


async def call(
    client: httpx.AsyncClient, expect: int = 201, key: str | None = None, **fields: Any
) -> dict[str, Any]:
    """Post a call (no location unless given: "I fell, I cannot get up") and return the response."""
    body = {"text": "mai gir gayi hoon, uth nahi pa rahi", "channel": "voice", **fields}
    headers = op() | ({"Idempotency-Key": key} if key else {})
    r = await client.post("/api/v1/calls", json=body, headers=headers)
    assert r.status_code == expect, r.text
    result: dict[str, Any] = r.json()
    return result


async def visit(
    client: httpx.AsyncClient,
    member_id: int,
    at: str,
    needs: list[dict[str, Any]] | None = None,
    expect: int = 201,
) -> dict[str, Any]:
    """Record a welfare visit."""
    r = await client.post(
        f"/api/v1/seniors/{member_id}/visits",
        json={"visited_at": at, "outcome": "well, at home", "needs": needs or []},
        headers=op(),
    )
    assert r.status_code == expect, r.text
    body: dict[str, Any] = r.json()
    return body


async def due(client: httpx.AsyncClient, query: str = "", headers: dict[str, str] | None = None) -> list[Any]:
    """The due list."""
    r = await client.get(f"/api/v1/seniors/visits/due{query}", headers=headers or op())
    assert r.status_code == 200, r.text
    rows: list[Any] = r.json()
    return rows


async def events(conn: asyncpg.Connection, prefix: str = "senior.") -> list[dict[str, Any]]:
    """Samarpan's events, oldest first (the test connection has no JSON codec: data is decoded here)."""
    rows = await conn.fetch(
        "SELECT kind, actor, data, at FROM events WHERE kind LIKE $1 ORDER BY id", prefix + "%"
    )
    return [dict(r) | {"data": json.loads(r["data"])} for r in rows]


@asynccontextmanager
async def client_with(db_url: str, **overrides: object) -> AsyncIterator[httpx.AsyncClient]:
    """A client over an app with changed settings."""
    app = create_app(make_settings(db_url, **overrides))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        yield c


# ------------------------------------------------------------------------------ application → decision


async def test_an_application_is_pending_until_verified_and_the_schedule_starts_on_that_ist_day(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    applied = await apply(client, phones=["098270 12345", "+91 94252 11111"])
    assert applied["status"] == "pending" and applied["active"] is True
    assert applied["phones"] == [KAMLA, "+919425211111"]  # E.164, in the order given
    assert (applied["district"], applied["lives_alone"], applied["age"]) == ("Raipur", True, 78)
    assert applied["emergency_contacts"] == [{"name": "Ramesh", "relation": "son", "phone": "+919425000000"}]
    assert applied["next_visit_due"] is None and applied["verified_on"] is None
    station = await conn.fetchval("SELECT id FROM stations WHERE district = 'Raipur' ORDER BY id LIMIT 1")
    assert applied["station_id"] == station  # the district's station by default

    verified = await decide(client, applied["id"])
    assert verified["status"] == "verified"
    # 00:30 IST on the 29th: UTC (and Los Angeles) still say the 28th.
    assert verified["verified_on"] == "2026-11-29"
    assert (verified["visit_interval_days"], verified["next_visit_due"]) == (7, "2026-12-06")
    again = await decide(client, applied["id"], "rejected", expect=409, reason="changed our mind")
    assert again["detail"].startswith("status")
    kinds = [(e["kind"], e["data"]) for e in await events(conn)]
    assert kinds == [
        ("senior.applied", {"member_id": applied["id"], "channel": "station"}),
        ("senior.verified", {"member_id": applied["id"]}),
    ]


async def test_a_rejection_needs_a_reason_and_frees_the_number_for_a_new_application(
    client: httpx.AsyncClient,
) -> None:
    first = await apply(client)
    refused = await decide(client, first["id"], "rejected", expect=422)
    assert refused["detail"].startswith("reason")
    rejected = await decide(client, first["id"], "rejected", reason="lives with her son's family")
    assert (rejected["status"], rejected["active"], rejected["decision_reason"]) == (
        "rejected",
        False,
        "lives with her son's family",
    )
    assert rejected["next_visit_due"] is None
    second = await apply(client)  # the same number: the rejected application no longer holds it
    assert second["id"] != first["id"] and second["status"] == "pending"
    reopened = await client.patch(f"/api/v1/seniors/{first['id']}", json={"active": True}, headers=op())
    assert reopened.status_code == 409 and reopened.json()["detail"].startswith("active")


async def test_the_gateway_posts_applications_and_reads_nothing(client: httpx.AsyncClient) -> None:
    gateway = token("gateway", subject="whatsapp-gateway")
    applied = await apply(
        client,
        headers=gateway,
        channel="whatsapp",
        consent={"given_at": "2026-11-28T18:00:00+05:30", "channel": "whatsapp"},
        lat=None,
        lon=None,
        address="Nava Raipur",  # no coordinates: the gazetteer places the home
    )
    assert applied["channel"] == "whatsapp" and applied["district"] == "Raipur"
    assert (applied["lat"], applied["lon"]) != (None, None)
    for method, path in (
        ("GET", "/api/v1/seniors"),
        ("GET", f"/api/v1/seniors/{applied['id']}"),
        ("GET", "/api/v1/seniors/visits/due"),
        ("GET", "/api/v1/seniors/stats"),
        ("POST", f"/api/v1/seniors/{applied['id']}/verification"),
    ):
        r = await client.request(method, path, headers=gateway, json={"outcome": "verified"})
        assert r.status_code == 403, (method, path, r.text)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date_of_birth": "1966-11-30"}, "date_of_birth"),  # 59 on the day of application
        ({"date_of_birth": "2030-01-01"}, "date_of_birth"),
        ({"district": "Korba"}, "district"),  # a district outside phase 1
        ({"district": "Atlantis"}, "district"),
        ({"consent": None}, "consent"),
        ({"consent": {"channel": "station"}}, "consent.given_at"),
        ({"consent": {"given_at": "2026-12-25T10:00:00+05:30", "channel": "station"}}, "consent.given_at"),
        ({"phones": ["12345"]}, "phones.0"),
        ({"phones": ["+91 98270 12345", "not a phone"]}, "phones.1"),
        ({"phones": []}, "phones"),
        (
            {"emergency_contacts": [{"name": "Ramesh", "relation": "son", "phone": "55"}]},
            "emergency_contacts.0.phone",
        ),
        ({"lat": None, "lon": None, "address": "Nowhere Nagar Colony"}, "address"),
        ({"lon": None}, "body"),
        ({"lat": 28.61, "lon": 77.21}, "lat/lon"),  # Delhi: outside the service area
        ({"station_id": 999999}, "station_id"),
        ({"channel": "telegram"}, "channel"),
        ({"lives_alone": None}, "lives_alone"),
    ],
)
async def test_bad_applications_are_refused_naming_the_field(
    client: httpx.AsyncClient, changes: dict[str, Any], field: str
) -> None:
    r = await client.post("/api/v1/seniors", json=application(**changes), headers=op())
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(field), r.json()["detail"]


async def test_sixty_on_the_ist_day_of_application_is_old_enough(client: httpx.AsyncClient) -> None:
    # Her 60th birthday is the 29th: today in IST, tomorrow in UTC.
    applied = await apply(client, date_of_birth="1966-11-29")
    assert applied["age"] == 60


async def test_a_second_active_registration_of_a_number_is_a_conflict(client: httpx.AsyncClient) -> None:
    await apply(client)
    again = await apply(client, expect=409, name="Kamla Devi", phones=["0 98270-12345"])
    assert again["detail"].startswith("phones") and KAMLA in again["detail"]
    other = await apply(client, name="Sita Bai", phones=["+91 98270 99999"])
    clash = await client.patch(f"/api/v1/seniors/{other['id']}", json={"phones": [KAMLA]}, headers=op())
    assert clash.status_code == 409 and clash.json()["detail"].startswith("phones")


async def test_a_station_in_another_district_cannot_own_a_member(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    durg_station = await conn.fetchval("SELECT id FROM stations WHERE district = 'Durg' LIMIT 1")
    r = await client.post("/api/v1/seniors", json=application(station_id=durg_station), headers=op())
    assert r.status_code == 422 and r.json()["detail"].startswith("station_id")


# -------------------------------------------------------------------------------------------- intake


async def test_a_members_call_without_a_location_goes_to_the_registered_home_with_her_summary(
    client: httpx.AsyncClient,
) -> None:
    kamla = await member(client)
    response = await call(client, caller_number="098270 12345", category="medical", priority=3)
    incident = response["incident"]
    assert (incident["lat"], incident["lon"], incident["district"]) == (*HOME, "Raipur")
    assert incident["location_source"] == "registered_home"
    assert incident["senior"] == {
        "id": kamla["id"],
        "name": "Kamla Bai",
        "age": 78,
        "lives_alone": True,
        "conditions": ["diabetes"],
        "mobility": "walks with a stick",
        "emergency_contacts": [{"name": "Ramesh", "relation": "son", "phone": "+919425000000"}],
    }
    assert incident["priority"] == 2  # medical, 3 → 2
    assert incident["triage"]["priority_before_senior_bump"] == 3
    read = (await client.get(f"/api/v1/incidents/{incident['id']}", headers=op())).json()
    assert (read["senior"], read["location_source"]) == (incident["senior"], "registered_home")
    [listed] = (await client.get("/api/v1/incidents", headers=op())).json()
    assert (listed["senior"]["id"], listed["location_source"]) == (kamla["id"], "registered_home")


async def test_a_members_call_with_a_location_keeps_it_and_others_behave_as_before(
    client: httpx.AsyncClient,
) -> None:
    kamla = await member(client)
    there = (
        await call(client, caller_number=KAMLA, lat=21.2514, lon=81.6296, category="police", priority=2)
    )["incident"]
    assert (there["lat"], there["lon"], there["location_source"]) == (21.2514, 81.6296, "caller")
    assert there["senior"]["id"] == kamla["id"] and there["priority"] == 1
    by_address = (
        await call(client, caller_number="+919800000001", address="Telibandha", category="police", priority=2)
    )["incident"]
    assert (by_address["location_source"], by_address["senior"], by_address["priority"]) == (
        "gazetteer",
        None,
        2,
    )
    assert "priority_before_senior_bump" not in by_address["triage"]
    stranger = await call(client, expect=422, caller_number="+919800000002")
    assert stranger["detail"].startswith("location")
    anonymous = await client.post("/api/v1/calls", json={"text": "help"}, headers=op())
    assert anonymous.status_code == 422 and "location" in anonymous.json()["detail"]
    unreadable = await call(client, expect=422, caller_number="12345")
    assert unreadable["detail"].startswith("location")


@pytest.mark.parametrize(
    ("category", "priority", "expected"),
    [("medical", 3, 2), ("police", 2, 1), ("medical", 1, 1), ("fire", 2, 2), ("women", 2, 2)],
)
async def test_a_members_medical_or_police_call_is_one_step_more_urgent_and_one_stays_one(
    client: httpx.AsyncClient, category: str, priority: int, expected: int
) -> None:
    await member(client)
    flagged = (await call(client, caller_number=KAMLA, category=category, priority=priority))["incident"]
    assert flagged["priority"] == expected
    plain = (
        await call(
            client, caller_number="+919800000003", lat=21.30, lon=81.70, category=category, priority=priority
        )
    )["incident"]
    assert plain["priority"] == priority


async def test_the_priority_rule_can_be_switched_off(clock: time_machine.Traveller, db_url: str) -> None:
    async with client_with(db_url, samarpan_priority_bump=False) as client:
        await member(client)
        incident = (await call(client, caller_number=KAMLA, category="medical", priority=3))["incident"]
        assert (incident["priority"], incident["senior"]["name"]) == (3, "Kamla Bai")


async def test_only_a_verified_active_members_number_is_flagged(client: httpx.AsyncClient) -> None:
    pending = await apply(client)
    r = await call(client, caller_number=KAMLA, lat=21.2514, lon=81.6296, category="medical", priority=3)
    assert (r["incident"]["senior"], r["incident"]["priority"]) == (None, 3)
    await decide(client, pending["id"])
    off = await client.patch(f"/api/v1/seniors/{pending['id']}", json={"active": False}, headers=op())
    assert off.status_code == 200 and off.json()["active"] is False and off.json()["next_visit_due"] is None
    r = await call(client, caller_number=KAMLA, lat=21.30, lon=81.70, category="medical", priority=3)
    assert (r["incident"]["senior"], r["incident"]["priority"]) == (None, 3)
    back = await client.patch(f"/api/v1/seniors/{pending['id']}", json={"active": True}, headers=op())
    assert back.status_code == 200 and back.json()["active"] is True
    r = await call(client, caller_number=KAMLA, lat=21.35, lon=81.75, category="medical", priority=3)
    assert r["incident"]["senior"]["id"] == pending["id"]


# --------------------------------------------------------------------------------------- visits


async def test_the_visit_schedule_and_the_due_list_overdue_first(
    clock: time_machine.Traveller, client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    kamla = await member(client)  # verified on 29 Nov (IST): due 6 Dec
    sita = await member(
        client, name="Sita Bai", phones=["+91 98270 22222"], visit_interval_days=3
    )  # due 2 Dec
    ram = await member(
        client, name="Ram Prasad", phones=["+91 98270 33333"], district="Durg", lat=DURG[0], lon=DURG[1]
    )
    assert (kamla["next_visit_due"], sita["next_visit_due"], ram["next_visit_due"]) == (
        "2026-12-06",
        "2026-12-02",
        "2026-12-06",
    )
    assert await due(client) == []  # today (29 Nov, IST) nobody is due
    [only] = await due(client, "?by=2026-12-02")
    assert (only["member_id"], only["due_on"], only["overdue"]) == (sita["id"], "2026-12-02", False)
    listed = await due(client, "?by=2026-12-07")
    assert [(r["member_id"], r["due_on"], r["overdue"]) for r in listed] == [
        (sita["id"], "2026-12-02", True),  # the most overdue first, then by station
        *sorted(
            [(kamla["id"], "2026-12-06", True), (ram["id"], "2026-12-06", True)],
            key=lambda m: kamla["station_id"] if m[0] == kamla["id"] else ram["station_id"],
        ),
    ]
    assert [r["member_id"] for r in await due(client, "?by=2026-12-07&district=Durg")] == [ram["id"]]
    raipur_station = kamla["station_id"]
    assert {r["member_id"] for r in await due(client, f"?by=2026-12-07&station_id={raipur_station}")} == {
        kamla["id"],
        sita["id"],
    }

    # Four days on, 00:15 IST on 3 December (still the 2nd in UTC): Sita's visit moves her schedule.
    clock.move_to(datetime(2026, 12, 2, 18, 50, tzinfo=UTC))
    done = await visit(client, sita["id"], "2026-12-03T00:15:00+05:30")
    assert (done["next_visit_due"], done["station_id"]) == ("2026-12-06", raipur_station)
    assert await due(client) == []  # today is 3 December (IST): nobody is due yet
    assert [
        (r["member_id"], r["due_on"])
        for r in await due(client, "?by=2026-12-06&station_id=" + str(raipur_station))
    ] == [
        (kamla["id"], "2026-12-06"),
        (sita["id"], "2026-12-06"),
    ]
    # A visit recorded late (before the latest one) does not move the schedule back.
    late = await visit(client, sita["id"], "2026-12-01T11:00:00+05:30")
    assert late["next_visit_due"] == "2026-12-06"
    longer = await client.patch(
        f"/api/v1/seniors/{kamla['id']}", json={"visit_interval_days": 14}, headers=op()
    )
    assert longer.json()["next_visit_due"] == "2026-12-13"
    # The SQL behind the due list and the pure rule agree.
    assert [r["due_on"] for r in await due(client, "?by=2026-12-31&station_id=" + str(raipur_station))] == [
        "2026-12-06",
        "2026-12-13",
    ]
    future = await visit(client, sita["id"], "2026-12-04T00:15:00+05:30", expect=422)
    assert future["detail"].startswith("visited_at")
    assert await conn.fetchval("SELECT count(*) FROM senior_visits") == 2


async def test_visits_are_for_verified_active_members_only(client: httpx.AsyncClient) -> None:
    pending = await apply(client)
    refused = await visit(client, pending["id"], AFTER_APPLYING, expect=409)
    assert refused["detail"].startswith("status")
    await decide(client, pending["id"])
    twice = await visit(
        client,
        pending["id"],
        AFTER_APPLYING,
        needs=[{"kind": "groceries", "met": False}, {"kind": "Groceries", "met": True}],
        expect=422,
    )
    assert twice["detail"].startswith("needs")


async def test_needs_unmet_too_long_are_lapses_until_a_visit_meets_them(
    clock: time_machine.Traveller, client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    kamla = await member(client)
    sita = await member(client, name="Sita Bai", phones=["+91 98270 22222"])
    await visit(
        client,
        kamla["id"],
        AFTER_APPLYING,
        needs=[{"kind": "groceries", "met": False}, {"kind": "medicine", "met": True}],
    )
    await visit(client, sita["id"], AFTER_APPLYING, needs=[{"kind": "health_check", "met": True}])
    sup = token("supervisor")
    assert (await client.get("/api/v1/oversight/lapses", headers=sup)).json() == []  # not unmet long enough

    clock.move_to(TEST_NOW + timedelta(hours=73))  # the default allows 72 hours
    sup = token("supervisor")
    [raipur] = (await client.get("/api/v1/oversight/lapses?group_by=district", headers=sup)).json()
    assert raipur["district"] == "Raipur"
    assert raipur["unmet_senior_needs"] == {"count": 1, "member_ids": [kamla["id"]]}
    assert raipur["total"] == 0 and raipur["incident_ids"] == []  # no incident lapsed
    [station] = (await client.get("/api/v1/oversight/lapses?group_by=station", headers=sup)).json()
    assert (station["station_id"], station["unmet_senior_needs"]["member_ids"]) == (
        kamla["station_id"],
        [kamla["id"]],
    )
    [no_unit] = (await client.get("/api/v1/oversight/lapses?group_by=unit", headers=sup)).json()
    assert no_unit["unit_id"] is None and no_unit["unmet_senior_needs"]["count"] == 1
    stats = (await client.get("/api/v1/seniors/stats", headers=token("analyst"))).json()
    assert stats["total"]["unmet_needs"] == 1

    # Still unmet at the next visit: the need keeps its first day (no new clock); then it is met.
    await visit(client, kamla["id"], "2026-12-02T00:00:00+05:30", needs=[{"kind": "groceries", "met": False}])
    assert await conn.fetchval("SELECT count(*) FROM senior_needs WHERE met_at IS NULL") == 1
    lapses = (await client.get("/api/v1/oversight/lapses", headers=sup)).json()
    assert lapses[0]["unmet_senior_needs"]["member_ids"] == [kamla["id"]]
    await visit(client, kamla["id"], "2026-12-02T01:00:00+05:30", needs=[{"kind": "groceries", "met": True}])
    assert (await client.get("/api/v1/oversight/lapses", headers=sup)).json() == []


async def test_unmet_needs_are_reported_with_lapses_of_incidents_and_within_the_period(
    clock: time_machine.Traveller, client: httpx.AsyncClient, db_url: str
) -> None:
    kamla = await member(client)
    await visit(client, kamla["id"], AFTER_APPLYING, needs=[{"kind": "complaint", "met": False}])
    clock.move_to(TEST_NOW + timedelta(minutes=10))
    async with client_with(db_url, samarpan_unmet_need_hours=0.1) as strict:  # six minutes
        sup = token("supervisor")
        [raipur] = (await strict.get("/api/v1/oversight/lapses", headers=sup)).json()
        assert raipur["unmet_senior_needs"]["member_ids"] == [kamla["id"]]
        assert (await strict.get("/api/v1/oversight/lapses?from=2026-11-30", headers=sup)).json() == []
        assert (await strict.get("/api/v1/oversight/lapses?from=2026-11-29", headers=sup)).json() != []


# ------------------------------------------------------------------------------------- privacy


async def test_members_are_seen_by_their_districts_operators_and_supervisors_only(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    kamla = await member(client)
    ram = await member(
        client, name="Ram Prasad", phones=["+91 98270 33333"], district="Durg", lat=DURG[0], lon=DURG[1]
    )
    path = f"/api/v1/seniors/{kamla['id']}"
    for headers in (op("Raipur"), op(), token("supervisor")):
        r = await client.get(path, headers=headers)
        assert r.status_code == 200 and r.json()["conditions"] == ["diabetes"]
    durg = op("Durg")
    assert (await client.get(path, headers=durg)).status_code == 403
    for method, url, body in (
        ("PATCH", path, {"mobility": "bedridden"}),
        ("DELETE", path, None),
        ("POST", path + "/verification", {"outcome": "rejected", "reason": "x"}),
        ("POST", path + "/visits", {"visited_at": IST_NOW, "outcome": "well"}),
    ):
        r = await client.request(method, url, headers=durg, json=body)
        assert r.status_code == 403, (method, url, r.text)
    assert (await apply(client, expect=403, headers=durg, phones=["+91 98270 44444"]))["detail"]
    listed = (await client.get("/api/v1/seniors", headers=durg)).json()
    assert [m["id"] for m in listed] == [ram["id"]]
    assert (await client.get("/api/v1/seniors?district=Raipur", headers=durg)).json() == []
    assert [r["member_id"] for r in await due(client, "?by=2027-01-01", headers=durg)] == [ram["id"]]
    assert await due(client, "?by=2027-01-01&district=Raipur", headers=durg) == []
    everyone = (await client.get("/api/v1/seniors", headers=token("supervisor"))).json()
    assert [m["id"] for m in everyone] == [kamla["id"], ram["id"]]
    assert "conditions" not in everyone[0] and "phones" not in everyone[0]  # lists carry no health data

    for role in ("analyst", "responder", "admin"):
        headers = token(role, unit_id=1) if role == "responder" else token(role)
        assert (await client.get(path, headers=headers)).status_code == 403, role
        assert (await client.get("/api/v1/seniors", headers=headers)).status_code == 403, role
    stats = (await client.get("/api/v1/seniors/stats", headers=token("analyst"))).json()
    assert stats["on"] == "2026-11-29"
    assert [(d["district"], d["verified"]) for d in stats["districts"]] == [
        ("Bilaspur", 0),
        ("Durg", 1),
        ("Raipur", 1),
    ]
    assert "Kamla" not in json.dumps(stats)
    scoped = (await client.get("/api/v1/seniors/stats", headers=token("analyst", district="Durg"))).json()
    assert [d["district"] for d in scoped["districts"]] == ["Durg"]


async def test_every_read_of_a_profile_is_audited(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    kamla = await member(client)
    supervisor = token("supervisor", subject="hq-anita")
    for _ in range(2):
        assert (await client.get(f"/api/v1/seniors/{kamla['id']}", headers=supervisor)).status_code == 200
    assert (await client.get(f"/api/v1/seniors/{kamla['id']}", headers=op("Durg"))).status_code == 403
    views = [e for e in await events(conn) if e["kind"] == "senior.viewed"]
    assert len(views) == 2
    assert all(
        e["actor"].startswith("supervisor:hq-anita#") and e["data"] == {"member_id": kamla["id"]}
        for e in views
    )
    await client.get("/api/v1/seniors", headers=supervisor)
    [listing] = [e for e in await events(conn) if e["kind"] == "senior.listed"]
    assert listing["data"] == {"member_ids": [kamla["id"]]}


async def test_an_update_changes_the_profile_and_checks_what_it_changes(client: httpx.AsyncClient) -> None:
    kamla = await member(client)
    path = f"/api/v1/seniors/{kamla['id']}"
    r = await client.patch(
        path,
        json={
            "conditions": ["diabetes", "hypertension"],
            "mobility": None,
            "phones": ["+91 98270 12345", "0771 2345678"],
            "emergency_contacts": [{"name": "Meena", "relation": "daughter", "phone": "098271 00000"}],
        },
        headers=op(),
    )
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["conditions"] == ["diabetes", "hypertension"] and updated["mobility"] is None
    assert updated["phones"] == [KAMLA, "+917712345678"]
    assert updated["emergency_contacts"][0]["phone"] == "+919827100000"
    incident = (await call(client, caller_number="0771-2345678", category="medical", priority=3))["incident"]
    assert incident["senior"]["conditions"] == ["diabetes", "hypertension"]
    for body, field in (
        ({"district": "Korba"}, "district"),
        ({"date_of_birth": "1970-01-01"}, "date_of_birth"),
        ({"name": None}, "body"),
        ({"phones": ["123"]}, "phones.0"),
        ({"lat": 21.0}, "body"),
        ({"consent": {"given_at": IST_NOW, "channel": "web"}}, "consent"),
    ):
        bad = await client.patch(path, json=body, headers=op())
        assert bad.status_code == 422 and bad.json()["detail"].startswith(field), (body, bad.text)
    moved = await client.patch(path, json={"district": "Durg", "lat": DURG[0], "lon": DURG[1]}, headers=op())
    assert moved.status_code == 200 and moved.json()["district"] == "Durg"
    assert moved.json()["station_id"] != kamla["station_id"]  # the new district's station
    assert (await client.get(path, headers=op("Raipur"))).status_code == 403
    assert (
        await client.patch(f"/api/v1/seniors/{kamla['id'] + 100}", json={}, headers=op())
    ).status_code == 404


async def test_erasure_removes_the_members_data_records_the_erasure_and_frees_the_number(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    kamla = await member(client)
    await visit(client, kamla["id"], AFTER_APPLYING, needs=[{"kind": "medicine", "met": False}])
    flagged = (await call(client, key="call-1", caller_number=KAMLA, category="medical", priority=3))[
        "incident"
    ]
    assert flagged["senior"]["name"] == "Kamla Bai"

    erased = await client.delete(f"/api/v1/seniors/{kamla['id']}", headers=op("Raipur"))
    assert erased.status_code == 200, erased.text
    assert erased.json()["id"] == kamla["id"] and erased.json()["erased"] is True
    assert (await client.get(f"/api/v1/seniors/{kamla['id']}", headers=op())).status_code == 404
    assert (await client.delete(f"/api/v1/seniors/{kamla['id']}", headers=op())).status_code == 404
    for table in ("senior_members", "senior_phones", "senior_visits", "senior_needs"):
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    read = (await client.get(f"/api/v1/incidents/{flagged['id']}", headers=op())).json()
    assert read["senior"] is None
    # The stored answer to a retried call no longer carries her either.
    retried = await call(
        client, expect=200, key="call-1", caller_number=KAMLA, category="medical", priority=3
    )
    assert retried["incident"]["id"] == flagged["id"] and retried["incident"]["senior"] is None
    everything = " ".join(
        [json.dumps(dict(r), default=str) for r in await conn.fetch("SELECT data, actor FROM events")]
        + [json.dumps(dict(r), default=str) for r in await conn.fetch("SELECT * FROM idempotency_keys")]
    )
    for personal in ("Kamla", "diabetes", "Ramesh", "Tatibandh", "stick"):
        assert personal not in everything, personal
    [erasure] = [e for e in await events(conn) if e["kind"] == "senior.erased"]
    assert erasure["data"] == {"member_id": kamla["id"]} and erasure["actor"].startswith("operator:")

    # Her number now behaves like anyone's: no home to fall back on, no summary, no bump.
    assert (await call(client, expect=422, caller_number=KAMLA))["detail"].startswith("location")
    plain = (await call(client, caller_number=KAMLA, lat=21.30, lon=81.70, category="medical", priority=3))[
        "incident"
    ]
    assert (plain["senior"], plain["priority"], plain["location_source"]) == (None, 3, "caller")
    assert (await apply(client))["status"] == "pending"  # and she may apply again


async def test_an_erasure_racing_a_members_call_waits_for_it_and_then_clears_its_summary(
    client: httpx.AsyncClient, conn: asyncpg.Connection, db_url: str
) -> None:
    kamla = await member(client)
    pool = await create_pool(db_url, 1, 1)
    try:
        async with transaction(pool) as call_tx:
            # The call has found her (and holds her row) but has not written its incident yet.
            found = await intake.calling_member(call_tx, "098270 12345")
            assert found is not None and found.id == kamla["id"]
            erasure = asyncio.create_task(client.delete(f"/api/v1/seniors/{kamla['id']}", headers=op()))
            for _ in range(500):  # until the erasure is queued behind the call's lock
                waiting = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
                if waiting:
                    break
                await asyncio.sleep(0.01)
            assert waiting == 1 and not erasure.done()
            incident = {
                "status": "queued",
                "category": "medical",
                "secondary": [],
                "priority": 2,
                "triage": {},
                "district": "Raipur",
                "area_type": "urban",
                "target_minutes": 16.0,
                "lat": HOME[0],
                "lon": HOME[1],
                "address": None,
                "received_at": TEST_NOW,
                "caller_number": KAMLA,
                "duplicate_of": None,
                "pending": ["medical"],
                "needs_review": False,
                "created_by": "operator:test",
                "location_source": "registered_home",
                "senior": found.summary(date(2026, 11, 29)).as_dict(),
            }
            # Without the look-up's lock the erasure would already have deleted her, and this insert
            # would fail on the foreign key: an emergency call lost to a privacy request.
            incident_id, _, _ = await incidents_repo.insert_incident_with_call(
                call_tx, incident, {"text": "gir gayi", "channel": "voice", "idempotency_key": None}
            )
        assert (await erasure).status_code == 200
    finally:
        await pool.close()
    assert await conn.fetchval("SELECT senior IS NULL FROM incidents WHERE id = $1", incident_id)
    assert await conn.fetchval("SELECT count(*) FROM senior_members") == 0


async def test_the_phase_is_configuration_and_a_misnamed_district_is_the_deployments_fault(
    clock: time_machine.Traveller, db_url: str
) -> None:
    async with client_with(db_url, samarpan_districts=["Korba", "Raipurr"]) as client:
        korba = await apply(client, district="korba", lat=22.35, lon=82.68, address="Kosabadi, Korba")
        assert korba["district"] == "Korba"  # the configured spelling
        assert (await apply(client, expect=422, phones=["+91 98270 55555"]))["detail"].startswith("district")
        typo = await apply(client, expect=503, district="Raipurr", phones=["+91 98270 66666"])
        assert "DIAL112_SAMARPAN_DISTRICTS" in typo["detail"]
