"""Analytics benchmark: response-time statistics over two years of Chhattisgarh volume (5.3 M incidents).

The data generator (SQL generate_series, two connections in parallel) writes 5.3 million incidents from
2024-01-01 to 2025-12-31 IST: 33 districts with the populous ones weighted up, 40 % urban, the seed's
service mix (domain.md: police help 9.5 lakh, medical 4.5 lakh + 2 lakh road accidents, women 72,000,
fire 8,000, children 6,000), most calls needing no vehicle (closed, duplicates, referred), a share
dispatched but never reached (cancelled), and arrivals lognormal around the targets (median 12 min urban,
21 min rural; about a fifth late). Only incidents are generated (no calls or assignments): the statistics
timed here read incidents alone. The rollup triggers are off during the bulk load and both rollup tiers
are then built in one statement each, exactly as the back-fills of migrations 0004 (day tier) and 0005
(month tier) do.

Then it times `response-times` grouped by district × category × area type — for one month and for the
whole two years — through the service function the API calls, with the rollup (auto) and with the raw
scan (percentile_cont over every row: the baseline), checks both give identical rows, and prints
timings (median of 5 warm runs), ratios and the key lines of each query plan.

Usage: .venv/bin/python bench/bench_analytics.py [--incidents 5300000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import asyncpg
from harness import bench_database, machine

from app.database import create_pool
from app.repositories import analytics as repo
from app.services import analytics as service

START = "2024-01-01 00:00:00+05:30"
DAYS = 731  # 2024 is a leap year: two calendar years to 2025-12-31

# Populous districts first: district k (0-based in this order) is drawn with weight ~ (k+1)^-0.9.
HEAVY = ["Raipur", "Durg", "Bilaspur", "Rajnandgaon", "Korba", "Raigarh", "Janjgir-Champa", "Surguja"]

GENERATE = """
INSERT INTO incidents (status, category, priority, district, area_type, target_minutes, lat, lon,
                       received_at, first_on_scene_at, response_seconds, within_target, first_unit_type,
                       disposition, ended_at, created_by)
SELECT CASE WHEN kind < 0.10 THEN 'duplicate' WHEN kind < 0.11 THEN 'referred'
            WHEN kind < 0.66 THEN 'closed' WHEN kind < 0.68 THEN 'cancelled' ELSE 'closed' END,
       category, priority, district, area_type, target, lat, lon, received_at,
       CASE WHEN arrived THEN received_at + make_interval(secs => response) END,
       CASE WHEN arrived THEN response END,
       CASE WHEN arrived THEN response <= target * 60 END,
       CASE WHEN arrived THEN
           CASE category WHEN 'police' THEN 'police_erv' WHEN 'medical' THEN 'ambulance'
                WHEN 'fire' THEN 'fire_tender'
                WHEN 'women' THEN CASE WHEN u5 < 0.7 THEN 'women_safety' ELSE 'police_erv' END
                ELSE CASE WHEN u5 < 0.6 THEN 'child_protection' ELSE 'police_erv' END END END,
       CASE WHEN kind >= 0.11 THEN 'resolved' END,
       received_at + interval '1 hour', 'bench'
FROM (
    SELECT g, kind, kind >= 0.68 AS arrived, u5,
           timestamptz '{start}'
               + make_interval(secs => (g - 1 + u4) * ({days} * 86400.0 / $3)) AS received_at,
           CASE WHEN uc < 0.56 THEN 'police' WHEN uc < 0.94 THEN 'medical' WHEN uc < 0.985 THEN 'women'
                WHEN uc < 0.991 THEN 'fire' ELSE 'child' END AS category,
           CASE WHEN up < 0.2 THEN 1 WHEN up < 0.75 THEN 2 ELSE 3 END AS priority,
           d.names[1 + least(floor(power(ud, 2.2) * d.n)::int, d.n - 1)] AS district,
           CASE WHEN ua < 0.4 THEN 'urban' ELSE 'rural' END AS area_type,
           CASE WHEN ua < 0.4 THEN 16.0 ELSE 28.0 END AS target,
           21.25 + ud AS lat, 81.63 + ua / 2 AS lon,
           -- lognormal around the target: median 12 min urban / 21 min rural, sigma 0.45 (Box-Muller).
           round((CASE WHEN ua < 0.4 THEN 720.0 ELSE 1260.0 END)
                 * exp(0.45 * sqrt(-2 * ln(1 - u1)) * cos(2 * pi() * u2))
                 * 1000000) / 1000000.0 AS response
    FROM generate_series($1::bigint, $2::bigint) AS g,
         LATERAL (SELECT random() AS kind, random() AS uc, random() AS up, random() AS ud, random() AS ua,
                         random() AS u1, random() AS u2, random() AS u4, random() AS u5, g AS dep) r,
         (SELECT array_agg(name ORDER BY array_position($4::text[], name) NULLS LAST, name) AS names,
                 count(*)::int AS n FROM districts) d
) x
"""

ROLLUP = """
INSERT INTO response_rollup
    (day, district, category, area_type, priority, unit_type, second, n, n_within, sum_us)
