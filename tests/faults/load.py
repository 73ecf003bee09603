"""Clients for the fault tests: call-takers that retry with their Idempotency-Key, crews that move units,
probes that time every answer, and the invariants checked on the database afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from tests.conftest import token
from tests.integration.helpers import RAIPUR, offset

# Connection-level failures a client sees while a worker dies or the server is overloaded: it retries.
CLIENT_ERRORS = (httpx.TransportError,)


@dataclass
class Answer:
    """One HTTP answer (or a transport failure, status 0) and how long it took."""

    at: float
    path: str
    status: int
    seconds: float
    retry_after: str | None = None
    detail: str = ""


@dataclass
class Traffic:
    """Everything the clients saw."""

    answers: list[Answer] = field(default_factory=list)
    acknowledged: dict[str, int] = field(default_factory=dict)  # Idempotency-Key → incident id
    sent_keys: set[str] = field(default_factory=set)
    unanswered: set[str] = field(default_factory=set)

    def since(self, start: float, end: float | None = None) -> list[Answer]:
        """Answers received in a time window (monotonic clock)."""
        return [a for a in self.answers if a.at >= start and (end is None or a.at <= end)]


async def timed(
    client: httpx.AsyncClient, traffic: Traffic, method: str, path: str, **kw: Any
) -> httpx.Response | None:
    """Send one request, record its answer and latency; None on a transport failure."""
    started = time.monotonic()
    try:
        response = await client.request(method, path, **kw)
    except CLIENT_ERRORS as exc:
        traffic.answers.append(
            Answer(time.monotonic(), path, 0, time.monotonic() - started, detail=repr(exc))
        )
        return None
    detail = ""
    if response.status_code >= 400:
        with contextlib.suppress(ValueError):
            detail = str(response.json().get("detail", ""))
    traffic.answers.append(
        Answer(
            time.monotonic(),
            path,
            response.status_code,
            time.monotonic() - started,
            response.headers.get("retry-after"),
            detail,
        )
    )
    return response


_numbers = itertools.count(1)


def call_body(rng: random.Random) -> dict[str, Any]:
    """A police call somewhere in Raipur from a new caller."""
    lat, lon = offset(*RAIPUR, north_km=rng.uniform(-9, 9), east_km=rng.uniform(-9, 9))
    return {
        "caller_number": f"+91977{next(_numbers):07d}",
        "text": "two men fighting with sticks outside the market",
        "lat": lat,
        "lon": lon,
        "category": "police",
        "priority": rng.choice([1, 2, 3]),
    }


async def keyed_call(
    client: httpx.AsyncClient, traffic: Traffic, body: dict[str, Any], give_up_at: float
) -> None:
    """A call-taker's client: send with an Idempotency-Key, and on 503 or a lost connection send it again."""
    key = str(uuid.uuid4())
    traffic.sent_keys.add(key)
    traffic.unanswered.add(key)
    headers = token("operator") | {"Idempotency-Key": key}
    while time.monotonic() < give_up_at:
        response = await timed(client, traffic, "POST", "/api/v1/calls", json=body, headers=headers)
        if response is not None and response.status_code in (200, 201):
            traffic.acknowledged[key] = response.json()["incident"]["id"]
            traffic.unanswered.discard(key)
            return
        if response is not None and response.status_code not in (503,):
            raise AssertionError(f"POST /calls answered {response.status_code}: {response.text[:300]}")
        await asyncio.sleep(0.3)


async def call_stream(
    client: httpx.AsyncClient,
    traffic: Traffic,
    *,
    rate: float,
    until: float,
    give_up_at: float,
    seed: int = 7,
) -> None:
    """Calls at a steady rate until `until`; each retries until answered or `give_up_at`."""
    rng = random.Random(seed)
    tasks = []
    while time.monotonic() < until:
        tasks.append(asyncio.create_task(keyed_call(client, traffic, call_body(rng), give_up_at)))
        await asyncio.sleep(1.0 / rate)
    await asyncio.gather(*tasks)


NEXT_STEP = {"dispatched": "en_route", "en_route": "on_scene", "on_scene": "available"}


async def crews(client: httpx.AsyncClient, traffic: Traffic, until: float) -> None:
    """Crews at work: every busy unit takes its next step (en route, on scene, free again) each round."""
    headers = token("operator")
    while time.monotonic() < until:
        for status, following in NEXT_STEP.items():
            listing = await timed(
                client,
                traffic,
                "GET",
                "/api/v1/units",
                params={"status": status, "limit": 200},
                headers=headers,
            )
            if listing is None or listing.status_code != 200:
                continue
            for unit in listing.json()[:10]:
                await timed(
                    client,
                    traffic,
                    "POST",
                    f"/api/v1/units/{unit['id']}/status",
                    json={"status": following},
                    headers=headers,
                )
        await asyncio.sleep(0.5)


