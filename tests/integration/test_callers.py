"""Repeat and hoax callers are flagged on the incident for the call-taker, and every call is still taken."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from app.security import utcnow
from tests.conftest import token
from tests.integration.helpers import RAIPUR, add_unit, offset, post_call


async def test_a_repeat_caller_is_counted_and_flagged_never_refused(client: httpx.AsyncClient) -> None:
    await add_unit(client)
    # One number, written three ways: the last ten digits make it the same caller.
    numbers = ["+91 98765 43210", "+919876543210", "098765-43210", "+919876543210", "9876543210"]
    histories = []
    for n, number in enumerate(numbers):
        lat, lon = offset(*RAIPUR, north_km=n)  # a kilometre apart: the area link is not what counts
        result = await post_call(client, caller_number=number, lat=lat, lon=lon)
        histories.append(result["incident"]["caller_history"])
    assert [h["calls_24h"] for h in histories] == [1, 2, 3, 4, 5]
    assert [h["flagged"] for h in histories] == [False, False, True, True, True]
    other = (await post_call(client, caller_number="+919876543211"))["incident"]["caller_history"]
    assert other == {"calls_24h": 1, "calls_7d": 1, "hoax_7d": 0, "flagged": False}
    assert (await post_call(client, caller_number=None))["incident"]["caller_history"] is None


async def test_counts_cover_the_last_day_and_week_of_the_call(client: httpx.AsyncClient) -> None:
    number = "+919811122233"
    now = utcnow()
    for days in (6.5, 2, 0.5):  # 6.5 and 2 days ago: in the week, not in the day
        at = (now - timedelta(days=days)).isoformat()
        lat, lon = offset(*RAIPUR, north_km=days * 3)
        await post_call(client, caller_number=number, received_at=at, lat=lat, lon=lon)
    latest = (await post_call(client, caller_number=number))["incident"]["caller_history"]
    assert (latest["calls_24h"], latest["calls_7d"]) == (2, 4)


async def test_a_hoax_history_is_flagged_and_the_next_call_still_gets_a_unit(
    client: httpx.AsyncClient,
) -> None:
    await add_unit(client)
    number = "+919800011122"
    prank = (await post_call(client, caller_number=number))["incident"]
    r = await client.post(
        f"/api/v1/incidents/{prank['id']}/close", json={"disposition": "Hoax call"}, headers=token("operator")
    )
    assert r.status_code == 200, r.text
    lat, lon = offset(*RAIPUR, east_km=2)
    real = (await post_call(client, caller_number=number, lat=lat, lon=lon))["incident"]
    assert real["caller_history"]["hoax_7d"] == 1 and real["caller_history"]["flagged"]
    assert real["status"] == "dispatched" and len(real["assignments"]) == 1
    read = await client.get(f"/api/v1/incidents/{real['id']}", headers=token("supervisor"))
    assert read.json()["caller_history"] == real["caller_history"]


async def test_a_burst_from_one_number_is_never_dropped(client: httpx.AsyncClient) -> None:
    body = {"caller_number": "+919812345678", "text": "help", "lat": RAIPUR[0], "lon": RAIPUR[1]}
    op = token("operator")
    responses = await asyncio.gather(
        *(client.post("/api/v1/calls", json=body, headers=op) for _ in range(30))
    )
    assert [r.status_code for r in responses] == [201] * 30
    assert max(r.json()["incident"]["caller_history"]["calls_24h"] for r in responses) >= 2