SELECT (i.received_at AT TIME ZONE 'Asia/Kolkata')::date, i.district, i.category, i.area_type, i.priority,
       i.first_unit_type, floor(i.response_seconds)::integer, count(*),
       count(*) FILTER (WHERE i.within_target),
       sum(round(i.response_seconds * 1000000)::bigint)
FROM incidents i WHERE i.response_seconds IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""

# Migration 0005's month tier (a histogram of whole minutes per IST month), built as its back-fill does.
ROLLUP_MONTH = """
INSERT INTO response_rollup_month
    (month, district, category, area_type, priority, unit_type, minute, n, n_within, sum_us)
SELECT date_trunc('month', i.received_at AT TIME ZONE 'Asia/Kolkata')::date, i.district, i.category,
       i.area_type, i.priority, i.first_unit_type, floor(floor(i.response_seconds)::integer / 60.0)::integer,
       count(*), count(*) FILTER (WHERE i.within_target), sum(round(i.response_seconds * 1000000)::bigint)
FROM incidents i WHERE i.response_seconds IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""

PLAN_KEYS = (
    "Scan",
    "Aggregate",
    "Sort",
    "WindowAgg",
    "Nested Loop",
    "Gather",
    "Workers",
    "Execution Time",
    "Planning Time",
)


async def load(url: str, total: int) -> None:
    """Generate the incidents in parallel chunks, then the rollup; prints how long each step took."""
    pool = await create_pool(url, 2, 2)
    try:
        async with pool.acquire() as conn:
            await conn.execute("ALTER TABLE incidents DISABLE TRIGGER USER")
        started = time.perf_counter()
        chunk = 250_000
        ranges = [(lo, min(lo + chunk - 1, total)) for lo in range(1, total + 1, chunk)]

        async def worker(mine: list[tuple[int, int]]) -> None:
            async with pool.acquire() as conn:
                await conn.execute("SET statement_timeout = 0")  # bulk load, not a request
                for lo, hi in mine:
                    await conn.execute(
                        GENERATE.format(start=START, days=DAYS), lo, hi, float(total), HEAVY, timeout=3600
                    )

        await asyncio.gather(worker(ranges[0::2]), worker(ranges[1::2]))
        loaded = time.perf_counter()
        async with pool.acquire() as conn:
            await conn.execute("SET statement_timeout = 0")
            await conn.execute(ROLLUP, timeout=3600)
            await conn.execute(ROLLUP_MONTH, timeout=3600)
            await conn.execute("ALTER TABLE incidents ENABLE TRIGGER USER")
            rolled = time.perf_counter()
            await conn.execute("VACUUM (ANALYZE) incidents", timeout=3600)
            await conn.execute("VACUUM (ANALYZE) response_rollup", timeout=3600)
            await conn.execute("VACUUM (ANALYZE) response_rollup_month", timeout=3600)
            vacuumed = time.perf_counter()
            sizes = await conn.fetchrow(
                """SELECT (SELECT count(*) FROM incidents) AS incidents,
                          (SELECT count(*) FROM incidents WHERE response_seconds IS NOT NULL) AS arrived,
                          (SELECT count(*) FROM response_rollup) AS rollup_rows,
                          (SELECT count(*) FROM response_rollup_month) AS month_rows,
                          pg_size_pretty(pg_total_relation_size('response_rollup_month')) AS month_size,
                          pg_size_pretty(pg_total_relation_size('incidents')) AS incidents_size,
                          pg_size_pretty(pg_total_relation_size('response_rollup')) AS rollup_size"""
            )
        print(
            f"load: {sizes['incidents']:,} incidents ({sizes['arrived']:,} reached) "
            f"in {loaded - started:.1f} s; "
            f"rollup {sizes['rollup_rows']:,} day-tier rows + {sizes['month_rows']:,} month-tier rows in "
            f"{rolled - loaded:.1f} s; vacuum+analyze {vacuumed - rolled:.1f} s; sizes: incidents "
            f"{sizes['incidents_size']}, rollup day tier {sizes['rollup_size']}, "
            f"month tier {sizes['month_size']}"
        )
    finally:
        await pool.close()


async def timed(pool: asyncpg.Pool, s: repo.Slice, source: str, runs: int) -> tuple[list[float], Any]:
    """Wall-clock seconds of each run of the service call (as the API makes it), and the last result."""
    times, rows = [], None
    for _ in range(runs):
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            t = time.perf_counter()
            rows = await service.response_times(conn, "response", s, source=source)
            times.append(time.perf_counter() - t)
    return times, rows


async def plan(pool: asyncpg.Pool, s: repo.Slice, rollup: bool) -> list[str]:
    """The key lines of the statement's EXPLAIN ANALYZE."""
    sql, args = repo.rollup_response_times_sql(s) if rollup else repo.raw_response_times_sql("response", s)
    async with pool.acquire() as conn, conn.transaction(readonly=True):
        await conn.execute(f"SET LOCAL work_mem = '{repo.WORK_MEM}'")
        lines = await repo.explain(conn, sql, args)
    keep = [
        line
        for line in lines
        if any(k in line for k in PLAN_KEYS) and "Sort Key" not in line and "Sort Method" not in line
    ]
    return keep[:20] + [line for line in keep[20:] if "Time:" in line]


