"""District-scoped tokens: every list and feed shows only the token's district; other records are 403."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from tests.conftest import make_settings, token
from tests.integration.asgi import streaming
from tests.integration.helpers import RAIPUR, add_unit, post_call

DURG = (21.19, 81.28)


@pytest.fixture
def settings(db_url: str) -> Settings:
    """No watchdog rounds: nothing moves behind the test's back."""
    return make_settings(db_url, ack_check_interval_seconds=3600)


def ids(response: httpx.Response, key: str = "id") -> set[int]:
    assert response.status_code == 200, response.text
    return {row[key] for row in response.json()}


async def test_lists_show_only_the_token_district_and_asking_for_another_is_403(
    client: httpx.AsyncClient,
) -> None:
    # Both calls wait in the queue (no unit yet), so both are at risk too.
    raipur = (await post_call(client))["incident"]
    durg = (await post_call(client, lat=DURG[0], lon=DURG[1]))["incident"]
    assert (raipur["district"], durg["district"]) == ("Raipur", "Durg")
    r_op, d_sup = token("operator", district="Raipur"), token("supervisor", district="Durg")
    state = token("supervisor")

    assert ids(await client.get("/api/v1/incidents", headers=r_op)) == {raipur["id"]}
    assert ids(await client.get("/api/v1/incidents", headers=d_sup)) == {durg["id"]}
    assert ids(await client.get("/api/v1/incidents", headers=state)) == {raipur["id"], durg["id"]}
    assert ids(await client.get("/api/v1/incidents?district=Raipur", headers=r_op)) == {raipur["id"]}
    refused = await client.get("/api/v1/incidents?district=Durg", headers=r_op)
    assert refused.status_code == 403 and "Raipur" in refused.json()["detail"]

    at_risk = "/api/v1/incidents/at-risk"
    assert ids(await client.get(at_risk, headers=r_op), "incident_id") == {raipur["id"]}
    assert ids(await client.get(at_risk, headers=state), "incident_id") == {raipur["id"], durg["id"]}

    r_unit = await add_unit(client)  # takes the Raipur call from the queue
    d_unit = await add_unit(client, lat=DURG[0], lon=DURG[1], district="Durg")
    assert ids(await client.get("/api/v1/units", headers=r_op)) == {r_unit["id"]}
    assert ids(await client.get("/api/v1/units", headers=d_sup)) == {d_unit["id"]}
    assert (await client.get("/api/v1/units?district=Durg", headers=r_op)).status_code == 403

    lapses = (await client.get("/api/v1/oversight/lapses", headers=d_sup)).json()
    assert {row["district"] for row in lapses} <= {"Durg"}
    volumes = await client.get("/api/v1/analytics/volumes?group_by=district", headers=d_sup)
    assert [row["district"] for row in volumes.json()] == ["Durg"]
    analyst = token("analyst", district="Durg")
    assert (await client.get("/api/v1/analytics/volumes?district=Raipur", headers=analyst)).status_code == 403
    assert (
        await client.get("/api/v1/analytics/response-times?district=Durg,Raipur", headers=analyst)
    ).status_code == 403


async def test_another_district_record_is_403_and_its_own_is_served(client: httpx.AsyncClient) -> None:
    r_unit = await add_unit(client)
    d_unit = await add_unit(client, lat=DURG[0], lon=DURG[1], district="Durg")
    raipur = (await post_call(client))["incident"]
    r_op, d_op = token("operator", district="Raipur"), token("operator", district="Durg")

    for path in (f"/api/v1/incidents/{raipur['id']}", f"/api/v1/incidents/{raipur['id']}/clock"):
        assert (await client.get(path, headers=r_op)).status_code == 200
        refused = await client.get(path, headers=d_op)
        assert refused.status_code == 403 and "Durg" in refused.json()["detail"]
    assert (await client.get("/api/v1/incidents/999999", headers=d_op)).status_code == 404

    close = f"/api/v1/incidents/{raipur['id']}/close"
    assert (await client.post(close, json={"disposition": "x"}, headers=d_op)).status_code == 403
    step = {"status": "en_route"}
    moved = await client.post(f"/api/v1/units/{r_unit['id']}/status", json=step, headers=d_op)
    assert moved.status_code == 403
    # A Raipur operator may not send Durg's vehicle (the state control room may).
    assign = f"/api/v1/incidents/{raipur['id']}/assign"
    body = {"unit_id": d_unit["id"], "service": "police"}
    refused = await client.post(assign, json=body, headers=r_op)
    assert refused.status_code == 403 and "unit_id" in refused.json()["detail"]
    assert (await client.post(assign, json=body, headers=token("operator"))).status_code == 200
    assert (await client.post(close, json={"disposition": "x"}, headers=r_op)).status_code == 200

    # A district admin registers units and sets targets for its own district only.
    d_admin = token("admin", district="Durg")
    unit = {"callsign": "D-1", "type": "ambulance", "district": "Raipur", "lat": RAIPUR[0], "lon": RAIPUR[1]}
    assert (await client.post("/api/v1/units", json=unit, headers=d_admin)).status_code == 403
    unit |= {"district": "Durg", "lat": DURG[0], "lon": DURG[1]}
    assert (await client.post("/api/v1/units", json=unit, headers=d_admin)).status_code == 201
    target: dict[str, Any] = {"area_type": "urban", "minutes": 12}
    assert (await client.post("/api/v1/targets", json=target, headers=d_admin)).status_code == 403
    target["district"] = "Durg"
    assert (await client.post("/api/v1/targets", json=target, headers=d_admin)).status_code == 201


async def test_a_district_gateway_reports_its_own_units_only(client: httpx.AsyncClient) -> None:
    r_unit = await add_unit(client)
    d_unit = await add_unit(client, lat=DURG[0], lon=DURG[1], district="Durg")
    fixes = [
        {"unit_id": r_unit["id"], "lat": RAIPUR[0], "lon": RAIPUR[1]},
        {"unit_id": d_unit["id"], "lat": DURG[0], "lon": DURG[1]},
    ]
    r = await client.post("/api/v1/units/locations", json=fixes, headers=token("operator", district="Raipur"))
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["accepted"] == 1
    assert [(x["index"], x["unit_id"]) for x in result["rejected"]] == [(1, d_unit["id"])]
    assert "Durg" in result["rejected"][0]["reason"]


async def test_a_district_console_gets_its_district_and_the_state_alerts_only(
    app: FastAPI, client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    await add_unit(client)
    d_op = token("operator", district="Durg")
    refused = await client.get("/api/v1/events?district=Raipur", headers=d_op)
    assert refused.status_code == 403
    async with streaming(app, "/api/v1/events", d_op) as durg_console:
        assert durg_console.status == 200
        raipur = (await post_call(client))["incident"]
        await conn.execute(
            "INSERT INTO events (kind, actor, data) VALUES ('system.ack_outage', 'test', '{}')"
        )
        durg = (await post_call(client, lat=DURG[0], lon=DURG[1]))["incident"]
        await durg_console.wait_for(f'"incident_id": {durg["id"]}')
        await durg_console.wait_for("event: system.ack_outage")
    assert f'"incident_id": {raipur["id"]}' not in durg_console.text
    assert '"district": "Raipur"' not in durg_console.text
