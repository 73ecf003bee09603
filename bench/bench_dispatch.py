"""Dispatch benchmarks: numbers and ratios against baselines run in the same process.

1. Throughput: end-to-end POST /calls with 2 workers driven by wrk, as a ratio of a raw asyncpg script
   that runs the service's own dispatch SQL (same statements and round trips, 16 connections, no HTTP).
2. Latency at a constant 100 calls/s, open loop (each request is sent at its scheduled time whatever the
   previous ones do; latency counts from the scheduled time): p50, p99, errors.
3. Unit selection with 10,000 units: p50/p99 of the candidate query + policy ranking, against a full scan.

Usage: .venv/bin/python bench/bench_dispatch.py [--seconds 10]   (needs `wrk`: apt-get install wrk)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from harness import ROOT, SECRET, bench_database, machine, percentile, server
from loadgen import RequestMaker, open_loop

from app.database import asyncpg_dsn
from app.dispatch.geography import Region, ServiceArea
from app.dispatch.policy import Candidate, EtaModel, FastestArrivalPolicy, Need, needed_services
from app.dispatch.triage import classify
from app.repositories import callers as callers_repo
from app.repositories import incidents as repo
from app.security import issue_token

FLEET = 10_000
TEXTS = [
    "someone snatched my phone and ran towards the market",
    "ghar mein aag lag gayi hai",
    "road accident near the highway, two people injured",
    "my father is unconscious and not breathing properly",
    "padosi ladai kar rahe hain, lathi se maar rahe hain",
]
TYPES = (
    ["police_erv"] * 60
    + ["ambulance"] * 20
    + ["fire_tender"] * 8
    + ["women_safety"] * 6
    + ["child_protection"] * 6
)


def service_area() -> ServiceArea:
    geo = ROOT / "app" / "geodata" / "chhattisgarh"
    districts = json.loads((geo / "districts.geojson").read_text())["features"]
    zones = json.loads((geo / "urban_zones.geojson").read_text())["features"]
    return ServiceArea(
        [Region(f["properties"]["name"], f["geometry"]) for f in districts],
        [Region(f["properties"]["name"], f["geometry"]) for f in zones],
    )


def points_inside(area: ServiceArea, n: int, rng: random.Random) -> list[tuple[float, float, str, str]]:
    """Random points inside the state, weighted to its populous middle."""
    out = []
    while len(out) < n:
        lat, lon = rng.uniform(20.5, 23.0), rng.uniform(80.8, 83.5)
        p = area.locate(lat, lon)
        if p.inside:
            out.append((round(lat, 5), round(lon, 5), p.district, p.area_type))
    return out


async def reset(url: str, rng_seed: int = 1) -> None:
    """A fresh fleet of FLEET available units with fresh positions, and no incidents."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for attempt in range(10):  # requests still draining from a load run may hold locks for a moment
            try:
                await conn.execute(
                    "TRUNCATE assignments, calls, idempotency_keys, events, incidents, unit_positions, units"
                    " RESTART IDENTITY CASCADE"
                )
                break
            except asyncpg.DeadlockDetectedError:
                await asyncio.sleep(1 + attempt)
        rng = random.Random(rng_seed)
        area = service_area()
        rows = [
            (f"B-{n:05d}", rng.choice(TYPES), district, lat, lon)
            for n, (lat, lon, district, _) in enumerate(points_inside(area, FLEET, rng))
        ]
        await conn.executemany(
            "INSERT INTO units (callsign, type, district, lat, lon) VALUES ($1, $2, $3, $4, $5)", rows
        )
        await conn.execute("VACUUM ANALYZE units")
        # Flush what earlier phases wrote, so no phase pays for a checkpoint caused by another.
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


# ------------------------------------------------------------------------------------------- 1. throughput


