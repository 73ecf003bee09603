"""Small builders shared by the integration tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import token

RAIPUR = (21.2514, 81.6296)  # city centre: urban
_seq = itertools.count(1)


async def add_unit(
    client: httpx.AsyncClient,
    *where: Any,
    lat: float | None = None,
    lon: float | None = None,
    district: str = "Raipur",
) -> dict[str, Any]:
    """Register a unit through the API: add_unit(client, ["ambulance",] [lat, lon]); police ERV at Raipur."""
    unit_type = where[0] if where and isinstance(where[0], str) else "police_erv"
    coords = [w for w in where if not isinstance(w, str)]
    if coords:
        lat, lon = coords
    lat = RAIPUR[0] if lat is None else lat
    lon = RAIPUR[1] if lon is None else lon
    body = {
        "callsign": f"T-{next(_seq):04d}",
        "type": unit_type,
        "district": district,
        "lat": lat,
        "lon": lon,
    }
    response = await client.post("/api/v1/units", json=body, headers=token("admin"))
    assert response.status_code == 201, response.text
    unit: dict[str, Any] = response.json()
    return unit


async def post_call(
    client: httpx.AsyncClient, expect: int = 201, key: str | None = None, **fields: Any
) -> dict[str, Any]:
    """Post a call (police by default, at Raipur's centre) and check the status code."""
    body: dict[str, Any] = {
        "caller_number": f"+9198765{next(_seq):05d}",
        "text": "someone is shouting outside the shop",  # police, priority 2, no second service
        "lat": RAIPUR[0],
        "lon": RAIPUR[1],
        "channel": "voice",
        "category": "police",
    }
    body.update(fields)
    body = {k: v for k, v in body.items() if v is not None}
    headers = token("operator") | ({"Idempotency-Key": key} if key else {})
    response = await client.post("/api/v1/calls", json=body, headers=headers)
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def move(client: httpx.AsyncClient, unit_id: int, status: str, expect: int = 200, **fields: Any) -> Any:
    """Post a unit status change as the operator."""
    response = await client.post(
        f"/api/v1/units/{unit_id}/status", json={"status": status, **fields}, headers=token("operator")
    )
    assert response.status_code == expect, response.text
    return response.json()


def ago(minutes: float) -> str:
    """An ISO time `minutes` before now."""
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def offset(lat: float, lon: float, north_km: float = 0.0, east_km: float = 0.0) -> tuple[float, float]:
    """A point moved by some km (good enough at Chhattisgarh's latitude)."""
    return lat + north_km / 110.57, lon + east_km / 103.6
