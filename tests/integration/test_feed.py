"""The responder feed across real server processes: delivery, resume, and a worker killed mid-stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from typing import Any

import asyncpg
import httpx

from tests.conftest import token
from tests.integration.helpers import RAIPUR, offset
from tests.integration.servers import serve

Event = tuple[int, str, dict[str, Any]]


class FeedReader:
    """An SSE client that records (id, kind, payload) of each event and remembers the last id."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.opened = asyncio.Event()

    @property
    def last_id(self) -> int | None:
        return self.events[-1][0] if self.events else None

    async def run(self, base: str, unit_id: int, last_id: int | None = None) -> None:
        headers = token("responder", unit_id) | {"Accept": "text/event-stream"}
        if last_id is not None:
            headers["Last-Event-ID"] = str(last_id)
        async with (
            httpx.AsyncClient(timeout=httpx.Timeout(30, read=60)) as client,
            client.stream("GET", f"{base}/api/v1/units/{unit_id}/events", headers=headers) as response,
        ):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            fields: dict[str, str] = {}
            async for line in response.aiter_lines():
                self.opened.set()
                if line == "":
                    if "id" in fields:
                        self.events.append((int(fields["id"]), fields["event"], json.loads(fields["data"])))
                    fields = {}
                elif not line.startswith(":") and ":" in line:
                    key, _, value = line.partition(":")
                    fields[key] = value.lstrip(" ")

    async def wait_for(self, count: int, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while len(self.events) < count:
            assert time.monotonic() < deadline, (
                f"got {len(self.events)} events, wanted {count}: {self.events}"
            )
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def reading(reader: FeedReader, base: str, unit_id: int, last_id: int | None = None):  # type: ignore[no-untyped-def]
    task = asyncio.create_task(reader.run(base, unit_id, last_id))
    try:
        await asyncio.wait_for(reader.opened.wait(), 10)
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await task


async def unit_seqs(conn: asyncpg.Connection, unit_id: int, after: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT seq FROM events WHERE unit_id = $1 AND seq > $2 ORDER BY seq", unit_id, after
    )
    return [r["seq"] for r in rows]


async def test_offer_crosses_workers_and_resume_gets_exactly_the_missed_events(
    db_url: str, conn: asyncpg.Connection
) -> None:
    with serve(db_url) as (base_a, _), serve(db_url) as (base_b, _):
        async with httpx.AsyncClient(base_url=base_b, timeout=30) as b:
            body = {
                "callsign": "FEED-1",
                "type": "police_erv",
                "district": "Raipur",
                "lat": RAIPUR[0],
                "lon": RAIPUR[1],
            }
            unit = (await b.post("/api/v1/units", json=body, headers=token("admin"))).json()
            uid = unit["id"]
            reader = FeedReader()
            async with reading(reader, base_a, uid):
                started = time.monotonic()
                call = {"text": "chain snatching", "lat": RAIPUR[0], "lon": RAIPUR[1], "category": "police"}
                incident = (await b.post("/api/v1/calls", json=call, headers=token("operator"))).json()[
                    "incident"
                ]
                await reader.wait_for(1)
                delivered_in = time.monotonic() - started
            seq, kind, offer = reader.events[0]
            assert kind == "assignment.created"
            assert offer["incident_id"] == incident["id"] and offer["data"]["lat"] == RAIPUR[0]
            assert offer["data"]["category"] == "police"
            assert delivered_in < 5

            responder = token("responder", uid)
            assert (await b.post(f"/api/v1/units/{uid}/acknowledge", headers=responder)).status_code == 200
            for status in ("en_route", "on_scene"):
                r = await b.post(f"/api/v1/units/{uid}/status", json={"status": status}, headers=responder)
                assert r.status_code == 200

            resumed = FeedReader()
            async with reading(resumed, base_b, uid, last_id=seq):
                await resumed.wait_for(3)
                # A sentinel step: the feed is ordered, so anything extra would arrive before it.
                r = await b.post(
                    f"/api/v1/units/{uid}/status", json={"status": "available"}, headers=responder
                )
                assert r.status_code == 200
                await resumed.wait_for(4)
            assert [k for _, k, _ in resumed.events][:4] == [
                "assignment.acknowledged",
                "unit.status",
                "unit.status",
                "unit.status",
            ]
            assert [e[2]["data"]["to"] for e in resumed.events[1:4]] == ["en_route", "on_scene", "available"]
            assert [e[0] for e in resumed.events][:4] == (await unit_seqs(conn, uid, seq))[:4]


async def test_worker_killed_mid_stream_loses_nothing(db_url: str, conn: asyncpg.Connection) -> None:
    with serve(db_url) as (base_a, process_a), serve(db_url) as (base_b, _):
        async with httpx.AsyncClient(base_url=base_b, timeout=30) as b:
            body = {
                "callsign": "FEED-2",
                "type": "ambulance",
                "district": "Raipur",
                "lat": RAIPUR[0],
                "lon": RAIPUR[1],
            }
            uid = (await b.post("/api/v1/units", json=body, headers=token("admin"))).json()["id"]
            start = int(await conn.fetchval("SELECT coalesce(max(seq), 0) FROM events"))
            responder, op = token("responder", uid), token("operator")
            rounds = 8

            async def write_events() -> None:
                for n in range(rounds):
                    lat, lon = offset(*RAIPUR, north_km=n)  # 1 km apart: not duplicates
                    call = {
                        "text": "patient unconscious",
                        "lat": lat,
                        "lon": lon,
                        "category": "medical",
                        "caller_number": f"+9181000000{n:02d}",
                    }
                    assert (await b.post("/api/v1/calls", json=call, headers=op)).status_code == 201
                    for status in ("en_route", "on_scene", "available"):
                        r = await b.post(
                            f"/api/v1/units/{uid}/status", json={"status": status}, headers=responder
                        )
                        assert r.status_code == 200, r.text
                    await asyncio.sleep(0.05)

            reader = FeedReader()
            writer = asyncio.create_task(write_events())
            first = asyncio.create_task(reader.run(base_a, uid, last_id=start))
            await reader.wait_for(3)
            os.killpg(process_a.pid, signal.SIGKILL)  # the worker dies mid-stream
            with contextlib.suppress(httpx.HTTPError):  # the stream breaks with its server
                await first
            second = FeedReader()
            second.events = list(reader.events)
            resume_from = reader.last_id
            await writer
            expected = await _settled(conn, uid, start, rounds * 4)
            tail = asyncio.create_task(second.run(base_b, uid, last_id=resume_from))
            try:
                await second.wait_for(len(expected), seconds=15)
            finally:
                tail.cancel()
                with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                    await tail
    got = [e[0] for e in second.events]
    assert sorted(set(got)) == expected  # at least once, nothing lost
    assert got == sorted(got)  # in order


async def _settled(conn: asyncpg.Connection, unit_id: int, after: int, count: int) -> list[int]:
    """Every unit event of the run, once all are published."""
    deadline = time.monotonic() + 10
    while True:
        seqs = await unit_seqs(conn, unit_id, after)
        if len(seqs) >= count or time.monotonic() > deadline:
            return seqs
        await asyncio.sleep(0.05)


async def test_an_event_committed_late_with_a_lower_id_is_not_skipped(
    db_url: str, conn: asyncpg.Connection
) -> None:
    from app.repositories import feed as feed_repo

    slow = await asyncpg.connect(db_url.replace("+asyncpg", ""))
    try:
        tx = slow.transaction()
        await tx.start()
        low_id = await slow.fetchval(
            "INSERT INTO events (kind, actor, unit_id) VALUES ('late', 't', 7) RETURNING id"
        )
        high_id = await conn.fetchval(
            "INSERT INTO events (kind, actor, unit_id) VALUES ('early', 't', 7) RETURNING id"
        )
        assert low_id < high_id
        async with conn.transaction():
            await feed_repo.publish(conn)
        seen = [r["seq"] for r in await feed_repo.unit_events_after(conn, 7, 0, 100)]
        assert len(seen) == 1
        await tx.commit()
        async with conn.transaction():
            await feed_repo.publish(conn)
        resumed = await feed_repo.unit_events_after(conn, 7, seen[-1], 100)
        assert [r["kind"] for r in resumed] == ["late"]
    finally:
        await slow.close()
