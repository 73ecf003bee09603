"""Camera-alert intake: 2,000 cameras and panic poles, alerts at a realistic peak rate and at a stress
rate, against POST /calls at the same rates in the same run (the baseline: the path every 112 call takes).

The rate. A smart city's video analytics raise, on a busy evening, something like one event per camera
every ten minutes (crowd and intrusion analytics are noisy: most are false alarms), i.e. 2,000 cameras ×
6/h = 3.3 events/s; while a condition persists the video management system re-sends it every few
seconds, so reports outnumber events. We take **20 reports/s** as the realistic peak (6× the busy-hour
event rate, 60 % of reports repeating an open burst) and **100 reports/s** as a stress rate, the rate of
the POST /calls latency benchmark. These are our assumptions, not a measured city's figures.

The mix: new alerts pick a camera and a kind (crowd 30, intrusion 20, abandoned object 10, fight 10,
accident 10, smoke 8, fire 4 — and a pole's button when the camera is a panic pole), confidence uniform in
0.4–1.0, so a few fires and smokes (≥ 0.9) and every press are dispatched at once through call intake;
60 % of reports repeat a (camera, kind) reported in the last 90 s (folded into its burst). The demo fleet
(401 units) is reset before each phase. Latency counts from each request's scheduled time (open loop).

Also: `dial112 cameras import` of 2,000 and of 20,000 cameras (first import, then the same file again).

Usage: .venv/bin/python bench/bench_camera_alerts.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from harness import ROOT, SECRET, bench_database, cli, machine, percentile, server
from loadgen import RequestMaker, Result, open_loop

from app.database import asyncpg_dsn
from app.dispatch.geography import Region, ServiceArea
from app.repositories import cameras as cameras_repo
from app.security import issue_token

CAMERAS = 2000
SMART_CITIES = ("Raipur", "Nava Raipur", "Bhilai", "Durg", "Bilaspur", "Korba")
KIND_WEIGHTS = {
    "crowd": 30,
    "intrusion": 20,
    "abandoned_object": 10,
    "fight": 10,
    "accident": 10,
    "smoke": 8,
    "fire": 4,
}
TEXTS = [
    "someone snatched my phone and ran towards the market",
    "ghar mein aag lag gayi hai",
    "road accident near the highway, two people injured",
    "padosi ladai kar rahe hain, lathi se maar rahe hain",
]
Camera = tuple[str, str, float, float]  # code, kind, lat, lon


def service_area() -> ServiceArea:
    geo = ROOT / "app" / "geodata" / "chhattisgarh"
    districts = json.loads((geo / "districts.geojson").read_text())["features"]
    zones = json.loads((geo / "urban_zones.geojson").read_text())["features"]
    return ServiceArea(
        [Region(f["properties"]["name"], f["geometry"]) for f in districts],
        [Region(f["properties"]["name"], f["geometry"], f["properties"]["district"]) for f in zones],
    )


def make_cameras(n: int, rng: random.Random) -> list[Camera]:
    """Cameras inside the smart cities' urban zones, 8 % of them panic poles."""
    geo = ROOT / "app" / "geodata" / "chhattisgarh"
    zones = [
        f
        for f in json.loads((geo / "urban_zones.geojson").read_text())["features"]
        if f["properties"]["name"] in SMART_CITIES
    ]
    area = service_area()
    out: list[Camera] = []
    while len(out) < n:
        zone = rng.choices(zones, weights=[z["properties"]["radius_km"] ** 2 for z in zones])[0]
        ring = zone["geometry"]["coordinates"][0]
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        lat, lon = rng.uniform(min(lats), max(lats)), rng.uniform(min(lons), max(lons))
        if not area.locate(lat, lon).inside or not area.is_urban(lat, lon):
            continue
        kind = "panic_pole" if rng.random() < 0.08 else rng.choice(["fixed", "fixed", "ptz", "anpr"])
        out.append((f"CG-{len(out):06d}", kind, round(lat, 6), round(lon, 6)))
    return out


def write_csv(cameras: list[Camera], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "kind", "lat", "lon", "live_url"])
        for code, kind, lat, lon in cameras:
            w.writerow([code, f"Junction {code}", kind, lat, lon, f"rtsp://vms.local/live/{code}"])


def timed_import(url: str, path: Path) -> tuple[float, str]:
    started = time.perf_counter()
    out = cli(url, "cameras", "import", str(path))
    return time.perf_counter() - started, out.splitlines()[-1]


