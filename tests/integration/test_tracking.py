"""GPS fixes and unit-scoped permissions over real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from tests.conftest import token
from tests.integration.helpers import RAIPUR, add_unit, offset, post_call


def at(seconds_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat()


async def registered_earlier(conn: asyncpg.Connection) -> None:
    """Units were registered ten minutes ago (fixes in these tests come after their registered position)."""
    await conn.execute("UPDATE units SET position_at = $1", datetime.now(UTC) - timedelta(minutes=10))


async def test_own_fix_moves_the_unit_and_is_kept_in_history(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    unit = await add_unit(client)
    await registered_earlier(conn)
    lat, lon = offset(*RAIPUR, north_km=0.5)
    r = await client.post(
        f"/api/v1/units/{unit['id']}/location",
        json={"lat": lat, "lon": lon, "recorded_at": at(1), "speed_kmh": 30, "heading": 90},
        headers=token("responder", unit["id"]),
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 1, "moved": 1, "rejected": []}
    row = await conn.fetchrow("SELECT lat, lon FROM units WHERE id = $1", unit["id"])
    assert row is not None and (row["lat"], row["lon"]) == (lat, lon)
    assert await conn.fetchval("SELECT count(*) FROM unit_positions WHERE unit_id = $1", unit["id"]) == 1


async def test_late_older_fix_goes_to_history_only(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    unit = await add_unit(client)
    await registered_earlier(conn)
    headers = token("responder", unit["id"])
    new = offset(*RAIPUR, north_km=0.3)
    old = offset(*RAIPUR, north_km=0.1)
    await client.post(
        f"/api/v1/units/{unit['id']}/location",
        json={"lat": new[0], "lon": new[1], "recorded_at": at(5)},
        headers=headers,
    )
    r = await client.post(
        f"/api/v1/units/{unit['id']}/location",
        json={"lat": old[0], "lon": old[1], "recorded_at": at(60)},
        headers=headers,
    )
    assert r.json() == {"accepted": 1, "moved": 0, "rejected": []}
    row = await conn.fetchrow("SELECT lat, position_at FROM units WHERE id = $1", unit["id"])
    assert row is not None and row["lat"] == new[0]
    assert await conn.fetchval("SELECT count(*) FROM unit_positions WHERE unit_id = $1", unit["id"]) == 2


async def test_batch_reports_each_rejection(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    a = await add_unit(client)
    b = await add_unit(client, *offset(*RAIPUR, east_km=2))
    await registered_earlier(conn)
    first = [{"unit_id": b["id"], "lat": RAIPUR[0], "lon": RAIPUR[1], "recorded_at": at(30)}]
    assert (await client.post("/api/v1/units/locations", json=first, headers=token("operator"))).json()[
        "accepted"
    ]
    near = offset(*RAIPUR, north_km=0.2)
    items = [
        {"unit_id": a["id"], "lat": near[0], "lon": near[1], "recorded_at": at(10)},  # ok
        {"unit_id": a["id"], "lat": 95.0, "lon": 81.6, "recorded_at": at(9)},  # impossible coordinates
        {"unit_id": b["id"], "lat": 22.08, "lon": 82.14, "recorded_at": at(8)},  # Bilaspur 100 km in seconds
        {"unit_id": b["id"], "lat": RAIPUR[0], "lon": RAIPUR[1], "recorded_at": "2099-01-01T00:00:00+00:00"},
        {"unit_id": 999999, "lat": RAIPUR[0], "lon": RAIPUR[1], "recorded_at": at(5)},  # unknown unit
        {"unit_id": a["id"], "lat": "north", "lon": 81.6},  # malformed
        "not an object",
        {"unit_id": b["id"], "lat": RAIPUR[0], "lon": RAIPUR[1] + 0.005, "recorded_at": at(4)},  # ok: 70 km/h
    ]
    r = await client.post("/api/v1/units/locations", json=items, headers=token("operator"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 2
    reasons = {x["index"]: x["reason"] for x in body["rejected"]}
    assert sorted(reasons) == [1, 2, 3, 4, 5, 6]
    assert "coordinates" in reasons[1]
    assert "speed" in reasons[2]
    assert "future" in reasons[3]
    assert reasons[4] == "unknown unit"
    assert reasons[5].startswith("lat")
    assert await conn.fetchval("SELECT count(*) FROM unit_positions") == 3


async def test_batch_must_be_a_list_of_bounded_size(client: httpx.AsyncClient) -> None:
    op = token("operator")
    assert (await client.post("/api/v1/units/locations", json={"unit_id": 1}, headers=op)).status_code == 422
    too_many = [{"unit_id": 1, "lat": 21.0, "lon": 81.0}] * 10_001
    r = await client.post("/api/v1/units/locations", json=too_many, headers=op)
    assert r.status_code == 422 and "at most" in r.json()["detail"]
    assert (
        await client.post("/api/v1/units/locations", json=[], headers=token("responder", 1))
    ).status_code == 403


async def test_single_fix_rejection_is_422_with_the_reason(client: httpx.AsyncClient) -> None:
    unit = await add_unit(client)
    r = await client.post(
        f"/api/v1/units/{unit['id']}/location",
        json={"lat": 0.0, "lon": 0.0},
        headers=token("responder", unit["id"]),
    )
    assert r.status_code == 422 and "coordinates" in r.json()["detail"]


async def test_every_unit_scoped_endpoint_is_403_for_another_units_token(client: httpx.AsyncClient) -> None:
    mine = await add_unit(client)
    other = await add_unit(client, *offset(*RAIPUR, north_km=3))
    headers = token("responder", mine["id"])
    oid = other["id"]
    calls = [
        ("POST", f"/api/v1/units/{oid}/location", {"lat": 21.25, "lon": 81.63}),
        ("POST", f"/api/v1/units/{oid}/status", {"status": "out_of_service"}),
        ("POST", f"/api/v1/units/{oid}/acknowledge", {}),
        ("GET", f"/api/v1/units/{oid}/events", None),
    ]
    for method, path, body in calls:
        r = await client.request(method, path, json=body, headers=headers)
        assert r.status_code == 403, (path, r.status_code)
    # an operator may not post a unit's own GPS either; only its device does
    r = await client.post(
        f"/api/v1/units/{oid}/location", json={"lat": 21.25, "lon": 81.63}, headers=token("operator")
    )
    assert r.status_code == 403


async def test_acknowledge(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    unit = await add_unit(client)
    headers = token("responder", unit["id"])
    assert (await client.post(f"/api/v1/units/{unit['id']}/acknowledge", headers=headers)).status_code == 409
    incident = (await post_call(client))["incident"]
    r = await client.post(f"/api/v1/units/{unit['id']}/acknowledge", headers=headers)
    assert r.status_code == 200 and r.json()["incident_id"] == incident["id"]
    assert await conn.fetchval("SELECT acknowledged_at IS NOT NULL FROM assignments") is True
    again = await client.post(f"/api/v1/units/{unit['id']}/acknowledge", headers=headers)
    assert again.status_code == 200
    assert await conn.fetchval("SELECT count(*) FROM events WHERE kind = 'assignment.acknowledged'") == 1
