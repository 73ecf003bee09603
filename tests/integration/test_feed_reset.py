"""A feed resumed with a Last-Event-ID beyond the newest event (a database restored from a backup) is told
so at once, with an `event: reset`, and then gets the feed from its first event; before, it stayed silent."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.conftest import token
from tests.integration.helpers import RAIPUR
from tests.integration.servers import serve
from tests.integration.test_feed import FeedReader, reading


async def test_a_last_event_id_beyond_the_log_gets_a_reset_then_the_feed_from_its_start(db_url: str) -> None:
    with serve(db_url) as (base, _):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            body = {
                "callsign": "RST-1",
                "type": "police_erv",
                "district": "Raipur",
                "lat": RAIPUR[0],
                "lon": RAIPUR[1],
            }
            uid = (await client.post("/api/v1/units", json=body, headers=token("admin"))).json()["id"]
            call = {"text": "chain snatching", "lat": RAIPUR[0], "lon": RAIPUR[1], "category": "police"}
            incident = (await client.post("/api/v1/calls", json=call, headers=token("operator"))).json()
            reader = FeedReader()
            async with reading(reader, base, uid, last_id=10**9):
                deadline = time.monotonic() + 15
                while not any(kind == "assignment.created" for _, kind, _ in reader.events):
                    assert time.monotonic() < deadline, reader.events
                    await asyncio.sleep(0.05)
    reset_id, kind, data = reader.events[0]
    assert (reset_id, kind) == (0, "reset")
    assert data["last_event_id"] == 10**9 and data["newest"] < 10**9
    # From the start of the log: the offer made before the client came back is delivered again.
    offers = [payload for _, kind, payload in reader.events[1:] if kind == "assignment.created"]
    assert offers[0]["incident_id"] == incident["incident"]["id"]
