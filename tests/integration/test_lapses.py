"""Acknowledgement lapses: a lapsed incident returns to the queue; a mass lapse is a system fault."""

from __future__ import annotations

import json
from datetime import timedelta

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.security import utcnow
from app.services.watchdog import lapse_round
from tests.conftest import make_settings, token
from tests.integration.helpers import RAIPUR, add_unit, move, offset, post_call


@pytest.fixture
def settings(db_url: str) -> Settings:
    """The tests run the lapse rounds themselves, at the times they choose."""
    return make_settings(db_url, ack_check_interval_seconds=3600, mass_lapse_units=5)


async def lapse(app: FastAPI, settings: Settings) -> int:
    """One watchdog lapse round just after the acknowledgement timeout of anything dispatched now."""
    later = utcnow() + timedelta(seconds=settings.ack_timeout_seconds + 1)
    return await lapse_round(app.state.pool, app.state.dispatcher, later)


async def test_a_lapse_with_no_unit_free_puts_the_incident_back_in_the_queue(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection
) -> None:
    silent = await add_unit(client)
    incident = (await post_call(client))["incident"]
    assert incident["assignments"][0]["unit_id"] == silent["id"]

    assert await lapse(app, settings) == 1
    op = token("operator")
    now = (await client.get(f"/api/v1/incidents/{incident['id']}", headers=op)).json()
    assert now["status"] == "queued" and now["pending"] == ["police"]
    assert all(a["cleared_at"] is not None for a in now["assignments"])
    queued = (await client.get("/api/v1/incidents?status=queued", headers=op)).json()
    assert [i["id"] for i in queued] == [incident["id"]]
    kinds = await conn.fetch("SELECT kind FROM events WHERE incident_id = $1 ORDER BY id", incident["id"])
    assert [k["kind"] for k in kinds][-2:] == ["assignment.lapsed", "incident.queued"]

    backup = await add_unit(client)  # the next unit to come free takes it from the queue
    now = (await client.get(f"/api/v1/incidents/{incident['id']}", headers=op)).json()
    assert now["status"] == "dispatched" and now["pending"] == []
    assert [a["unit_id"] for a in now["assignments"] if a["cleared_at"] is None] == [backup["id"]]


async def test_a_unit_withdrawn_by_its_crew_with_no_other_free_also_requeues(
    client: httpx.AsyncClient,
) -> None:
    unit = await add_unit(client)
    incident = (await post_call(client))["incident"]
    await move(client, unit["id"], "out_of_service")
    now = (await client.get(f"/api/v1/incidents/{incident['id']}", headers=token("operator"))).json()
    assert now["status"] == "queued" and now["pending"] == ["police"]


async def test_a_mass_lapse_alerts_supervisors_and_grounds_no_unit(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection
) -> None:
    # Six crews, each sent to a call at its own post, 5 km apart: then the responder app goes down.
    units, incidents = [], []
    for n in range(6):
        lat, lon = offset(*RAIPUR, east_km=5.0 * (n - 3))
        units.append((await add_unit(client, lat, lon))["id"])
        call = await post_call(client, lat=lat, lon=lon)
        incidents.append(call["incident"]["id"])
        assert call["incident"]["assignments"][0]["unit_id"] == units[-1]

    assert await lapse(app, settings) == 0
    assert await lapse(app, settings) == 0  # a second round: still held, and no second alert
    assert await conn.fetchval("SELECT count(*) FROM units WHERE status = 'out_of_service'") == 0
    active = await conn.fetchval("SELECT count(*) FROM assignments WHERE cleared_at IS NULL")
    assert active == 6
    alerts = await conn.fetch("SELECT kind, district, data FROM events WHERE kind LIKE 'system.%'")
    assert [(a["kind"], a["district"]) for a in alerts] == [("system.ack_outage", None)]
    assert json.loads(alerts[0]["data"])["units"] == sorted(units)

    # The app is back: five crews acknowledge; the sixth really is silent and lapses as usual.
    for unit_id in units[:5]:
        r = await client.post(f"/api/v1/units/{unit_id}/acknowledge", headers=token("responder", unit_id))
        assert r.status_code == 200, r.text
    assert await lapse(app, settings) == 1
    kinds = [
        r["kind"] for r in await conn.fetch("SELECT kind FROM events WHERE kind LIKE 'system.%' ORDER BY id")
    ]
    assert kinds == ["system.ack_outage", "system.ack_restored"]
    grounded = await conn.fetch("SELECT id FROM units WHERE status = 'out_of_service'")
    assert [r["id"] for r in grounded] == [units[5]]


async def test_a_few_lapses_are_crews_not_a_fault(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection
) -> None:
    for n in range(settings.mass_lapse_units - 1):
        lat, lon = offset(*RAIPUR, east_km=5.0 * n)
        await add_unit(client, lat, lon)
        await post_call(client, lat=lat, lon=lon)
    assert await lapse(app, settings) == settings.mass_lapse_units - 1
    assert await conn.fetchval("SELECT count(*) FROM events WHERE kind LIKE 'system.%'") == 0
    out = await conn.fetchval("SELECT count(*) FROM units WHERE status = 'out_of_service'")
    assert out == settings.mass_lapse_units - 1