async def timed_day_tier(pool: asyncpg.Pool, s: repo.Slice, runs: int) -> list[float]:
    """Seconds of each run of the day-tier-only rollup statement (migration 0004's plan: the before)."""
    sql, args = repo.day_tier_response_times_sql(s)
    times = []
    for _ in range(runs):
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            await conn.execute(f"SET LOCAL work_mem = '{repo.WORK_MEM}'")
            t = time.perf_counter()
            await conn.fetch(sql, *args)
            times.append(time.perf_counter() - t)
    return times


async def measure(url: str, runs: int) -> None:
    """Time month and two-year queries, rollup vs raw scan; print timings, ratios, plans."""
    pool = await create_pool(url, 1, 2)
    try:
        dims = ("district", "category", "area_type")
        cases = [
            (
                "one month (2025-06)",
                service.build_slice(",".join(dims), "2025-06-01", "2025-06-30", {}, dims, ()),
            ),
            ("two years", service.build_slice(",".join(dims), None, None, {}, dims, ())),
        ]
        for label, s in cases:
            fast, fast_rows = await timed(pool, s, "auto", runs)
            slow, slow_rows = await timed(pool, s, "raw", runs)
            day = await timed_day_tier(pool, s, runs)
            same = fast_rows == slow_rows
            f, b, d = statistics.median(fast), statistics.median(slow), statistics.median(day)
            tier = "month tier + day-tier seconds" if repo.uses_month_tier(s) else "day tier"
            print(
                f"\n{label}: {len(fast_rows or [])} groups; rollup (API, {tier}) median {f * 1000:.0f} ms "
                f"(first {fast[0] * 1000:.0f} ms, max {max(fast) * 1000:.0f} ms); raw percentile_cont scan "
                f"median {b * 1000:.0f} ms (first {slow[0] * 1000:.0f} ms); ratio {b / f:.1f}x; "
                f"identical rows: {same}; day tier alone (0004's plan) median {d * 1000:.0f} ms"
            )
            print("  rollup plan:")
            for line in await plan(pool, s, rollup=True):
                print("   ", line)
            print("  raw-scan plan:")
            for line in await plan(pool, s, rollup=False):
                print("   ", line)
    finally:
        await pool.close()


def main() -> None:
    """Load the data and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=5_300_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"bench_analytics on {machine()}")
    with bench_database() as url:
        asyncio.run(load(url, args.incidents))
        asyncio.run(measure(url, args.runs))


if __name__ == "__main__":
    main()
