"""Call intake and dispatch over real PostgreSQL: nearest unit, queue, duplicates, lifecycle, operators."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from tests.conftest import token
from tests.integration.helpers import RAIPUR, add_unit, ago, move, offset, post_call


async def counts(conn: asyncpg.Connection) -> tuple[int, int, int, int]:
    return (
        await conn.fetchval("SELECT count(*) FROM incidents"),
        await conn.fetchval("SELECT count(*) FROM calls"),
        await conn.fetchval("SELECT count(*) FROM assignments"),
        await conn.fetchval("SELECT count(*) FROM events WHERE kind NOT LIKE 'unit.registered'"),
    )


async def test_call_gets_the_unit_that_arrives_first(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    far = await add_unit(client, lat=offset(*RAIPUR, north_km=6)[0], lon=RAIPUR[1])
    near = await add_unit(client, lat=offset(*RAIPUR, east_km=1.5)[0], lon=offset(*RAIPUR, east_km=1.5)[1])
    await add_unit(client, "ambulance", *offset(*RAIPUR, east_km=0.2))  # closer, but cannot serve police
    result = await post_call(client)
    incident = result["incident"]
    assert incident["status"] == "dispatched"
    assert (incident["district"], incident["area_type"], incident["target_minutes"]) == (
        "Raipur",
        "urban",
        16,
    )
    [a] = incident["assignments"]
    assert a["unit_id"] == near["id"] and a["unit_type"] == "police_erv" and a["status"] == "dispatched"
    assert 1.3 < a["distance_km"] < 1.7
    # ETA = 60 s turnout + 1.5 km × 1.3 ÷ 25 km/h.
    assert a["eta_minutes"] == pytest.approx(1 + 1.5 * 1.3 / 25 * 60, abs=0.3)
    units = {
        u["id"]: u["status"] for u in (await client.get("/api/v1/units", headers=token("operator"))).json()
    }
    assert units[near["id"]] == "dispatched" and units[far["id"]] == "available"
    kinds = [
        r["kind"]
        for r in await conn.fetch(
            "SELECT kind FROM events WHERE incident_id = $1 ORDER BY id", incident["id"]
        )
    ]
    assert kinds == ["incident.created", "assignment.created"]
    actor = await conn.fetchval("SELECT actor FROM events WHERE kind = 'incident.created'")
    assert actor.startswith("operator:")


async def test_district_borders_do_not_block_a_nearer_unit(client: httpx.AsyncClient) -> None:
    # A call in Raipur district near the Durg border, a Durg unit 2 km away, a Raipur unit 15 km away.
    call_at = (21.2380, 81.4600)
    durg_unit = await add_unit(client, lat=21.2200, lon=81.4450, district="Durg")
    await add_unit(client, lat=21.2514, lon=81.6296)
    incident = (await post_call(client, lat=call_at[0], lon=call_at[1]))["incident"]
    assert incident["assignments"][0]["unit_id"] == durg_unit["id"]


async def test_secondary_service_gets_its_own_unit(client: httpx.AsyncClient) -> None:
    await add_unit(client, "police_erv", *offset(*RAIPUR, north_km=1))
    ambulance = await add_unit(client, "ambulance", *offset(*RAIPUR, north_km=2))
    incident = (
        await post_call(
            client, category=None, text="road accident, truck hit a bike, two people badly injured"
        )
    )["incident"]
    services = sorted(a["service"] for a in incident["assignments"])
    assert incident["category"] == "medical" and "police" in incident["secondary"]
    assert services == ["medical", "police"]
    assert next(a for a in incident["assignments"] if a["service"] == "medical")["unit_id"] == ambulance["id"]


async def test_women_call_prefers_women_safety_unit_else_police(client: httpx.AsyncClient) -> None:
    erv = await add_unit(client, "police_erv", *offset(*RAIPUR, north_km=0.5))
    first = (await post_call(client, category="women", caller_number="+919800000001"))["incident"]
    assert first["assignments"][0]["unit_id"] == erv["id"]  # no women-safety unit free: the ERV serves
    ws = await add_unit(client, "women_safety", *offset(*RAIPUR, north_km=3))
    second = (await post_call(client, category="women", lat=21.30, lon=81.63))["incident"]
    assert second["assignments"][0]["unit_id"] == ws["id"]


async def test_stale_units_are_not_sent(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    stale = await add_unit(client, lat=RAIPUR[0], lon=RAIPUR[1])
    fresh = await add_unit(client, *offset(*RAIPUR, north_km=5))
    await conn.execute(
        "UPDATE units SET position_at = $2 WHERE id = $1",
        stale["id"],
        datetime.now(UTC) - timedelta(minutes=31),
    )
    incident = (await post_call(client))["incident"]
    assert incident["assignments"][0]["unit_id"] == fresh["id"]


async def test_no_unit_means_queued_and_a_new_unit_takes_it(client: httpx.AsyncClient) -> None:
    incident = (await post_call(client))["incident"]
    assert (
        incident["status"] == "queued" and incident["assignments"] == [] and incident["pending"] == ["police"]
    )
    unit = await add_unit(client)
    assert unit["status"] == "dispatched"
    got = (await client.get(f"/api/v1/incidents/{incident['id']}", headers=token("operator"))).json()
    assert got["status"] == "dispatched" and got["assignments"][0]["unit_id"] == unit["id"]
    assert got["pending"] == []


async def test_freed_unit_takes_the_highest_priority_then_oldest(client: httpx.AsyncClient) -> None:
    unit = await add_unit(client)
    first = (await post_call(client, priority=2))["incident"]
    assert first["status"] == "dispatched"
    low_old = (await post_call(client, priority=3, lat=21.26, received_at=ago(5)))["incident"]
    high_new = (await post_call(client, priority=1, lat=21.27, received_at=ago(1)))["incident"]
    high_old = (await post_call(client, priority=1, lat=21.28, received_at=ago(3)))["incident"]
    assert {low_old["status"], high_new["status"], high_old["status"]} == {"queued"}
    order = []
    for _ in range(3):
        await move(client, unit["id"], "on_scene")
        await move(client, unit["id"], "available")
        unit_incident = (
            await client.get("/api/v1/units?status=dispatched", headers=token("operator"))
        ).json()
        assert len(unit_incident) == 1
        current = [
            i["id"]
            for i in (
                await client.get("/api/v1/incidents?status=dispatched", headers=token("operator"))
            ).json()
        ]
        order.append(current[0])
    assert order == [high_old["id"], high_new["id"], low_old["id"]]


async def test_triaged_priority_orders_the_queue(client: httpx.AsyncClient) -> None:
    # No priority (nor category) given: the classifier's acuity decides who a freed unit serves first.
    unit = await add_unit(client)
    first = (await post_call(client, category=None))["incident"]
    assert first["status"] == "dispatched"
    texts = {
        3: "Someone stole my bicycle from outside the shop last week",
        2: "Some boys are creating a nuisance with loud music in the lane",  # urgent, nobody in danger
        1: "A man is waving a gun at people in the market right now",
    }
    queued = {}
    for minutes, (priority, text) in zip((5, 3, 1), texts.items(), strict=True):
        lat = RAIPUR[0] + 0.01 * priority  # apart, so no call is taken for a repeat of another
        body = (await post_call(client, category=None, text=text, lat=lat, received_at=ago(minutes)))[
            "incident"
        ]
        assert (body["category"], body["priority"], body["status"]) == ("police", priority, "queued")
        assert body["triage"]["priority"] == priority and not body["triage"]["overridden"]
        queued[priority] = body["id"]
    order = []
    for _ in range(3):
        await move(client, unit["id"], "on_scene")
        await move(client, unit["id"], "available")
        current = (await client.get("/api/v1/incidents?status=dispatched", headers=token("operator"))).json()
        order.append(current[0]["id"])
    assert order == [queued[1], queued[2], queued[3]]


async def test_idempotency_key_returns_the_first_response(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    await add_unit(client)
    key = str(uuid.uuid4())
    first = await post_call(client, key=key, caller_number="+919811111111")
    before = await counts(conn)
    again = await post_call(client, expect=200, key=key, caller_number="+919811111111")
    assert again == first
    assert await counts(conn) == before
    response = await client.post(
        "/api/v1/calls",
        json={"text": "different", "lat": RAIPUR[0], "lon": RAIPUR[1], "caller_number": "+919811111111"},
        headers=token("operator") | {"Idempotency-Key": key},
    )
    assert response.status_code == 409 and "Idempotency-Key" in response.json()["detail"]
    assert await counts(conn) == before


async def test_repeat_calls_are_linked_not_dispatched(client: httpx.AsyncClient) -> None:
    await add_unit(client)
    await add_unit(client, *offset(*RAIPUR, north_km=3))
    first = (await post_call(client, caller_number="+919822222222"))["incident"]
    nearby = await post_call(client, caller_number="+919833333333", lat=offset(*RAIPUR, north_km=0.2)[0])
    assert nearby["incident"]["status"] == "duplicate" and nearby["incident"]["duplicate_of"] == first["id"]
    assert nearby["incident"]["assignments"] == []
    same_caller_far = await post_call(client, caller_number="+919822222222", lat=21.40, lon=81.70)
    assert same_caller_far["incident"]["duplicate_of"] == first["id"]
    other_service = await post_call(client, category="fire", caller_number="+919844444444")
    assert other_service["incident"]["status"] != "duplicate"
    far_away = await post_call(client, caller_number="+919855555555", lat=offset(*RAIPUR, north_km=1)[0])
    assert far_away["incident"]["status"] != "duplicate"
    got = (await client.get(f"/api/v1/incidents/{first['id']}", headers=token("operator"))).json()
    assert {c["id"] for c in got["calls"]} >= {nearby["call_id"], same_caller_far["call_id"]}
    assert len(got["calls"]) == 3

    unlinked = await client.post(
        f"/api/v1/incidents/{nearby['incident']['id']}/unlink", headers=token("operator")
    )
    assert unlinked.status_code == 200, unlinked.text
    body = unlinked.json()
    assert body["duplicate_of"] is None and body["status"] in ("dispatched", "queued")
    again = await client.post(
        f"/api/v1/incidents/{nearby['incident']['id']}/unlink", headers=token("operator")
    )
    assert again.status_code == 409


async def test_old_incident_is_not_a_duplicate(client: httpx.AsyncClient) -> None:
    await add_unit(client)
    await post_call(client, caller_number="+919866666666", received_at=ago(20))
    second = await post_call(client, caller_number="+919866666666")
    assert second["incident"]["status"] == "queued"


async def test_near_border_is_served_far_outside_is_referred(client: httpx.AsyncClient) -> None:
    unit = await add_unit(client, lat=21.05, lon=83.20, district="Mahasamund")
    # ~10 km outside the state's eastern edge (Odisha side): nearest district serves it.
    near = (await post_call(client, lat=21.05, lon=83.35))["incident"]
    assert near["status"] in ("dispatched", "queued") and near["district"]
    far = (await post_call(client, lat=20.2961, lon=85.8245))["incident"]  # Bhubaneswar
    assert far["status"] == "referred" and far["assignments"] == []
    assert unit["id"] not in [a["unit_id"] for a in far["assignments"]]


async def test_address_resolves_through_the_gazetteer(client: httpx.AsyncClient) -> None:
    result = await post_call(client, lat=None, lon=None, address="near AIIMS Raipur main gate")
    assert result["incident"]["address"] == "near AIIMS Raipur main gate"
    assert result["incident"]["lat"] == pytest.approx(21.258, abs=0.01)
    response = await client.post(
        "/api/v1/calls", json={"text": "help", "address": "Xyzzy Nagar phase 9"}, headers=token("operator")
    )
    assert response.status_code == 422 and "address" in response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat": 200}, "lat"),
        ({"lat": None, "lon": None}, "location"),
        ({"lon": None}, "lat and lon"),
        ({"channel": "carrier-pigeon"}, "channel"),
        ({"received_at": "2099-01-01T00:00:00+05:30"}, "received_at"),
        ({"received_at": "2026-01-01T00:00:00"}, "received_at"),
        ({"text": "x" * 4001}, "text"),
        ({"category": "army"}, "category"),
        ({"priority": 0}, "priority"),
        ({"caller_number": "call me maybe"}, "caller_number"),
    ],
)
async def test_bad_calls_are_422_and_write_nothing(
    client: httpx.AsyncClient, conn: asyncpg.Connection, change: dict[str, object], field: str
) -> None:
    await add_unit(client)
    body = {"text": "fight", "lat": RAIPUR[0], "lon": RAIPUR[1], "channel": "voice"} | change
    body = {k: v for k, v in body.items() if v is not None}
    response = await client.post(
        "/api/v1/calls", json=body, headers=token("operator") | {"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]
    assert await counts(conn) == (0, 0, 0, 0)
    assert await conn.fetchval("SELECT count(*) FROM idempotency_keys") == 0
    assert await conn.fetchval("SELECT count(*) FROM units WHERE status = 'available'") == 1


async def test_unknown_ids_are_404(client: httpx.AsyncClient) -> None:
    op = token("operator")
    assert (await client.get("/api/v1/incidents/999999", headers=op)).status_code == 404
    assert (
        await client.post("/api/v1/incidents/999999/close", json={"disposition": "x"}, headers=op)
    ).status_code == 404
    assert (
        await client.post("/api/v1/units/999999/status", json={"status": "en_route"}, headers=op)
    ).status_code == 404


async def test_roles_on_dispatch_endpoints(client: httpx.AsyncClient) -> None:
    unit = await add_unit(client)
    other = await add_unit(client, *offset(*RAIPUR, north_km=2))
    call = {"text": "fight", "lat": RAIPUR[0], "lon": RAIPUR[1]}
    for role in ("analyst", "supervisor"):
        assert (await client.post("/api/v1/calls", json=call, headers=token(role))).status_code == 403
    assert (
        await client.post("/api/v1/calls", json=call, headers=token("responder", unit["id"]))
    ).status_code == 403
    assert (await client.get("/api/v1/incidents", headers=token("analyst"))).status_code == 403
    own = await client.post(
        f"/api/v1/units/{unit['id']}/status",
        json={"status": "out_of_service"},
        headers=token("responder", unit["id"]),
    )
    assert own.status_code == 200
    foreign = await client.post(
        f"/api/v1/units/{other['id']}/status",
        json={"status": "out_of_service"},
        headers=token("responder", unit["id"]),
    )
    assert foreign.status_code == 403


async def test_lifecycle_stamps_each_step_and_the_response_clock(client: httpx.AsyncClient) -> None:
    unit = await add_unit(client, "ambulance")
    incident = (await post_call(client, category="medical", received_at=ago(12)))["incident"]
    assert incident["assignments"][0]["unit_id"] == unit["id"]
    for status in ("en_route", "on_scene", "transporting", "at_hospital", "available"):
        assert (await move(client, unit["id"], status))["status"] == status
    got = (await client.get(f"/api/v1/incidents/{incident['id']}", headers=token("operator"))).json()
    [a] = got["assignments"]
    assert all(
        a[k]
        for k in (
            "dispatched_at",
            "acknowledged_at",
            "en_route_at",
            "on_scene_at",
            "transporting_at",
            "at_hospital_at",
            "cleared_at",
        )
    )
    assert a["status"] == "cleared" and a["end_reason"] == "completed"
    assert got["status"] == "on_scene"
    assert 12 * 60 - 5 < got["response_seconds"] < 12 * 60 + 30
    assert got["within_target"] is True


@pytest.mark.parametrize(
    ("lat", "lon", "minutes_ago", "area", "within"),
    [
        (21.2514, 81.6296, 20, "urban", False),  # Raipur centre, 20 min > 16
        (21.65, 81.90, 20, "rural", True),  # village, 20 min < 28
        (21.65, 81.90, 30, "rural", False),
    ],
)
async def test_within_target_by_area_type(
    client: httpx.AsyncClient, lat: float, lon: float, minutes_ago: float, area: str, within: bool
) -> None:
    unit = await add_unit(client, lat=lat, lon=lon, district="Raipur" if area == "urban" else "Baloda Bazar")
    incident = (await post_call(client, lat=lat, lon=lon, received_at=ago(minutes_ago)))["incident"]
    assert incident["area_type"] == area
    await move(client, unit["id"], "on_scene")
    got = (await client.get(f"/api/v1/incidents/{incident['id']}", headers=token("operator"))).json()
    assert got["within_target"] is within
    assert got["response_seconds"] == pytest.approx(minutes_ago * 60, abs=30)
    # a unit that arrives without an en-route step has no en-route time (never back-filled)
    assert got["assignments"][0]["en_route_at"] is None


async def test_impossible_transitions_are_409_naming_the_state(client: httpx.AsyncClient) -> None:
    unit = await add_unit(client)
    await post_call(client)
    response = await client.post(
        f"/api/v1/units/{unit['id']}/status", json={"status": "at_hospital"}, headers=token("operator")
    )
    assert response.status_code == 409
    assert "dispatched" in response.json()["detail"] and response.json()["current_status"] == "dispatched"
    await move(client, unit["id"], "en_route")
    await move(client, unit["id"], "dispatched", expect=409)  # only dispatch itself sends a unit
    await move(client, unit["id"], "transporting", expect=409)


async def test_client_times_must_not_be_future_or_before_previous(client: httpx.AsyncClient) -> None:
    unit = await add_unit(client)
    await post_call(client, received_at=ago(10))
    await move(client, unit["id"], "en_route", expect=422, at="2099-01-01T00:00:00+00:00")
    await move(client, unit["id"], "en_route", expect=422, at=ago(60))
    await move(client, unit["id"], "en_route")
    await move(client, unit["id"], "on_scene", expect=422, at=ago(1))
    await move(client, unit["id"], "on_scene")


async def test_unit_withdrawn_before_arrival_is_replaced(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    first = await add_unit(client)
    second = await add_unit(client, *offset(*RAIPUR, north_km=4))
    incident = (await post_call(client))["incident"]
    assert incident["assignments"][0]["unit_id"] == first["id"]
    await move(client, first["id"], "out_of_service")
    got = (await client.get(f"/api/v1/incidents/{incident['id']}", headers=token("operator"))).json()
    assert [(a["unit_id"], a["end_reason"]) for a in got["assignments"]] == [
        (first["id"], "withdrawn"),
        (second["id"], None),
    ]
    assert got["status"] == "dispatched"


async def test_close_and_cancel_release_units_to_the_queue(client: httpx.AsyncClient) -> None:
    unit = await add_unit(client)
    first = (await post_call(client))["incident"]
    waiting = (await post_call(client, lat=21.27))["incident"]
    assert waiting["status"] == "queued"
    closed = await client.post(
        f"/api/v1/incidents/{first['id']}/close", json={"disposition": "resolved"}, headers=token("operator")
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["assignments"][0]["cleared_at"] is not None
    got = (await client.get(f"/api/v1/incidents/{waiting['id']}", headers=token("operator"))).json()
    assert got["status"] == "dispatched" and got["assignments"][0]["unit_id"] == unit["id"]
    cancelled = await client.post(
        f"/api/v1/incidents/{waiting['id']}/cancel", json={"reason": "hoax"}, headers=token("operator")
    )
    assert cancelled.json()["status"] == "cancelled"
    again = await client.post(
        f"/api/v1/incidents/{waiting['id']}/cancel", json={"reason": "hoax"}, headers=token("operator")
    )
    assert again.status_code == 409
    units = (await client.get("/api/v1/units", headers=token("operator"))).json()
    assert units[0]["status"] == "available"


async def test_manual_assign_and_reassign(client: httpx.AsyncClient) -> None:
    first = await add_unit(client)
    second = await add_unit(client, *offset(*RAIPUR, north_km=8))
    incident = (await post_call(client))["incident"]
    op = token("operator")
    busy = await client.post(
        f"/api/v1/incidents/{incident['id']}/assign", json={"unit_id": first["id"]}, headers=op
    )
    assert busy.status_code == 409 and "dispatched" in busy.json()["detail"]
    swapped = await client.post(
        f"/api/v1/incidents/{incident['id']}/assign",
        json={"unit_id": second["id"], "replace_unit_id": first["id"]},
        headers=op,
    )
    assert swapped.status_code == 200, swapped.text
    active = [a["unit_id"] for a in swapped.json()["assignments"] if a["cleared_at"] is None]
    assert active == [second["id"]]
    units = {u["id"]: u["status"] for u in (await client.get("/api/v1/units", headers=op)).json()}
    assert units == {first["id"]: "available", second["id"]: "dispatched"}


async def test_values_postgres_cannot_hold_are_422_not_500(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    op, big = token("operator"), 2**70
    assert (await client.get(f"/api/v1/incidents/{big}", headers=op)).status_code == 422
    assert (
        await client.post(f"/api/v1/units/{big}/status", json={"status": "en_route"}, headers=op)
    ).status_code == 422
    # The addressed incident is looked up (404 or 403) before the body is judged: address a real one.
    incident = (await post_call(client))["incident"]["id"]
    r = await client.post(f"/api/v1/incidents/{incident}/assign", json={"unit_id": big}, headers=op)
    assert r.status_code == 422 and "unit_id" in r.json()["detail"]
    nul = await client.post(
        "/api/v1/calls", json={"text": "fire\u0000", "lat": RAIPUR[0], "lon": RAIPUR[1]}, headers=op
    )
    assert nul.status_code == 422 and "cannot be stored" in nul.json()["detail"]
    ancient = await client.post(
        "/api/v1/calls",
        json={"text": "help", "lat": RAIPUR[0], "lon": RAIPUR[1], "received_at": "0001-01-01T00:00:00+00:00"},
        headers=op,
    )
    assert ancient.status_code == 422 and "received_at" in ancient.json()["detail"]
    assert await conn.fetchval("SELECT count(*) FROM incidents") == 1  # the one addressed above


@pytest.mark.parametrize("holder", ["risk marker", "linked call"])
async def test_the_queue_head_is_taken_even_while_another_transaction_touches_it(
    client: httpx.AsyncClient, conn: asyncpg.Connection, db_url: str, holder: str
) -> None:
    # Found under load: the risk sweep locked incident rows, and a freed unit (SKIP LOCKED) passed over
    # the most urgent waiting incident for a less urgent one.
    unit = await add_unit(client)
    await post_call(client, priority=2)  # keeps the unit busy
    head = (await post_call(client, priority=1, lat=21.27, received_at=ago(3)))["incident"]
    other = (await post_call(client, priority=3, lat=21.29, received_at=ago(4)))["incident"]
    assert (head["status"], other["status"]) == ("queued", "queued")

    from app.database import _init_connection
    from app.repositories import oversight as oversight_repo

    busy = await asyncpg.connect(db_url.replace("+asyncpg", ""))
    await _init_connection(busy)  # the service's JSON codecs
    try:
        tx = busy.transaction()
        await tx.start()
        if holder == "risk marker":
            marked = await oversight_repo.mark_risk(
                busy,
                "incident.at_risk",
                [head["id"]],
                [{"reason": "no_unit"}],
                datetime.now(UTC),
                "system:test",
            )
            assert marked == [head["id"]]
        else:  # a duplicate call being linked to the head incident (its foreign key's KEY SHARE lock)
            await busy.execute(
                "INSERT INTO calls (incident_id, caller_number, text, channel, received_at, lat, lon,"
                " created_by) VALUES ($1, '+919800000009', 'same fight', 'voice', $2, 21.27, 81.6296, 't')",
                head["id"],
                datetime.now(UTC),
            )
        await move(client, unit["id"], "on_scene")
        await move(client, unit["id"], "available")
        await tx.rollback()
    finally:
        await busy.close()
    taken = await conn.fetchval(
        "SELECT incident_id FROM assignments WHERE unit_id = $1 AND cleared_at IS NULL", unit["id"]
    )
    assert taken == head["id"]
