"""Limits and the findings of issue 10: each test fails on the code before its fix."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import time_machine

from app.config import Settings
from app.main import create_app
from tests.conftest import make_settings, token
from tests.integration.helpers import RAIPUR, add_unit, ago, offset, post_call
from tests.integration.servers import serve


@pytest.fixture
async def small_body_client(clock: time_machine.Traveller, db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app that takes bodies of at most 64 KiB."""
    app = create_app(make_settings(db_url, max_body_bytes=65_536))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


async def test_at_risk_list_is_limited_to_the_most_urgent(client: httpx.AsyncClient) -> None:
    for n in range(4):  # no unit anywhere: every call waits in the queue, at risk (2 km apart: no duplicates)
        lat, lon = offset(*RAIPUR, east_km=2.0 * n)
        await post_call(client, lat=lat, lon=lon)
    everything = await client.get("/api/v1/incidents/at-risk", headers=token("supervisor"))
    assert everything.status_code == 200 and len(everything.json()) == 4
    two = await client.get("/api/v1/incidents/at-risk", params={"limit": 2}, headers=token("supervisor"))
    assert two.status_code == 200
    assert [r["incident_id"] for r in two.json()] == [r["incident_id"] for r in everything.json()[:2]]
    for bad in (0, 1001):
        refused = await client.get(
            "/api/v1/incidents/at-risk", params={"limit": bad}, headers=token("operator")
        )
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "limit"


async def test_a_body_over_the_limit_is_413_before_it_is_read(small_body_client: httpx.AsyncClient) -> None:
    fixes = [{"unit_id": 1, "lat": 21.25, "lon": 81.63, "recorded_at": ago(1)} for _ in range(2_000)]
    response = await small_body_client.post("/api/v1/units/locations", json=fixes, headers=token("operator"))
    assert response.status_code == 413
    assert "body" in response.json()["detail"] and "65536" in response.json()["detail"]


async def test_a_chunked_body_over_the_limit_is_413(small_body_client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        yield b"["
        for n in range(2_000):
            yield b'{"unit_id": 1, "lat": 21.25, "lon": 81.63},' if n < 1_999 else b'{"unit_id": 1}'
        yield b"]"

    response = await small_body_client.post(
        "/api/v1/units/locations",
        content=chunks(),
        headers=token("operator") | {"Content-Type": "application/json"},
    )
    assert response.status_code == 413


async def test_a_call_is_never_refused_for_its_size_below_the_limit(
    small_body_client: httpx.AsyncClient,
) -> None:
    await post_call(small_body_client)  # intake is not rate-limited or size-limited into a lost call


async def test_one_bad_fix_does_not_reject_the_batch_and_wild_dates_are_refused_per_item(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    unit = await add_unit(client)
    good = {"unit_id": unit["id"], "lat": 21.2520, "lon": 81.6300, "recorded_at": ago(1)}
    batch: list[dict[str, Any]] = [
        good,
        {"unit_id": unit["id"], "lat": 21.2521, "lon": 81.6301, "recorded_at": "0001-01-01T00:00:00+14:00"},
        {"unit_id": unit["id"], "lat": 21.2522, "lon": 81.6302, "recorded_at": "1901-06-01T10:00:00+05:30"},
        {"unit_id": unit["id"], "lat": 21.2523, "lon": 81.6303, "recorded_at": "9999-12-31T23:59:59-14:00"},
    ]
    response = await client.post("/api/v1/units/locations", json=batch, headers=token("operator"))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["accepted"] == 1
    assert [r["index"] for r in result["rejected"]] == [1, 2, 3]
    assert all(r["reason"].startswith("recorded_at:") for r in result["rejected"])
    assert await conn.fetchval("SELECT count(*) FROM unit_positions WHERE unit_id = $1", unit["id"]) == 1
    oldest = await conn.fetchval("SELECT min(recorded_at) FROM unit_positions")
    assert oldest > datetime.now(UTC) - timedelta(days=1)  # the test's clock, not the database's


async def test_a_single_fix_dated_1901_is_refused(client: httpx.AsyncClient) -> None:
    unit = await add_unit(client)
    response = await client.post(
        f"/api/v1/units/{unit['id']}/location",
        json={"lat": 21.252, "lon": 81.63, "recorded_at": "1901-06-01T10:00:00+05:30"},
        headers=token("responder", unit["id"]),
    )
    assert response.status_code == 422 and "recorded_at" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/api/v1/analytics/response-times", "analyst"),
        ("/api/v1/analytics/volumes", "analyst"),
        ("/api/v1/oversight/lapses", "supervisor"),
    ],
)
@pytest.mark.parametrize("params", [{"to": "9999-12-31"}, {"from": "0001-01-01T00:00:00+14:00"}])
async def test_dates_at_the_ends_of_the_calendar_are_422_not_500(
    client: httpx.AsyncClient, path: str, role: str, params: dict[str, str]
) -> None:
    response = await client.get(path, params=params, headers=token(role))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] in params


async def test_every_answer_carries_a_request_id_and_a_client_id_is_kept(client: httpx.AsyncClient) -> None:
    mine = await client.get("/healthz", headers={"X-Request-ID": "console-7.abc"})
    assert mine.headers["x-request-id"] == "console-7.abc"
    new = await client.get("/api/v1/units", headers={"X-Request-ID": "bad id with spaces"})
    assert new.status_code == 401
    assert new.headers["x-request-id"] != "bad id with spaces" and len(new.headers["x-request-id"]) == 16


async def test_metrics_count_requests_per_route_and_read_the_queue(client: httpx.AsyncClient) -> None:
    await post_call(client)  # no unit: queued
    await client.get("/api/v1/incidents/12345", headers=token("operator"))
    text = (await client.get("/metrics")).text
    assert 'route="/api/v1/incidents/{incident_id}"' in text and 'status="404"' in text
    assert "dial112_http_request_duration_seconds_bucket" in text
    assert 'dial112_dispatch_outcomes_total{outcome="queued"}' in text
    assert "dial112_queue_incidents 1.0" in text and "dial112_database_up 1.0" in text


async def test_metrics_can_be_turned_off(clock: time_machine.Traveller, db_url: str) -> None:
    app = create_app(make_settings(db_url, metrics_enabled=False))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        assert (await c.get("/metrics")).status_code == 404


async def test_docs_work_without_internet(client: httpx.AsyncClient, settings: Settings) -> None:
    page = (await client.get("/docs")).text
    assert "cdn" not in page.lower() and "/docs-assets/swagger-ui-bundle.js" in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert (await client.get(f"/docs-assets/{asset}")).status_code == 200
    assert (await client.get("/redoc")).status_code == 404  # its page loads from a CDN


def test_metrics_add_up_over_every_worker(db_url: str) -> None:
    with serve(db_url, workers=2) as (base, _):
        for _ in range(30):  # a new connection each time: the kernel spreads them over both workers
            assert httpx.get(f"{base}/healthz", headers={"Connection": "close"}).status_code == 200
        text = httpx.get(f"{base}/metrics").text
    line = next(
        ln
        for ln in text.splitlines()
        if ln.startswith('dial112_http_requests_total{method="GET",route="/healthz"')
    )
    assert float(line.rsplit(" ", 1)[1]) == 30  # whichever worker answered the scrape
