"""GPS ingest benchmarks: batches through the API against raw asyncpg, single fixes, latency at 500/s.

1. Batched ingest: POST /units/locations (500 fixes a batch, 4 connections, 2 workers) in positions/s,
   against raw asyncpg running the service's own store statement, and COPY into the history table,
   with the same rows in the same run.
2. Single fixes: POST /units/{id}/location driven by wrk (2 workers), requests/s.
3. Latency of single fixes at a constant 500 requests/s (open loop): p50, p99.

Fleet: 6,300 units (Uttar Pradesh's size). Usage: .venv/bin/python bench/bench_positions.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from harness import SECRET, bench_database, machine, percentile, server
from loadgen import closed_loop, encode_request, open_loop

from app.database import asyncpg_dsn
from app.repositories import units as units_repo
from app.security import issue_token

FLEET = 6300
BATCH = 500


async def make_fleet(url: str) -> list[tuple[int, float, float]]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "TRUNCATE unit_positions, assignments, calls, incidents, events, units RESTART IDENTITY CASCADE"
        )
        rng = random.Random(1)
        rows = [
            (f"G-{n:05d}", "police_erv", "Raipur", 21.0 + rng.random() * 0.5, 81.4 + rng.random() * 0.5)
            for n in range(FLEET)
        ]
        await conn.executemany(
            "INSERT INTO units (callsign, type, district, lat, lon, position_at)"
            " VALUES ($1, $2, $3, $4, $5, now() - interval '1 hour')",
            rows,
        )
        return [
            (r["id"], r["lat"], r["lon"])
            for r in await conn.fetch("SELECT id, lat, lon FROM units ORDER BY id")
        ]
    finally:
        await conn.close()


def fixes(fleet: list[tuple[int, float, float]], count: int, start: datetime) -> list[dict[str, object]]:
    """Fixes that move each unit a few metres per fix, in time order, one every 5 s per unit."""
    rng = random.Random(2)
    out: list[dict[str, object]] = []
    for n in range(count):
        unit_id, lat, lon = fleet[n % len(fleet)]
        step = n // len(fleet)
        out.append(
            {
                "unit_id": unit_id,
                "lat": round(lat + step * 0.0001 + rng.uniform(-0.00002, 0.00002), 6),
                "lon": round(lon + rng.uniform(-0.00002, 0.00002), 6),
                "recorded_at": (start + timedelta(seconds=5 * step, milliseconds=n % 1000)).isoformat(),
            }
        )
    return out


async def raw_store(url: str, rows: list[dict[str, object]]) -> float:
    """The service's store statement on raw asyncpg, 4 connections: positions/s."""
    pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=4, max_size=4)
    batches = [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]

    async def worker(mine: list[list[dict[str, object]]]) -> None:
        for batch in mine:
            async with pool.acquire() as conn, conn.transaction():
                await units_repo.store_fixes(
                    conn,  # type: ignore[arg-type]
                    [b["unit_id"] for b in batch],  # type: ignore[misc]
                    [b["lat"] for b in batch],  # type: ignore[misc]
                    [b["lon"] for b in batch],  # type: ignore[misc]
                    [datetime.fromisoformat(str(b["recorded_at"])) for b in batch],
                    [None] * len(batch),
                    [None] * len(batch),
                )

    started = time.monotonic()
    await asyncio.gather(*(worker(batches[i::4]) for i in range(4)))
    elapsed = time.monotonic() - started
    await pool.close()
    return len(rows) / elapsed


