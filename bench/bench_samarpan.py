"""Samarpan's cost on intake: the member look-up every call with a caller number now makes.

With 100,000 members registered (90 % verified), times the look-up that POST /calls runs inside its
transaction (app/repositories/seniors.py member_calling) for a stranger's number (the common case)
and for a member's, against a bare round trip (`SELECT 1`) on the same connection in the same run,
and the same look-up on an empty registry: it must stay one index probe, whatever the registry's size.

Usage: .venv/bin/python bench/bench_samarpan.py [--calls 5000] [--members 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from harness import bench_database, machine, percentile

from app.database import create_pool, transaction
from app.repositories import seniors as repo

SEED_MEMBERS = """
WITH station AS (SELECT id FROM stations WHERE district = 'Raipur' ORDER BY id LIMIT 1),
m AS (
    INSERT INTO senior_members (status, name, date_of_birth, address, lat, lon, district, station_id,
        lives_alone, conditions, emergency_contacts, consent_given_at, consent_channel, channel,
        applied_at, applied_on, applied_by, verified_on, updated_at)
    SELECT CASE WHEN g % 10 = 0 THEN 'pending' ELSE 'verified' END, 'Member ' || g, DATE '1950-01-01',
           'House ' || g, 21.25, 81.63, 'Raipur', station.id, true, '{diabetes}',
           '[{"name": "Son", "relation": "son", "phone": "+919425000000"}]', now(), 'station', 'station',
           now(), current_date, 'bench', CASE WHEN g % 10 = 0 THEN NULL ELSE current_date END, now()
    FROM generate_series(1, $1) AS g, station
    RETURNING id
)
INSERT INTO senior_phones (member_id, position, phone, active)
SELECT id, 1, '+9170' || lpad(id::text, 8, '0'), true FROM m
"""


def member_number(i: int) -> str:
    """The bench's number of member i (valid Indian mobile numbers: 70xxxxxxxx)."""
    return "+9170" + str(i).rjust(8, "0")


async def timed(run: object, n: int) -> list[float]:
    """Milliseconds per call of an async callable taking the iteration number."""
    out = []
    for i in range(n):
        start = time.perf_counter()
        await run(i)  # type: ignore[operator]
        out.append((time.perf_counter() - start) * 1000)
    return out


async def measure(url: str, calls: int, members: int) -> dict[str, list[float]]:
    """Interleaved rounds of each query, so machine noise hits them alike."""
    pool = await create_pool(url, 1, 1)
    rng = random.Random(7)
    results: dict[str, list[float]] = {"round trip": [], "stranger": [], "member": []}
    try:
        async with pool.acquire() as conn:

            async def round_trip(i: int) -> None:
                await conn.fetchrow("SELECT 1")

            async def stranger(i: int) -> None:
                number = "+9198" + str(rng.randrange(10**8)).rjust(8, "0")
                assert await repo.member_calling(conn, number) is None

            async def member(i: int) -> None:
                await repo.member_calling(conn, member_number(rng.randrange(1, members + 1)))

            for _ in range(200):  # warm the plan caches
                await round_trip(0)
            for _round in range(10):
                for name, run in (("round trip", round_trip), ("stranger", stranger), ("member", member)):
                    # Inside a transaction, as in POST /calls: BEGIN and COMMIT are the call's anyway.
                    async with conn.transaction():
                        results[name] += await timed(run, calls // 10)
    finally:
        await pool.close()
    return results


async def seed(url: str, members: int) -> None:
    """Register the bench's members."""
    pool = await create_pool(url, 1, 1)
    try:
        async with transaction(pool) as conn:
            await conn.execute(SEED_MEMBERS, members)
            await conn.execute("ANALYZE senior_members; ANALYZE senior_phones")
    finally:
        await pool.close()


def report(title: str, results: dict[str, list[float]]) -> None:
    """Print p50/p99 of each and the ratios to the bare round trip."""
    base = percentile(results["round trip"], 0.5)
    print(f"-- {title}")
    for name, values in results.items():
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        print(f"   {name:<11} p50 {p50:6.3f} ms  p99 {p99:6.3f} ms   p50 = {p50 / base:4.2f} x round trip")


def main() -> None:
    """Run the benchmark and print the numbers."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--members", type=int, default=100_000)
    args = parser.parse_args()
    print(f"Samarpan look-up on intake — {machine()}")
    with bench_database() as url:
        # The look-up of a stranger's number on an empty registry, then on a full one.
        empty = asyncio.run(measure(url, args.calls, 1))
        empty.pop("member")
        report("empty registry (stranger's number)", empty)
        asyncio.run(seed(url, args.members))
        full = asyncio.run(measure(url, args.calls, int(args.members * 0.9)))
        report(f"{args.members:,} members registered", full)
        ratio = percentile(full["stranger"], 0.5) / percentile(empty["stranger"], 0.5)
        print(f"   stranger's look-up, full ÷ empty registry (p50): {ratio:4.2f}")


if __name__ == "__main__":
    main()