async def raw_baseline(url: str, seconds: float, points: list[tuple[float, float, str, str]]) -> float:
    """The service's dispatch SQL on 16 raw asyncpg connections: calls per second."""
    eta = EtaModel(turnout_seconds={"police_erv": 60, "ambulance": 60, "fire_tender": 80})
    policy = FastestArrivalPolicy(eta)
    triaged = [classify(t) for t in TEXTS]
    service_types = {
        "police": ["police_erv"],
        "fire": ["fire_tender"],
        "medical": ["ambulance"],
        "women": ["women_safety", "police_erv"],
        "child": ["child_protection", "police_erv"],
    }
    pool = await asyncpg.create_pool(
        asyncpg_dsn(url),
        min_size=16,
        max_size=16,
        init=lambda c: c.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"),
    )
    done = 0
    stop = time.monotonic() + seconds

    async def worker(seed: int) -> None:
        nonlocal done
        rng = random.Random(seed)
        while time.monotonic() < stop:
            lat, lon, district, area_type = rng.choice(points)
            t = triaged[rng.randrange(len(triaged))]
            now = datetime.now(UTC)
            category = t.category or "police"
            number = f"+91{rng.randrange(10**10)}"
            async with pool.acquire() as conn, conn.transaction():
                # As the service does: tag the transaction for the audit, read the caller's history.
                await conn.execute("SELECT set_config('dial112.request_id', $1, true)", f"bench-{done}")
                await callers_repo.caller_counts(conn, number, now, ["%hoax%", "%prank%", "%fake%"])
                target = await repo.target_minutes(conn, area_type, district, category)
                dup = await repo.find_duplicate_of(
                    conn,
                    category=category,
                    lat=lat,
                    lon=lon,
                    caller_number=number,
                    radius_m=300,
                    since=now - timedelta(minutes=15),
                )
                services = (
                    [] if dup else needed_services(category, list(t.secondary), ["police", "medical", "fire"])
                )
                incident_id, _, _ = await repo.insert_incident_with_call(
                    conn,
                    {
                        "status": "duplicate" if dup else "queued",
                        "category": category,
                        "secondary": list(t.secondary),
                        "priority": t.priority,
                        "triage": t.to_dict(),
                        "district": district,
                        "area_type": area_type,
                        "target_minutes": target,
                        "lat": lat,
                        "lon": lon,
                        "address": None,
                        "received_at": now,
                        "caller_number": None,
                        "duplicate_of": dup,
                        "pending": services,
                        "needs_review": False,
                        "created_by": "bench",
                    },
                    {"text": TEXTS[0], "channel": "voice", "idempotency_key": None},
                )
                for service in services:
                    rows = await repo.nearest_free_units(
                        conn,
                        unit_types=service_types[service],
                        lat=lat,
                        lon=lon,
                        fresh_after=now - timedelta(minutes=30),
                        per_type=5,
                        exclude=[],
                    )
                    ranked = policy.rank(
                        Need(service, lat, lon, area_type),
                        [Candidate(r["id"], r["type"], r["lat"], r["lon"]) for r in rows],
                    )
                    for r in ranked:
                        if await repo.claim_unit(
                            conn,
                            unit_id=r.candidate.unit_id,
                            incident_id=incident_id,
                            service=service,
                            eta_seconds=r.eta_seconds,
                            distance_km=r.distance_km,
                            now=now,
                            actor="bench",
                            district=district,
                        ):
                            break
            done += 1

    start = time.monotonic()
    await asyncio.gather(*(worker(i) for i in range(16)))
    elapsed = time.monotonic() - start
    await pool.close()
    return done / elapsed


WRK_SCRIPT = """
local points = {POINTS}
local texts = {TEXTS}
local n = 0
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {TOKEN}"
request = function()
  n = n + 1
  local p = points[math.random(#points)]
  local body = string.format('{"caller_number":"+91%010d","text":"%s","lat":%f,"lon":%f,"channel":"voice"}',
                             math.random(0, 2147483646), texts[math.random(#texts)], p[1], p[2])
  return wrk.format(nil, "/api/v1/calls", nil, body)
end
"""


