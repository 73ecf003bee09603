"""Feed latency: from POST /calls returning (on worker B) to the responder's stream on worker A delivering
the offer, under 100 calls/s of open-loop load, with 1,000 vehicles connected to A.

Usage: .venv/bin/python bench/bench_feed.py [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import asyncpg
from harness import SECRET, bench_database, machine, percentile, server
from loadgen import open_loop

from app.database import asyncpg_dsn
from app.security import issue_token

UNITS = 1000


async def make_fleet(url: str) -> list[int]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rng = random.Random(4)
        rows = [
            (f"F-{n:05d}", "police_erv", "Raipur", 21.1 + rng.random() * 0.3, 81.5 + rng.random() * 0.3)
            for n in range(UNITS)
        ]
        await conn.executemany(
            "INSERT INTO units (callsign, type, district, lat, lon) VALUES ($1,$2,$3,$4,$5)", rows
        )
        return [r["id"] for r in await conn.fetch("SELECT id FROM units ORDER BY id")]
    finally:
        await conn.close()


async def run(base_a: str, base_b: str, seconds: float, units: list[int]) -> tuple[list[float], int, int]:
    now = datetime.now(UTC)
    offers: dict[int, float] = {}  # incident id -> when its offer reached the stream
    answered: dict[int, float] = {}  # incident id -> when POST /calls returned
    url = urlsplit(base_a)
    ready = 0

    async def listen(unit_id: int) -> None:
        nonlocal ready
        tok = issue_token(SECRET, "responder", ttl=timedelta(hours=1), now=now, unit_id=unit_id)
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        writer.write(
            f"GET /api/v1/units/{unit_id}/events HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {tok}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        await reader.readuntil(b"\r\n\r\n")
        ready += 1
        while True:
            line = await reader.readline()
            if not line:
                return
            if b'"assignment.created"' in line and line.startswith(b"data:"):
                offers.setdefault(json.loads(line[5:])["incident_id"], time.monotonic())

    listeners = [asyncio.create_task(listen(u)) for u in units]
    for _ in range(600):  # every vehicle connected before the load starts
        if ready == len(units):
            break
        await asyncio.sleep(0.05)
    op = issue_token(SECRET, "operator", ttl=timedelta(hours=1), now=now)
    rng = random.Random(8)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {op}"}

    def make(n: int) -> tuple[str, str, bytes, dict[str, str]]:
        body = {
            "caller_number": f"+9160{n:08d}",
            "text": "chain snatching near the market",
            "lat": 21.1 + rng.random() * 0.3,
            "lon": 81.5 + rng.random() * 0.3,
            "category": "police",
        }
        return "POST", "/api/v1/calls", json.dumps(body).encode(), headers

    def on_response(_n: int, status: int, body: bytes) -> None:
        if status == 201:
            incident = json.loads(body)["incident"]
            if incident["assignments"]:
                answered[incident["id"]] = time.monotonic()

    result = await open_loop(base_b, 100, seconds, make, on_response=on_response)
    await asyncio.sleep(2)
    for task in listeners:
        task.cancel()
    latencies = [max(0.0, offers[i] - t) * 1000 for i, t in answered.items() if i in offers]
    missing = sum(1 for i in answered if i not in offers)
    return latencies, missing, result.errors + sum(v for k, v in result.statuses.items() if k != 201)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with bench_database() as url:
        units = asyncio.run(make_fleet(url))
        with server(url, workers=1) as base_a, server(url, workers=1) as base_b:
            latencies, missing, errors = asyncio.run(run(base_a, base_b, args.seconds, units))
    print(
        f"offers delivered across workers: {len(latencies)} (missing {missing}, call errors {errors});"
        " latency from POST /calls returning to the stream delivering:"
        f" p50 {percentile(latencies, 0.5):.0f} ms,"
        f" p95 {percentile(latencies, 0.95):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms,"
        f" max {max(latencies):.0f} ms"
    )


if __name__ == "__main__":
    main()
