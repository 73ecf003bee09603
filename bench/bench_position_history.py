"""Position history: insert and latest-fix costs as the history grows, partitioned by week vs one table.

The service's history (unit_positions, weekly partitions since migration 0007) is compared in the same run
and database with the table as it was before (one table, the same two indexes), both grown to the same
sizes with the same rows (1,000 units, fixes spread over the 90 days of retention):

- insert: batches of 500 fixes recorded now, the service's INSERT ... unnest statement, positions/s;
- latest fix of one unit (the single-fix path) and of 500 units (a gateway batch): the service's LATERAL
  query (app/repositories/units.py), p50 and p99 in ms;
- retention of one week: DROP of a weekly partition vs DELETE of that week's rows from the one table.

Usage: .venv/bin/python bench/bench_position_history.py [--sizes 1000000,3000000,9000000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

import asyncpg
from harness import bench_database, machine, percentile

from app.database import asyncpg_dsn
from app.repositories import position_history as history_repo
from app.services.position_history import ranges_needed

UNITS = 1000
DAYS = 90
BATCH = 500
FLAT = "positions_flat"

LATEST = """SELECT u.id, p.lat, p.lon, p.recorded_at FROM units u
            LEFT JOIN LATERAL (SELECT lat, lon, recorded_at FROM {table}
                               WHERE unit_id = u.id ORDER BY recorded_at DESC LIMIT 1) p ON true
            WHERE u.id = ANY($1::bigint[])"""
# The same look-up bounded to the accepted age of a fix (7 days): PostgreSQL then opens 1-2 partitions.
LATEST_BOUNDED = """SELECT u.id, p.lat, p.lon, p.recorded_at FROM units u
            LEFT JOIN LATERAL (SELECT lat, lon, recorded_at FROM {table}
                               WHERE unit_id = u.id AND recorded_at > $2
                               ORDER BY recorded_at DESC LIMIT 1) p ON true
            WHERE u.id = ANY($1::bigint[])"""
INSERT = """INSERT INTO {table} (unit_id, lat, lon, recorded_at, speed_kmh, heading)
            SELECT * FROM unnest($1::bigint[], $2::float8[], $3::float8[], $4::timestamptz[], $5::real[],
                                 $6::real[])"""
GROW = """INSERT INTO {table} (unit_id, lat, lon, recorded_at, received_at)
          SELECT $1::bigint + (n % $2), 21.2 + (n % 997) * 0.0001, 81.6 + (n % 991) * 0.0001,
                 $3::timestamptz - (n * $4::float8) * interval '1 second',
                 $3::timestamptz - (n * $4::float8) * interval '1 second'
          FROM generate_series($5::bigint, $6::bigint - 1) AS n"""


async def setup(conn: asyncpg.Connection, now: datetime) -> int:
    await conn.execute(f"CREATE TABLE {FLAT} (LIKE unit_positions INCLUDING DEFAULTS)")
    await conn.execute(f"CREATE INDEX ON {FLAT} USING brin (received_at)")
    await conn.execute(f"CREATE INDEX ON {FLAT} (unit_id, recorded_at)")
    await conn.executemany(
        "INSERT INTO units (callsign, type, district, lat, lon)"
        " VALUES ($1, 'police_erv', 'Raipur', 21.25, 81.63)",
        [(f"PB-{n:05d}",) for n in range(UNITS)],
    )
    first_unit: int = await conn.fetchval("SELECT min(id) FROM units")
    # As in a service running since long after migration 0007: the (empty) partitions the migration made
    # are gone and the retention is covered by the service's own partitions.
    async with conn.transaction():
        for partition in await history_repo.partitions(conn):
            await history_repo.drop(conn, partition.name)
        for start, end in ranges_needed(now, DAYS + 1, []):
            await history_repo.add_range(conn, start, end)
    return first_unit


async def grow(
    conn: asyncpg.Connection, first_unit: int, now: datetime, have: int, want: int, size: int
) -> None:
    # Row n is recorded n * step seconds before now: `size` rows cover the 90 days evenly.
    step = DAYS * 86400.0 / size
    for table in ("unit_positions", FLAT):
        for lo in range(have, want, 500_000):
            await conn.execute(
                GROW.format(table=table), first_unit, UNITS, now, step, lo, min(lo + 500_000, want)
            )
        await conn.execute(f"ANALYZE {table}")


async def insert_rates(conn: asyncpg.Connection, first_unit: int, rounds: int = 30) -> dict[str, float]:
    """Positions/s of each table, batches interleaved so that noise (a checkpoint, autovacuum, other jobs on
    the machine) hits both alike; from the median batch."""
    rng = random.Random(5)
    times: dict[str, list[float]] = {"unit_positions": [], FLAT: []}
    for _ in range(rounds):
        ids = [first_unit + rng.randrange(UNITS) for _ in range(BATCH)]
        now = datetime.now(UTC)
        for table, spent in times.items():
            start = time.perf_counter()
            await conn.execute(
                INSERT.format(table=table),
                ids,
                [21.25] * BATCH,
                [81.63] * BATCH,
                [now] * BATCH,
                [None] * BATCH,
                [None] * BATCH,
            )
            spent.append(time.perf_counter() - start)
    return {table: BATCH / percentile(spent, 0.5) for table, spent in times.items()}


async def latest_ms(conn: asyncpg.Connection, first_unit: int, units: int, n: int) -> dict[str, list[float]]:
    """Latest-fix look-up times (ms) of `units` random units: partitioned, one table, partitioned with the
    7-day bound; interleaved."""
    rng = random.Random(6)
    statements = {
        "part": (await conn.prepare(LATEST.format(table="unit_positions")), []),
        "flat": (await conn.prepare(LATEST.format(table=FLAT)), []),
        "bounded": (
            await conn.prepare(LATEST_BOUNDED.format(table="unit_positions")),
            [datetime.now(UTC) - timedelta(days=7)],
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in statements}
    for _ in range(n):
        ids = [first_unit + rng.randrange(UNITS) for _ in range(units)]
        for name, (statement, extra) in statements.items():
            start = time.perf_counter()
            await statement.fetch(ids, *extra)
            times[name].append((time.perf_counter() - start) * 1000)
    return times


async def retention(conn: asyncpg.Connection, now: datetime) -> tuple[float, float]:
    parts = [p for p in await history_repo.partitions(conn) if p.lower is not None]
    oldest = parts[0]
    start = time.perf_counter()
    async with conn.transaction():
        await history_repo.drop(conn, oldest.name)
    dropped = time.perf_counter() - start
    start = time.perf_counter()
    await conn.execute(f"DELETE FROM {FLAT} WHERE recorded_at < $1", oldest.upper)
    deleted = time.perf_counter() - start
    return dropped, deleted


async def run(url: str, sizes: list[int]) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        now = datetime.now(UTC)
        first_unit = await setup(conn, now)
        count = len(await history_repo.partitions(conn))
        print(f"machine: {machine()}; {UNITS} units, {DAYS} days of fixes, {count} partitions, {BATCH}/batch")
        header = (
            f"{'rows':>10} | {'insert/s part':>13} {'flat':>8} {'ratio':>5} | "
            f"{'1 unit p50/p99 ms part':>22} {'flat':>11} | {'500 units p50 ms part':>21} {'flat':>7} | "
            f"{'part, 7-day bound':>19}"
        )
        print(header)
        have = 0
        for size in sizes:
            await grow(conn, first_unit, now, have, size, max(sizes))
            have = size
            rates = await insert_rates(conn, first_unit)
            ins_p, ins_f = rates["unit_positions"], rates[FLAT]
            one = await latest_ms(conn, first_unit, 1, 400)
            many = await latest_ms(conn, first_unit, BATCH, 40)
            print(
                f"{size:>10,} | {ins_p:>13,.0f} {ins_f:>8,.0f} {ins_p / ins_f:>5.2f} | "
                f"{percentile(one['part'], 0.5):>10.3f}/{percentile(one['part'], 0.99):<11.3f} "
                f"{percentile(one['flat'], 0.5):>5.3f}/{percentile(one['flat'], 0.99):<5.3f} | "
                f"{percentile(many['part'], 0.5):>21.2f} {percentile(many['flat'], 0.5):>7.2f} | "
                f"{percentile(one['bounded'], 0.5):>13.3f}/{percentile(one['bounded'], 0.99):.3f}"
            )
        dropped, deleted = await retention(conn, now)
        print(
            f"retention of the oldest week at {have:,} rows: DROP partition {dropped * 1000:.1f} ms, "
            f"DELETE from one table {deleted * 1000:.0f} ms ({deleted / dropped:.0f}x)"
        )
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000000,3000000,9000000")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with bench_database() as url:
        asyncio.run(run(url, sizes))


if __name__ == "__main__":
    main()