async def raw_copy(url: str, rows: list[dict[str, object]]) -> float:
    """COPY of the same rows into the history table only: the floor of what storage can do."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    records = [
        (b["unit_id"], b["lat"], b["lon"], datetime.fromisoformat(str(b["recorded_at"]))) for b in rows
    ]
    started = time.monotonic()
    await conn.copy_records_to_table(
        "unit_positions", records=records, columns=["unit_id", "lat", "lon", "recorded_at"]
    )
    elapsed = time.monotonic() - started
    await conn.close()
    return len(rows) / elapsed


WRK_SCRIPT = """
local units = {UNITS}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local u = units[math.random(#units)]
  wrk.headers["Authorization"] = "Bearer " .. u[2]
  local body = string.format('{"lat":%f,"lon":%f}', u[3] + math.random() * 0.0002, u[4])
  return wrk.format(nil, "/api/v1/units/" .. u[1] .. "/location", nil, body)
end
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    now = datetime.now(UTC)
    with bench_database() as url:
        fleet = asyncio.run(make_fleet(url))
        rows = fixes(fleet, 60_000, now - timedelta(hours=1) + timedelta(seconds=1))
        copy_rate = asyncio.run(raw_copy(url, rows))
        fleet = asyncio.run(make_fleet(url))
        store_rate = asyncio.run(raw_store(url, rows))
        print(
            f"1. raw COPY into history: {copy_rate:9.0f} positions/s;"
            f" raw asyncpg, service's store statement: {store_rate:9.0f} positions/s"
        )
        fleet = asyncio.run(make_fleet(url))
        op = issue_token(SECRET, "operator", ttl=timedelta(hours=1), now=now)
        with server(url, workers=2) as base:
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {op}"}
            requests = [
                encode_request(
                    base, "POST", "/api/v1/units/locations", json.dumps(rows[i : i + BATCH]).encode(), headers
                )
                for i in range(0, len(rows), BATCH)
            ]
            elapsed, statuses = asyncio.run(closed_loop(base, 4, requests))
            api_rate = len(rows) / elapsed
            print(
                f"   POST /units/locations (batches of {BATCH}, 4 connections): {api_rate:9.0f} positions/s"
                f" = {100 * api_rate / store_rate:.0f}% of raw store,"
                f" {100 * api_rate / copy_rate:.0f}% of COPY"
                f"  (statuses {statuses})"
            )

            sample = fleet[:1000]
            tokens = [
                (u, issue_token(SECRET, "responder", ttl=timedelta(hours=1), now=now, unit_id=u))
                for u, _, _ in sample
            ]
            lua = WRK_SCRIPT.replace(
                "{UNITS}",
                "{"
                + ",".join(
                    f'{{{u},"{t}",{lat},{lon}}}' for (u, t), (_, lat, lon) in zip(tokens, sample, strict=True)
                )
                + "}",
            )
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
                f.write(lua)
            out = subprocess.run(
                ["wrk", "-t2", "-c32", f"-d{int(args.seconds)}s", "-s", f.name, base],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            Path(f.name).unlink()
            rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            print(
                f"2. POST /units/{{id}}/location via wrk (2 workers, -c32): {rate:8.0f} requests/s"
                f"  (non-2xx: {non2xx.group(1) if non2xx else 0})"
            )

            rng = random.Random(9)

            def make(n: int) -> tuple[str, str, bytes, dict[str, str]]:
                (unit_id, tok), (_, lat, lon) = tokens[n % len(tokens)], sample[n % len(sample)]
                body = json.dumps({"lat": lat + rng.random() * 0.0002, "lon": lon}).encode()
                return (
                    "POST",
                    f"/api/v1/units/{unit_id}/location",
                    body,
                    {"Content-Type": "application/json", "Authorization": f"Bearer {tok}"},
                )

            result = asyncio.run(open_loop(base, 500, args.seconds, make))
            lat_ms = result.latencies_ms
            print(
                f"3. single fixes at a constant 500/s for {len(lat_ms)} requests:"
                f" p50 {percentile(lat_ms, 0.5):.1f} ms,"
                f" p99 {percentile(lat_ms, 0.99):.1f} ms, max {max(lat_ms):.1f} ms;"
                f" statuses {result.statuses}, errors {result.errors}"
            )


if __name__ == "__main__":
    main()
