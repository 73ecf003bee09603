"""An unacknowledged assignment moves to the next unit exactly once, with several workers watching."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx

from tests.conftest import token
from tests.integration.helpers import RAIPUR, offset
from tests.integration.servers import serve

FAST_ACK = {"DIAL112_ACK_TIMEOUT_SECONDS": "1.5", "DIAL112_ACK_CHECK_INTERVAL_SECONDS": "0.1"}


async def test_lapse_moves_the_incident_to_the_next_unit_exactly_once(
    db_url: str, conn: asyncpg.Connection
) -> None:
    with (
        serve(db_url, workers=2, **FAST_ACK) as (base_a, _),
        serve(db_url, workers=2, **FAST_ACK) as (base_b, _),
    ):
        async with httpx.AsyncClient(timeout=30) as client:
            units = []
            for n, north_km in enumerate((0.5, 3.0, 40.0)):
                lat, lon = offset(*RAIPUR, north_km=north_km)
                body = {
                    "callsign": f"ACK-{n}",
                    "type": "police_erv",
                    "district": "Raipur",
                    "lat": lat,
                    "lon": lon,
                }
                r = await client.post(f"{base_a}/api/v1/units", json=body, headers=token("admin"))
                units.append(r.json()["id"])
            silent, backup, sentinel = units
            call = {"text": "fight", "lat": RAIPUR[0], "lon": RAIPUR[1], "category": "police"}
            r = await client.post(f"{base_b}/api/v1/calls", json=call, headers=token("operator"))
            incident = r.json()["incident"]
            assert incident["assignments"][0]["unit_id"] == silent

            deadline = time.monotonic() + 10
            while True:  # the backup acknowledges as soon as the offer reaches it
                r = await client.post(
                    f"{base_a}/api/v1/units/{backup}/acknowledge", headers=token("responder", backup)
                )
                if r.status_code == 200:
                    break
                assert time.monotonic() < deadline, "the incident never moved to the next unit"
                await asyncio.sleep(0.05)
            # Instead of sleeping through "enough" watchdog rounds: a second call, far away, goes to the
            # sentinel unit, which never answers. Once its lapse is recorded, the watchdogs have run
            # rounds after the first lapse, and any second action on it would be on record.
            far = offset(*RAIPUR, north_km=40.0)
            call = {"text": "fight", "lat": far[0], "lon": far[1], "category": "police"}
            r = await client.post(f"{base_a}/api/v1/calls", json=call, headers=token("operator"))
            assert r.json()["incident"]["assignments"][0]["unit_id"] == sentinel
            deadline = time.monotonic() + 10
            while not await conn.fetchval(
                "SELECT count(*) FROM events WHERE kind = 'assignment.lapsed' AND unit_id = $1", sentinel
            ):
                assert time.monotonic() < deadline, "the sentinel's assignment never lapsed"
                await asyncio.sleep(0.05)

    lapses = "SELECT count(*) FROM events WHERE kind = 'assignment.lapsed' AND incident_id = $1"
    assert await conn.fetchval(lapses, incident["id"]) == 1
    rows = await conn.fetch(
        "SELECT unit_id, end_reason, acknowledged_at IS NOT NULL AS acked, cleared_at IS NULL AS active"
        " FROM assignments WHERE incident_id = $1 ORDER BY id",
        incident["id"],
    )
    assert [tuple(r) for r in rows] == [(silent, "unacknowledged", False, False), (backup, None, True, True)]
    silent_unit = await conn.fetchrow(
        "SELECT status, missed_acks, silent_since FROM units WHERE id = $1", silent
    )
    assert silent_unit is not None
    assert silent_unit["status"] == "out_of_service" and silent_unit["missed_acks"] == 1
    assert silent_unit["silent_since"] is not None