async def reset(url: str) -> None:
    """No incidents, alerts or events; every unit free at its post with a fresh position."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for attempt in range(10):  # requests still draining from a run may hold locks for a moment
            try:
                await conn.execute(
                    "TRUNCATE camera_alert_reports, camera_alerts, assignments, calls, idempotency_keys,"
                    " events, incidents RESTART IDENTITY CASCADE"
                )
                break
            except asyncpg.DeadlockDetectedError:
                await asyncio.sleep(1 + attempt)
        await conn.execute("UPDATE units SET status = 'available', status_at = now(), position_at = now()")
        await conn.execute("VACUUM ANALYZE")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


def alert_maker(cameras: list[Camera], token: str, rate: float, seed: int) -> RequestMaker:
    """Reports: 60 % repeat a (camera, kind) reported in the last 90 s, the rest start a new burst."""
    rng = random.Random(seed)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    recent: list[tuple[int, str, str]] = []  # (request number, camera code, kind)
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    run = rng.randrange(10**9)

    def make(n: int) -> tuple[str, str, bytes, dict[str, str]]:
        horizon = n - int(90 * rate)
        while recent and recent[0][0] < horizon:
            recent.pop(0)
        if recent and rng.random() < 0.6:
            _, code, kind = rng.choice(recent)
        else:
            code, camera_kind, _, _ = rng.choice(cameras)
            kind = "sos_button" if camera_kind == "panic_pole" and rng.random() < 0.5 else None
            kind = kind or rng.choices(kinds, weights)[0]
            recent.append((n, code, kind))
        body = {
            "camera_code": code,
            "kind": kind,
            "confidence": round(rng.uniform(0.4, 1.0), 2),
            "snapshot_url": f"https://vms.local/snap/{run}-{n}.jpg",
            "external_id": f"vms-{run}-{n}",
        }
        return "POST", "/api/v1/camera-alerts", json.dumps(body).encode(), headers

    return make


def call_maker(cameras: list[Camera], token: str, seed: int) -> RequestMaker:
    """POST /calls at the cameras' points (the baseline: the path every call takes)."""
    rng = random.Random(seed)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def make(n: int) -> tuple[str, str, bytes, dict[str, str]]:
        _, _, lat, lon = rng.choice(cameras)
        body = {"caller_number": f"+9170{n:08d}", "text": rng.choice(TEXTS), "lat": lat, "lon": lon}
        return "POST", "/api/v1/calls", json.dumps(body).encode(), headers

    return make


def summary(result: Result, ok: tuple[int, ...]) -> tuple[float, float, float, int]:
    lat = result.latencies_ms
    errors = result.errors + sum(n for code, n in result.statuses.items() if code not in ok)
    return percentile(lat, 0.5), percentile(lat, 0.99), max(lat), errors


def statuses(result: Result) -> str:
    """Status codes other than 2xx, and connection errors, for the error column."""
    bad = {code: n for code, n in sorted(result.statuses.items()) if code >= 300}
    if result.errors:
        bad[0] = result.errors
    return f"{bad}" if bad else ""


def phase(
    url: str, rate: float, seconds: float, make: RequestMaker, warm: RequestMaker
) -> tuple[Result, list[str]]:
    """A fresh server, 3 s of warm-up at the rate (not recorded), then the measured run."""
    outcomes: list[str] = []

    def on_response(_n: int, status: int, body: bytes) -> None:
        # Called just before the loadgen records this request's latency: outcomes line up with latencies.
        try:
            data = json.loads(body)
        except ValueError:
            outcomes.append(str(status))
            return
        if "incident" in data:
            outcomes.append(data["incident"]["status"])
        elif "status" in data:
            outcomes.append("folded" if data.get("count", 1) > 1 else data["status"])
        else:
            outcomes.append(str(status))

    asyncio.run(reset(url))
    with server(url, workers=2) as base:
        asyncio.run(open_loop(base, rate, 3, warm))
        result = asyncio.run(open_loop(base, rate, seconds, make, on_response=on_response))
    return result, outcomes


