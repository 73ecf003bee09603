"""Faults with real processes: a worker killed, the database stopped, crashed and frozen.

Each run sends a steady stream of keyed calls (clients retry with their Idempotency-Key) while crews move
units, then checks on the database that nothing acknowledged was lost or doubled, that no unit is on two
incidents and that every incident is served, queued or ended. The numbers are printed (`make chaos` shows
them) and quoted in the README's Reliability section.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import asyncpg
import httpx

from app.database import asyncpg_dsn
from tests.faults.cluster import Cluster, wait_until
from tests.faults.load import (
    Traffic,
    call_stream,
    check_invariants,
    crews,
    probe,
    register_units,
    wait_ready,
)
from tests.faults.processes import server, start_server, stop_server, worker_pids

BOUND = 5.0  # DIAL112_REQUEST_TIMEOUT_SECONDS' default: every answer within it
SLACK = 1.5  # two shared cores: scheduling noise on top of the bound
RECOVERY = 20.0  # the service must serve again within this after the database is back


def measured(what: str, value: float, unit: str = "s") -> None:
    """A number for the README, printed where `make chaos` shows it."""
    print(f"\nMEASURED {what}: {value:.3f} {unit}")


async def _check(db_url: str, traffic: Traffic) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        await check_invariants(conn, traffic)
    finally:
        await conn.close()


def _client(base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base, timeout=15, limits=httpx.Limits(max_connections=100))


async def _answers_healthz(client: httpx.AsyncClient, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(httpx.TransportError):
            if (await client.get("/healthz")).status_code == 200:
                return True
        await asyncio.sleep(0.2)
    return False


def _outage_answers(traffic: Traffic, start: float, end: float) -> list[tuple[str, int, float]]:
    return [(a.path, a.status, round(a.seconds, 2)) for a in traffic.since(start, end)]


def _assert_bounded_503s(traffic: Traffic, start: float, end: float) -> float:
    """While the database is away: every answer is a 503 with Retry-After within the bound (or a success
    that was already under way); none is a 500 or a hang. Returns the slowest 503."""
    answers = traffic.since(start, end)
    assert answers, "no request was answered during the outage"
    refused = [a for a in answers if a.status == 503]
    assert refused, _outage_answers(traffic, start, end)[:20]
    assert all(a.retry_after for a in refused)
    assert all(a.status in (200, 201, 503) for a in answers), _outage_answers(traffic, start, end)[:20]
    slowest = max(a.seconds for a in refused)
    assert slowest <= BOUND + SLACK, sorted((round(a.seconds, 2), a.path, a.detail[:60]) for a in refused)[
        -10:
    ]
    return slowest


async def test_kill_9_one_of_4_workers_mid_run_loses_and_doubles_nothing(
    fault_db: str, log_dir: Path
) -> None:
    with server(fault_db, 4, log_dir / "serve.log") as (base, process):
        async with _client(base) as client:
            await wait_ready(client, 60)
            await register_units(client, 30)
            traffic = Traffic()
            start = time.monotonic()
            stream = asyncio.create_task(
                call_stream(client, traffic, rate=12, until=start + 14, give_up_at=start + 60)
            )
            work = asyncio.create_task(crews(client, traffic, until=start + 16))
            await asyncio.sleep(5)
            victims = worker_pids(process.pid)
            assert len(victims) == 4
            os.kill(victims[0], signal.SIGKILL)
            killed_at = time.monotonic()
            await asyncio.gather(stream, work)
            assert wait_until(lambda: len(worker_pids(process.pid)) == 4, 30), (
                "the dead worker was not replaced"
            )
            assert victims[0] not in worker_pids(process.pid)
            measured("worker kill: calls acknowledged", len(traffic.acknowledged), "calls")
            measured("worker kill: answers after the kill", len(traffic.since(killed_at)), "answers")
            assert [a for a in traffic.answers if a.status >= 500 and a.status != 503] == []
    await _check(fault_db, traffic)


async def _outage(
    cluster: Cluster, client: httpx.AsyncClient, traffic: Traffic, *, mode: str, seconds: float
) -> tuple[float, float, float]:
    """Stop (or freeze) the database for `seconds` under load; returns (slowest 503, time to ready after
    the database is back, time to the first acknowledged call after it is back)."""
    went = time.monotonic()
    frozen: list[int] = []
    if mode == "hang":
        frozen = cluster.freeze()
    else:
        cluster.stop(mode)
    await asyncio.sleep(seconds)
    gone_until = time.monotonic()
    if mode == "hang":
        cluster.thaw(frozen)
    else:
        cluster.start()
    back = time.monotonic()
    slowest = _assert_bounded_503s(traffic, went + 0.5, gone_until)
    ready = await wait_ready(client, RECOVERY)
    acknowledged_before = len(traffic.acknowledged)
    while len(traffic.acknowledged) == acknowledged_before:
        assert time.monotonic() - back < RECOVERY, "no call acknowledged after the database came back"
        await asyncio.sleep(0.05)
    first_call = time.monotonic() - back
    return slowest, ready, first_call


async def test_database_fast_stop_and_crash_mid_run(cluster: Cluster, fault_db: str, log_dir: Path) -> None:
    with server(fault_db, 2, log_dir / "serve.log") as (base, _):
        async with _client(base) as client:
            await wait_ready(client, 60)
            await register_units(client, 30)
            traffic = Traffic()
            start = time.monotonic()
            stream = asyncio.create_task(
                call_stream(client, traffic, rate=8, until=start + 30, give_up_at=start + 80)
            )
            work = asyncio.create_task(crews(client, traffic, until=start + 32))
            probes = asyncio.create_task(probe(client, traffic, until=start + 32))
            await asyncio.sleep(3)
            for mode in ("fast", "immediate"):
                slowest, ready, first_call = await _outage(cluster, client, traffic, mode=mode, seconds=5)
                measured(f"database stop -m {mode}: slowest 503 while down", slowest)
                measured(f"database stop -m {mode}: ready again after start", ready)
                measured(f"database stop -m {mode}: first call acknowledged after start", first_call)
                await asyncio.sleep(2)
            await asyncio.gather(stream, work, probes)
            refused = [a.seconds for a in traffic.answers if a.status == 503]
            measured("database stops: median 503 latency", sorted(refused)[len(refused) // 2])
            assert [a for a in traffic.answers if a.status >= 500 and a.status != 503] == []
            measured("database stops: calls acknowledged", len(traffic.acknowledged), "calls")
    await _check(fault_db, traffic)


async def test_database_frozen_for_20_s_answers_503_within_the_bound(
    cluster: Cluster, fault_db: str, log_dir: Path
) -> None:
    hang = float(os.environ.get("DIAL112_FAULT_HANG_SECONDS", "20"))
    with server(fault_db, 2, log_dir / "serve.log") as (base, _):
        async with _client(base) as client:
            await wait_ready(client, 60)
            await register_units(client, 30)
            traffic = Traffic()
            start = time.monotonic()
            stream = asyncio.create_task(
                call_stream(client, traffic, rate=6, until=start + hang + 10, give_up_at=start + hang + 60)
            )
            work = asyncio.create_task(crews(client, traffic, until=start + hang + 12))
            probes = asyncio.create_task(probe(client, traffic, until=start + hang + 12))
            await asyncio.sleep(3)
            slowest, ready, first_call = await _outage(cluster, client, traffic, mode="hang", seconds=hang)
            measured(f"database frozen {hang:g} s: slowest 503", slowest)
            measured("database frozen: ready again after thaw", ready)
            measured("database frozen: first call acknowledged after thaw", first_call)
            await asyncio.gather(stream, work, probes)
            ready_answers = [a for a in traffic.answers if a.path == "/readyz" and a.status == 503]
            assert ready_answers and max(a.seconds for a in ready_answers) <= BOUND + SLACK
            measured("database frozen: slowest /readyz 503", max(a.seconds for a in ready_answers))
            assert [a for a in traffic.answers if a.status >= 500 and a.status != 503] == []
    await _check(fault_db, traffic)


async def test_a_worker_killed_while_the_database_is_down_is_replaced_and_serves_again(
    cluster: Cluster, fault_db: str, log_dir: Path
) -> None:
    with server(fault_db, 2, log_dir / "serve.log") as (base, process):
        async with _client(base) as client:
            await wait_ready(client, 60)
            await register_units(client, 5)
            cluster.stop("fast")
            victim = worker_pids(process.pid)[0]
            os.kill(victim, signal.SIGKILL)
            assert wait_until(
                lambda: len(worker_pids(process.pid)) == 2 and victim not in worker_pids(process.pid), 30
            )
            await asyncio.sleep(3)  # the replacement has started with the database down
            assert process.poll() is None, "the server exited"
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/readyz")).status_code == 503
            cluster.start()
            measured(
                "worker replaced while the database was down: ready after start",
                await wait_ready(client, RECOVERY),
            )
            traffic = Traffic()
            await call_stream(
                client, traffic, rate=10, until=time.monotonic() + 2, give_up_at=time.monotonic() + 20
            )
            assert len(traffic.acknowledged) == len(traffic.sent_keys)


async def test_serve_started_while_the_database_is_unreachable_waits_and_then_serves(
    cluster: Cluster, fault_db: str, log_dir: Path
) -> None:
    cluster.stop("fast")
    base, process = start_server(fault_db, 2, log_dir / "serve.log")
    try:
        async with _client(base) as client:
            assert await _answers_healthz(client, process), "serve exited or never listened"
            await asyncio.sleep(3)
            assert process.poll() is None, "serve exited"
            started = time.monotonic()
            response = await client.get("/readyz")
            assert response.status_code == 503 and time.monotonic() - started <= BOUND
            response = await client.post("/api/v1/calls", json={}, headers={})
            assert response.status_code in (401, 422, 503)
            cluster.start()
            measured(
                "serve started without a database: ready after it starts", await wait_ready(client, RECOVERY)
            )
            traffic = Traffic()
            await call_stream(
                client, traffic, rate=10, until=time.monotonic() + 1, give_up_at=time.monotonic() + 20
            )
            assert len(traffic.acknowledged) == len(traffic.sent_keys) > 0
    finally:
        assert stop_server(process) == 0  # a requested stop is a clean exit


def test_serve_exits_non_zero_when_its_workers_cannot_start(log_dir: Path) -> None:
    # A worker whose start-up fails (here: a database URL that is not PostgreSQL) makes uvicorn's supervisor
    # stop everything; `dial112 serve` must then exit non-zero so that a process supervisor restarts it.
    _, process = start_server("mysql://nobody@127.0.0.1:1/none", 2, log_dir / "serve.log")
    try:
        code = process.wait(60)
    finally:
        stop_server(process)
    assert code != 0, (log_dir / "serve.log").read_text()[-2000:]