def run_wrk(
    base: str, seconds: float, points: list[tuple[float, float, str, str]], token: str
) -> tuple[float, str]:
    lua = (
        WRK_SCRIPT.replace("{POINTS}", "{" + ",".join(f"{{{p[0]},{p[1]}}}" for p in points) + "}")
        .replace("{TEXTS}", "{" + ",".join(json.dumps(t) for t in TEXTS) + "}")
        .replace("{TOKEN}", token)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{int(seconds)}s", "--latency", "-s", f.name, base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(f.name).unlink()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return rate, out


# ------------------------------------------------------------------------------------------- 2. latency


def call_maker(points: list[tuple[float, float, str, str]], token: str) -> RequestMaker:
    """POST /calls requests at random points of the state with random texts."""
    rng = random.Random(5)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def make(n: int) -> tuple[str, str, bytes, dict[str, str]]:
        lat, lon, _, _ = rng.choice(points)
        body = {"caller_number": f"+9170{n:08d}", "text": rng.choice(TEXTS), "lat": lat, "lon": lon}
        return "POST", "/api/v1/calls", json.dumps(body).encode(), headers

    return make


# ------------------------------------------------------------------------------------------- 3. selection


FULL_SCAN = """
SELECT u.id, u.type, u.lat, u.lon FROM unnest($1::text[]) AS t(type)
CROSS JOIN LATERAL (
    SELECT id, type, lat, lon FROM units
    WHERE status = 'available' AND type = t.type AND position_at >= $4 AND id <> ALL($6::bigint[])
    ORDER BY earth_distance(ll_to_earth(lat, lon), ll_to_earth($2, $3)) LIMIT $5
) u
"""


async def selection(
    url: str, points: list[tuple[float, float, str, str]], n: int = 2000
) -> dict[str, list[float]]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    policy = FastestArrivalPolicy(EtaModel())
    rng = random.Random(3)
    out: dict[str, list[float]] = {"knn": [], "scan": []}
    fresh = datetime.now(UTC) - timedelta(minutes=30)
    try:
        for i in range(n):
            lat, lon, _, area_type = rng.choice(points)
            types = ["women_safety", "police_erv"]
            t0 = time.perf_counter()
            rows = await repo.nearest_free_units(
                conn, unit_types=types, lat=lat, lon=lon, fresh_after=fresh, per_type=5, exclude=[]
            )
            policy.rank(
                Need("women", lat, lon, area_type),
                [Candidate(r["id"], r["type"], r["lat"], r["lon"]) for r in rows],
            )
            out["knn"].append((time.perf_counter() - t0) * 1000)
            if i % 10 == 0:  # the full scan is slow; sample it
                t0 = time.perf_counter()
                await conn.fetch(FULL_SCAN, types, lat, lon, fresh, 5, [])
                out["scan"].append((time.perf_counter() - t0) * 1000)
        plan = await conn.fetch(
            "EXPLAIN " + repo.NEAREST_FREE_UNITS_SQL, ["police_erv"], 21.25, 81.63, fresh, 5, []
        )
        print("   plan:", " | ".join(r[0].strip() for r in plan if "Scan" in r[0] or "Order By" in r[0]))
    finally:
        await conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    print(f"machine: {machine()}")
    rng = random.Random(11)
    points = points_inside(service_area(), 2000, rng)
    token = issue_token(SECRET, "operator", ttl=timedelta(hours=2), now=datetime.now(UTC), subject="bench")
    with bench_database() as url:
        asyncio.run(reset(url))
        base_rate = asyncio.run(raw_baseline(url, args.seconds, points))
        print(f"1. raw asyncpg dispatch SQL, 16 connections: {base_rate:8.1f} calls/s")
        asyncio.run(reset(url))
        with server(url, workers=2) as base:
            rate, out = run_wrk(base, args.seconds, points, token)
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            print(
                f"   POST /calls via HTTP, 2 workers (wrk -t2 -c32): {rate:8.1f} calls/s"
                f"  = {100 * rate / base_rate:.0f}% of the raw baseline"
                f"  (non-2xx: {non2xx.group(1) if non2xx else 0})"
            )
            lat_line = [ln.strip() for ln in out.splitlines() if ln.strip().startswith(("50%", "99%"))]
            print(f"   wrk latency at saturation: {', '.join(lat_line)}")
        asyncio.run(reset(url))
        with server(url, workers=2) as base:  # a fresh server: nothing left over from the saturation run
            # 3 s of the same load first, not recorded: cold statement caches, fresh tables.
            asyncio.run(open_loop(base, 100, 3, call_maker(points, token)))
            result = asyncio.run(open_loop(base, 100, max(10.0, args.seconds), call_maker(points, token)))
            latencies = result.latencies_ms
            errors = result.errors + sum(n for code, n in result.statuses.items() if code != 201)
            print(
                f"2. open loop at 100 calls/s for {len(latencies)} calls:"
                f" p50 {percentile(latencies, 0.5):.1f} ms,"
                f" p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms, errors {errors}"
            )
        asyncio.run(reset(url))
        times = asyncio.run(selection(url, points))
        knn, scan = times["knn"], times["scan"]
        print(
            f"3. unit selection among {FLEET} units (KNN + policy): p50 {percentile(knn, 0.5):.2f} ms,"
            f" p99 {percentile(knn, 0.99):.2f} ms; full-scan baseline p50 {percentile(scan, 0.5):.2f} ms"
            f" (KNN is {percentile(scan, 0.5) / percentile(knn, 0.5):.0f}x faster)"
        )


if __name__ == "__main__":
    main()
