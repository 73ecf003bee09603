"""A lost responder phone, revoked on one host, stops working on every worker of every host within 5 s."""

from __future__ import annotations

import time

import asyncpg
import httpx

from tests.conftest import token
from tests.integration.helpers import RAIPUR
from tests.integration.servers import serve

PROMISE_SECONDS = 5.0
PROBES = 16  # refusals in a row on fresh connections per host, so that each of its workers answers some


async def probe(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> bool:
    """One request on a new connection (so a host's workers take turns): True when it is refused."""
    r = await client.post(url, headers=headers | {"Connection": "close"})
    assert r.status_code in (401, 409), r.text  # 409: accepted, there is nothing to acknowledge
    return r.status_code == 401


async def test_a_revoked_unit_is_refused_on_two_hosts_of_two_workers_within_5_seconds(
    db_url: str, conn: asyncpg.Connection
) -> None:
    with serve(db_url, workers=2) as (host_a, _), serve(db_url, workers=2) as (host_b, _):
        limits = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(timeout=10, limits=limits) as client:
            body = {
                "callsign": "LOST-1",
                "type": "ambulance",
                "district": "Raipur",
                "lat": RAIPUR[0],
                "lon": RAIPUR[1],
            }
            unit = (await client.post(f"{host_a}/api/v1/units", json=body, headers=token("admin"))).json()
            phone = token("responder", unit["id"])
            urls = [f"{host}/api/v1/units/{unit['id']}/acknowledge" for host in (host_a, host_b)]
            for url in urls:
                assert not await probe(client, url, phone)

            r = await client.post(
                f"{host_b}/api/v1/revocations", json={"unit_id": unit["id"]}, headers=token("admin")
            )
            assert r.status_code == 201, r.text
            revoked = time.monotonic()
            # Probe the hosts in turn; a host is done after PROBES refusals in a row (any acceptance
            # restarts its count). Times are when the request was sent, from the revocation's answer.
            in_a_row = dict.fromkeys(urls, 0)
            first: dict[str, float] = {}
            done: dict[str, float] = {}
            while len(done) < len(urls):
                for url in urls:
                    if url in done:
                        continue
                    sent = time.monotonic() - revoked
                    assert sent < PROMISE_SECONDS, f"still accepted after {PROMISE_SECONDS} s on {url}"
                    if await probe(client, url, phone):
                        first.setdefault(url, sent)
                        in_a_row[url] += 1
                        if in_a_row[url] == PROBES:
                            done[url] = sent
                    else:
                        in_a_row[url] = 0
            print(
                "revocation: first refused request sent after "
                + ", ".join(f"{first[u] * 1000:.0f} ms" for u in urls)
                + f"; {PROBES} refusals in a row on every host by {max(done.values()) * 1000:.0f} ms"
            )
    assert await conn.fetchval("SELECT count(*) FROM revocations WHERE unit_id = $1", unit["id"]) == 1
