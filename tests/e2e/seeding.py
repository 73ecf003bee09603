"""Data for the console's browser tests: past incidents with fixed times, live calls through the API.

Past incidents go straight into the database (the API refuses calls older than a week, and arrivals
are stamped by the service's clock), through the same `mark_first_on_scene` the service uses, so the
rollups and the analytics see them exactly as they would see real ones.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx

from app.repositories import incidents as incidents_repo

SERVICE_UNIT = {
    "police": "police_erv",
    "fire": "fire_tender",
    "medical": "ambulance",
    "women": "women_safety",
    "child": "child_protection",
}
TARGETS = {"urban": 16.0, "rural": 28.0}


@dataclass(frozen=True)
class PastIncident:
    """An incident that is over: when the call came, where, and how long the first unit took (None: never)."""

    received: datetime
    district: str
    area_type: str
    category: str
    minutes_to_scene: float | None
    priority: int = 2

    @property
    def target(self) -> float:
        """Its response target in minutes (the seeded defaults)."""
        return TARGETS[self.area_type]

    @property
    def within(self) -> bool | None:
        """Whether the first unit arrived within the target (None: nobody arrived)."""
        return None if self.minutes_to_scene is None else self.minutes_to_scene * 60 <= self.target * 60


async def _unit_for(conn: asyncpg.Connection, district: str, unit_type: str, cache: dict[Any, int]) -> int:
    key = (district, unit_type)
    if key not in cache:
        found = await conn.fetchval(
            "SELECT id FROM units WHERE district = $1 AND type = $2 ORDER BY id LIMIT 1", district, unit_type
        )
        if found is None:
            found = await conn.fetchval(
                """INSERT INTO units (callsign, type, district, lat, lon, status)
                   SELECT 'HIST-' || $1 || '-' || $2, $2, $1, hq_lat, hq_lon, 'available'
                   FROM districts WHERE name = $1 RETURNING id""",
                district,
                unit_type,
            )
        cache[key] = found
    return cache[key]


async def write_past_incidents(conn: asyncpg.Connection, incidents: Iterable[PastIncident]) -> list[int]:
    """Write closed incidents with their call and first unit's stamps; returns their ids."""
    ids = []
    units: dict[Any, int] = {}
    async with conn.transaction():
        for p in incidents:
            hq = await conn.fetchrow("SELECT hq_lat, hq_lon FROM districts WHERE name = $1", p.district)
            assert hq is not None, p.district
            lat, lon = hq["hq_lat"], hq["hq_lon"]
            incident_id = await conn.fetchval(
                """INSERT INTO incidents (status, category, priority, district, area_type, target_minutes,
                                          lat, lon, received_at, created_by)
                   VALUES ('dispatched', $1, $2, $3, $4, $5, $6, $7, $8, 'e2e-seed') RETURNING id""",
                p.category,
                p.priority,
                p.district,
                p.area_type,
                p.target,
                lat,
                lon,
                p.received,
            )
            await conn.execute(
                """INSERT INTO calls (incident_id, text, channel, lat, lon, received_at, created_by)
                   VALUES ($1, 'seeded call', 'voice', $2, $3, $4, 'e2e-seed')""",
                incident_id,
                lat,
                lon,
                p.received,
            )
            unit_id = await _unit_for(conn, p.district, SERVICE_UNIT[p.category], units)
            dispatched = p.received + timedelta(seconds=50)
            on_scene = (
                None if p.minutes_to_scene is None else p.received + timedelta(minutes=p.minutes_to_scene)
            )
            cleared = (on_scene or dispatched) + timedelta(minutes=20)
            await conn.execute(
                """INSERT INTO assignments (incident_id, unit_id, unit_type, service, status, dispatched_at,
                                            acknowledged_at, en_route_at, on_scene_at, cleared_at, created_by)
                   VALUES ($1, $2, $3, $4, 'cleared', $5, $5, $6, $7, $8, 'e2e-seed')""",
                incident_id,
                unit_id,
                SERVICE_UNIT[p.category],
                p.category,
                dispatched,
                dispatched + timedelta(seconds=40),
                on_scene,
                cleared,
            )
            if on_scene is not None:
                await incidents_repo.mark_first_on_scene(conn, incident_id, on_scene)
            await conn.execute(
                """UPDATE incidents SET status = 'closed', disposition = 'resolved', ended_at = $2
                   WHERE id = $1""",
                incident_id,
                cleared,
            )
            ids.append(incident_id)
    return ids


def demo_history(districts: list[str], months: list[datetime], seed: int = 112) -> list[PastIncident]:
    """A year of plausible past incidents for the README's screenshots (same seed, same data)."""
    rng = random.Random(seed)
    # Some districts are slower than others, so the charts have something to say.
    pace = {d: rng.uniform(0.65, 1.35) for d in districts}
    out = []
    for month in months:
        for district in districts:
            for _ in range(rng.randint(3, 9)):
                area = "urban" if rng.random() < 0.45 else "rural"
                category = rng.choices(list(SERVICE_UNIT), weights=[50, 4, 30, 10, 6])[0]
                typical = 11 if area == "urban" else 20
                minutes = None if rng.random() < 0.04 else max(2.0, rng.gauss(typical * pace[district], 5))
                received = month + timedelta(days=rng.randint(0, 26), minutes=rng.randint(0, 24 * 60 - 1))
                priority = rng.choice([1, 2, 2, 3])
                out.append(PastIncident(received, district, area, category, minutes, priority))
    return out


async def post_call(
    client: httpx.AsyncClient, headers: dict[str, str], lat: float, lon: float, **fields: Any
) -> dict[str, Any]:
    """Post a call through the API as a call-taker would; returns the created incident."""
    body = {"text": "two men fighting with sticks", "lat": lat, "lon": lon, "channel": "voice", **fields}
    response = await client.post("/api/v1/calls", json=body, headers=headers)
    assert response.status_code == 201, response.text
    incident: dict[str, Any] = response.json()["incident"]
    return incident