async def probe(client: httpx.AsyncClient, traffic: Traffic, until: float, every: float = 0.25) -> None:
    """/readyz and a read of the incident list, timed, until `until`."""
    headers = token("operator")
    while time.monotonic() < until:
        await asyncio.gather(
            timed(client, traffic, "GET", "/readyz"),
            timed(client, traffic, "GET", "/api/v1/incidents", params={"limit": 5}, headers=headers),
        )
        await asyncio.sleep(every)


async def register_units(client: httpx.AsyncClient, count: int, seed: int = 3) -> None:
    """Police ERVs around Raipur."""
    rng = random.Random(seed)
    for n in range(count):
        lat, lon = offset(*RAIPUR, north_km=rng.uniform(-8, 8), east_km=rng.uniform(-8, 8))
        body = {"callsign": f"F-{n:03d}", "type": "police_erv", "district": "Raipur", "lat": lat, "lon": lon}
        response = await client.post("/api/v1/units", json=body, headers=token("admin"))
        assert response.status_code == 201, response.text


async def wait_ready(client: httpx.AsyncClient, seconds: float, in_a_row: int = 10) -> float:
    """Seconds until the first of `in_a_row` 200s running from /readyz (every worker reached), else raise."""
    started = time.monotonic()
    streak, first_ok = 0, 0.0
    while time.monotonic() - started < seconds:
        with contextlib.suppress(*CLIENT_ERRORS):
            # A new connection each time, so the kernel spreads the probes over the workers.
            response = await client.get("/readyz", headers={"Connection": "close"})
            if response.status_code != 200:
                streak = 0
            else:
                streak, first_ok = streak + 1, first_ok if streak else time.monotonic()
            if streak >= in_a_row:
                return first_ok - started
        await asyncio.sleep(0.05)
    raise AssertionError(f"not ready within {seconds} s")


async def check_invariants(conn: asyncpg.Connection, traffic: Traffic) -> None:
    """Nothing acknowledged lost or doubled, no unit on two incidents, every incident accounted for."""
    assert not traffic.unanswered, f"{len(traffic.unanswered)} calls never got an answer"
    rows = await conn.fetch(
        "SELECT idempotency_key, incident_id FROM calls WHERE idempotency_key = ANY($1::text[])",
        list(traffic.acknowledged),
    )
    stored = {r["idempotency_key"]: r["incident_id"] for r in rows}
    lost = {k: v for k, v in traffic.acknowledged.items() if stored.get(k) != v}
    assert not lost, f"acknowledged calls missing or on another incident: {list(lost.items())[:5]}"
    # Every call of the run was keyed: one call row, one incident per key, nothing more.
    counts = await conn.fetchrow(
        "SELECT count(*) AS calls, count(DISTINCT idempotency_key) AS keys, "
        "count(*) FILTER (WHERE idempotency_key IS NULL) AS keyless FROM calls"
    )
    assert counts is not None
    assert counts["keyless"] == 0 and counts["calls"] == counts["keys"] == len(traffic.sent_keys)
    two = await conn.fetchval(
        "SELECT count(*) FROM (SELECT incident_id FROM calls GROUP BY incident_id HAVING count(*) > 1) x "
        "JOIN incidents i ON i.id = x.incident_id WHERE i.duplicate_of IS NULL"
    )
    assert two == 0 or two is None
    busy = await conn.fetch(
        """
        SELECT u.id, u.status, count(a.id) AS active FROM units u
        LEFT JOIN assignments a ON a.unit_id = u.id AND a.cleared_at IS NULL
        WHERE u.status IN ('dispatched', 'en_route', 'on_scene')
        GROUP BY u.id, u.status HAVING count(a.id) <> 1
        """
    )
    assert not busy, f"busy units without exactly one active assignment: {[dict(r) for r in busy][:5]}"
    free_but_assigned = await conn.fetchval(
        "SELECT count(*) FROM units u JOIN assignments a ON a.unit_id = u.id AND a.cleared_at IS NULL "
        "WHERE u.status = 'available'"
    )
    assert free_but_assigned == 0
    unaccounted = await conn.fetch(
        """
        SELECT i.id, i.status, i.pending FROM incidents i
        WHERE NOT (
            i.status IN ('closed', 'cancelled', 'duplicate', 'referred')
            OR (i.status = 'queued' AND cardinality(i.pending) > 0)
            OR i.first_on_scene_at IS NOT NULL
            OR EXISTS (SELECT 1 FROM assignments a WHERE a.incident_id = i.id AND a.cleared_at IS NULL)
        )
        """
    )
    assert not unaccounted, (
        f"incidents neither served, queued nor ended: {[dict(r) for r in unaccounted][:5]}"
    )
