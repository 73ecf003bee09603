"""Never two incidents for one unit: 4 real worker processes, 50 units, 200 simultaneous calls."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from tests.conftest import token
from tests.integration.helpers import RAIPUR, offset
from tests.integration.servers import serve

UNITS, CALLS = 50, 200


async def test_200_simultaneous_calls_on_50_units_with_4_workers(
    db_url: str, conn: asyncpg.Connection
) -> None:
    rng = random.Random(7)
    # No acknowledgement lapses here: the run must not depend on finishing inside the 60 s timeout.
    with serve(db_url, workers=4, DIAL112_ACK_TIMEOUT_SECONDS="86400") as (base, _):
        async with httpx.AsyncClient(
            base_url=base, timeout=60, limits=httpx.Limits(max_connections=200)
        ) as client:
            admin = token("admin")
            for n in range(UNITS):
                lat, lon = offset(*RAIPUR, north_km=rng.uniform(-8, 8), east_km=rng.uniform(-8, 8))
                body = {
                    "callsign": f"C-{n:03d}",
                    "type": "police_erv",
                    "district": "Raipur",
                    "lat": lat,
                    "lon": lon,
                }
                assert (await client.post("/api/v1/units", json=body, headers=admin)).status_code == 201

            start = datetime.now(UTC) - timedelta(minutes=10)
            op = token("operator")

            async def call(n: int) -> httpx.Response:
                # A 20 × 10 grid ~600 m apart (no two calls are duplicates), distinct received_at.
                lat, lon = offset(*RAIPUR, north_km=(n // 20 - 5) * 0.6, east_km=(n % 20 - 10) * 0.6)
                body = {
                    "caller_number": f"+91990{n:07d}",
                    "text": "my motorcycle was stolen from outside the shop",
                    "lat": lat,
                    "lon": lon,
                    "category": "police",
                    "priority": rng.choice([1, 2, 3]),
                    "received_at": (start + timedelta(milliseconds=37 * ((n * 7919) % CALLS))).isoformat(),
                }
                return await client.post("/api/v1/calls", json=body, headers=op)

            responses = await asyncio.gather(*(call(n) for n in range(CALLS)))
            assert [r.status_code for r in responses] == [201] * CALLS, [
                r.text for r in responses if r.status_code != 201
            ][:3]
            statuses = [r.json()["incident"]["status"] for r in responses]
            assert statuses.count("dispatched") == UNITS
            assert statuses.count("queued") == CALLS - UNITS

            sent = [a["unit_id"] for r in responses for a in r.json()["incident"]["assignments"]]
            assert len(sent) == len(set(sent)) == UNITS
            assert (
                await conn.fetchval(
                    "SELECT count(*) FROM (SELECT unit_id FROM assignments WHERE cleared_at IS NULL "
                    "GROUP BY unit_id HAVING count(*) > 1) x"
                )
                == 0
            )

            # The units clear one by one; each freed unit takes the queue's head: priority, then age.
            queue = await conn.fetch(
                "SELECT id FROM incidents WHERE status = 'queued' ORDER BY priority, received_at, id"
            )
            expected = [r["id"] for r in queue]
            taken = []
            for _ in range(CALLS):
                unit_id = await conn.fetchval(
                    "SELECT unit_id FROM assignments WHERE cleared_at IS NULL ORDER BY id LIMIT 1"
                )
                for status in ("on_scene", "available"):
                    r = await client.post(
                        f"/api/v1/units/{unit_id}/status", json={"status": status}, headers=op
                    )
                    assert r.status_code == 200, r.text
                nxt = await conn.fetchval(
                    "SELECT incident_id FROM assignments WHERE unit_id = $1 AND cleared_at IS NULL", unit_id
                )
                if nxt is not None:
                    taken.append(nxt)
            assert taken == expected

    per_incident = await conn.fetch("SELECT incident_id, count(*) AS n FROM assignments GROUP BY incident_id")
    assert len(per_incident) == CALLS and all(r["n"] == 1 for r in per_incident)
    assert await conn.fetchval("SELECT count(*) FROM incidents WHERE cardinality(pending) > 0") == 0