async def burst_check(url: str) -> tuple[int, int, int]:
    """(alerts, reports, alerts of one camera and kind whose spans overlap: must be 0)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        alerts = await conn.fetchval("SELECT count(*) FROM camera_alerts")
        reports = await conn.fetchval("SELECT count(*) FROM camera_alert_reports")
        overlapping = await conn.fetchval(
            """SELECT count(*) FROM camera_alerts a JOIN camera_alerts b
               ON a.camera_id = b.camera_id AND a.kind = b.kind AND a.id < b.id
               AND a.status <> 'dismissed' AND b.status <> 'dismissed'
               AND b.first_at <= a.last_at + interval '2 minutes'
               AND a.first_at <= b.last_at + interval '2 minutes'"""
        )
        return alerts, reports, overlapping
    finally:
        await conn.close()


FULL_SCAN = """SELECT c.code, c.name, c.kind, c.live_url,
    earth_distance(ll_to_earth($1, $2), ll_to_earth(c.lat, c.lon)) AS distance_m FROM cameras c
    WHERE earth_distance(ll_to_earth($1, $2), ll_to_earth(c.lat, c.lon)) <= $3
    ORDER BY distance_m, c.code LIMIT $4"""


async def cameras_near_timing(url: str, cameras: list[Camera]) -> tuple[list[float], list[float], str]:
    """The incident page's camera query (GiST) against the same query scanning every camera."""
    rng = random.Random(4)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    near: list[float] = []
    scan: list[float] = []
    try:
        await conn.execute("VACUUM ANALYZE cameras")
        for i in range(1000):
            _, _, lat, lon = rng.choice(cameras)
            lat, lon = lat + rng.uniform(-0.003, 0.003), lon + rng.uniform(-0.003, 0.003)
            t0 = time.perf_counter()
            await cameras_repo.cameras_near(conn, lat, lon, 500, 20)
            near.append((time.perf_counter() - t0) * 1000)
            if i % 10 == 0:
                t0 = time.perf_counter()
                await conn.fetch(FULL_SCAN, lat, lon, 500, 20)
                scan.append((time.perf_counter() - t0) * 1000)
        explain = await conn.fetch("EXPLAIN " + cameras_repo.CAMERAS_NEAR_SQL, 21.25, 81.63, 500.0, 20)
        plan = " | ".join(r[0].strip() for r in explain if "Scan" in r[0] or "Index Cond" in r[0])
    finally:
        await conn.close()
    return near, scan, plan


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    rng = random.Random(2026)
    cameras = make_cameras(20_000, rng)
    now = datetime.now(UTC)
    gateway = issue_token(SECRET, "gateway", ttl=timedelta(hours=2), now=now, subject="bench-vms")
    operator = issue_token(SECRET, "operator", ttl=timedelta(hours=2), now=now, subject="bench")
    with bench_database() as url, tempfile.TemporaryDirectory() as tmp:
        cli(url, "seed", "--demo")
        small, large = Path(tmp) / "cameras-2000.csv", Path(tmp) / "cameras-20000.csv"
        write_csv(cameras[:CAMERAS], small)
        write_csv(cameras, large)
        for label, path in (("2,000", small), ("20,000", large)):
            first, said = timed_import(url, path)
            again, said_again = timed_import(url, path)
            print(f"import {label:>6} cameras: {first:5.2f} s ({said})")
            print(f"       same file again: {again:5.2f} s ({said_again})")
        print("   (each figure includes starting the dial112 command, ~1 s)")
        near, scan, plan = asyncio.run(cameras_near_timing(url, cameras))
        print(
            f"cameras within 500 m of an incident, among {len(cameras)}:"
            f" index p50 {percentile(near, 0.5):.2f} ms, p99 {percentile(near, 0.99):.2f} ms;"
            f" full-scan baseline p50 {percentile(scan, 0.5):.2f} ms"
            f" ({percentile(scan, 0.5) / percentile(near, 0.5):.0f}x slower)"
        )
        print(f"   plan: {plan}")
        in_use = cameras[:CAMERAS]

        async def prune() -> None:
            conn = await asyncpg.connect(asyncpg_dsn(url))
            try:
                await conn.execute("DELETE FROM cameras WHERE code > $1", in_use[-1][0])
            finally:
                await conn.close()

        asyncio.run(prune())
        poles = sum(c[1] == "panic_pole" for c in in_use)
        print(f"{CAMERAS} cameras ({poles} panic poles), 401 demo units, 2 workers")
        for rate in (20.0, 100.0):
            alerts, outcomes = phase(
                url,
                rate,
                args.seconds,
                alert_maker(in_use, gateway, rate, 1),
                alert_maker(in_use, gateway, rate, 9),
            )
            a50, a99, amax, aerr = summary(alerts, (200, 201))
            n_alerts, n_reports, overlapping = asyncio.run(burst_check(url))
            calls, _ = phase(
                url, rate, args.seconds, call_maker(in_use, operator, 1), call_maker(in_use, operator, 9)
            )
            c50, c99, cmax, cerr = summary(calls, (201,))
            for label, result, p50, p99, pmax, err in (
                ("POST /camera-alerts", alerts, a50, a99, amax, aerr),
                ("POST /calls baseline", calls, c50, c99, cmax, cerr),
            ):
                print(
                    f"{rate:5.0f}/s  {label:<20} ({len(result.latencies_ms)}): p50 {p50:6.1f} ms,"
                    f" p99 {p99:6.1f} ms, max {pmax:6.1f} ms, errors {err} {statuses(result)}"
                )
            print(f"        alert p50 / call p50 = {a50 / c50:.2f}, alert p99 / call p99 = {a99 / c99:.2f}")
            by_outcome: dict[str, list[float]] = {}
            for outcome, ms in zip(outcomes, alerts.latencies_ms, strict=False):
                by_outcome.setdefault(outcome, []).append(ms)
            parts = [
                f"{k} {len(v)} (p50 {percentile(v, 0.5):.1f}, p99 {percentile(v, 0.99):.1f})"
                for k, v in sorted(by_outcome.items(), key=lambda kv: -len(kv[1]))
            ]
            print(f"        by outcome: {', '.join(parts)}")
            print(
                f"        {n_reports} reports → {n_alerts} alerts (warm-up included);"
                f" overlapping alerts of one camera and kind: {overlapping}"
            )


if __name__ == "__main__":
    main()
