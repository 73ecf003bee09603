"""The audit trail: every write with the token that made it and its request id; read-only; scoped."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import jwt
import pytest

from app.config import Settings
from tests.conftest import make_settings, token
from tests.integration.helpers import RAIPUR, add_unit, offset, post_call

DURG = (21.19, 81.28)


@pytest.fixture
def settings(db_url: str) -> Settings:
    """No watchdog rounds: every event in these tests comes from a request."""
    return make_settings(db_url, ack_check_interval_seconds=3600)


def actor_of(headers: dict[str, str]) -> str:
    """The actor the service must record for a token: role:subject#jti."""
    claims = jwt.decode(headers["Authorization"].split()[1], options={"verify_signature": False})
    return f"{claims['role']}:{claims['sub']}#{claims['jti']}"


async def audit(client: httpx.AsyncClient, query: str = "", who: str = "supervisor") -> list[dict[str, Any]]:
    r = await client.get(f"/api/v1/audit?limit=1000{query}", headers=token(who))
    assert r.status_code == 200, r.text
    rows: list[dict[str, Any]] = r.json()
    return rows


async def test_every_write_is_audited_with_its_token_and_request_id(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    sent: dict[str, tuple[str, set[str]]] = {}  # request id -> (actor, actions it must have written)

    async def write(name: str, path: str, headers: dict[str, str], body: Any, actions: set[str]) -> Any:
        rid = f"req-{name}"
        r = await client.post(path, json=body, headers=headers | {"X-Request-ID": rid})
        assert r.status_code in (200, 201), r.text
        sent[rid] = (actor_of(headers), actions)
        return r.json()

    admin, ravi = token("admin", subject="asha"), token("operator", subject="ravi")
    sup = token("supervisor", subject="meena")
    unit = {
        "callsign": "AUD-1",
        "type": "police_erv",
        "district": "Raipur",
        "lat": RAIPUR[0],
        "lon": RAIPUR[1],
    }
    first = await write("register", "/api/v1/units", admin, unit, {"unit.registered"})
    far = offset(*RAIPUR, north_km=5)
    unit2 = unit | {"callsign": "AUD-2", "lat": far[0], "lon": far[1]}
    second = await write("register-2", "/api/v1/units", admin, unit2, {"unit.registered"})
    call = {
        "text": "fight",
        "lat": RAIPUR[0],
        "lon": RAIPUR[1],
        "category": "police",
        "caller_number": "+919800000001",
    }
    incident = (await write("call", "/api/v1/calls", ravi, call, {"incident.created", "assignment.created"}))[
        "incident"
    ]
    crew = token("responder", first["id"], subject="crew-1")
    ack = f"/api/v1/units/{first['id']}/acknowledge"
    await write("ack", ack, crew, None, {"assignment.acknowledged"})
    step = f"/api/v1/units/{first['id']}/status"
    await write("en-route", step, crew, {"status": "en_route"}, {"unit.status"})
    serious = f"/api/v1/incidents/{incident['id']}/serious"
    await write("serious", serious, ravi, {"reason": "weapon seen"}, {"incident.marked_serious"})
    assign = f"/api/v1/incidents/{incident['id']}/assign"
    await write(
        "assign", assign, ravi, {"unit_id": second["id"], "service": "police"}, {"assignment.created"}
    )
    review = f"/api/v1/oversight/women/{incident['id']}/reviews"
    await write(
        "review", review, sup, {"outcome": "no_lapse", "notes": "response was fine"}, {"incident.reviewed"}
    )
    close = f"/api/v1/incidents/{incident['id']}/close"
    ended = {"incident.closed", "assignment.cleared", "unit.available"}
    await write("close", close, ravi, {"disposition": "resolved"}, ended)
    repeat = (await post_call(client, caller_number="+919800000002"))["incident"]
    duplicate = (await post_call(client, caller_number="+919800000002"))["incident"]
    assert duplicate["duplicate_of"] == repeat["id"]
    unlink = f"/api/v1/incidents/{duplicate['id']}/unlink"
    await write("unlink", unlink, ravi, None, {"incident.unlinked"})
    cancel = f"/api/v1/incidents/{repeat['id']}/cancel"
    await write("cancel", cancel, ravi, {"reason": "caller says all is well"}, {"incident.cancelled"})
    target = {"area_type": "urban", "district": "Raipur", "minutes": 15}
    await write("target", "/api/v1/targets", admin, target, {"target.set"})
    await write("revoke", "/api/v1/revocations", admin, {"subject": "someone-else"}, {"token.revoked"})

    entries = await audit(client)
    by_request: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        by_request.setdefault(e["request_id"], []).append(e)
    for rid, (actor, actions) in sent.items():
        written = by_request.get(rid, [])
        assert actions <= {e["action"] for e in written}, (rid, written)
        assert {e["actor"] for e in written} == {actor}, rid
    # Every event written by a request carries its request id, whatever statement wrote it.
    assert await conn.fetchval("SELECT count(*) FROM events WHERE request_id IS NULL") == 0
    generated = {e["request_id"] for e in entries} - set(sent)
    assert generated and all(len(r) == 32 for r in generated)  # made up for requests that sent none


async def test_audit_filters_newest_first(client: httpx.AsyncClient) -> None:
    unit = await add_unit(client)
    one = (await post_call(client, caller_number="+919811100001"))["incident"]
    ravi = token("operator", subject="ravi")
    close = f"/api/v1/incidents/{one['id']}/close"
    assert (await client.post(close, json={"disposition": "done"}, headers=ravi)).status_code == 200

    everything = await audit(client)
    keys = [(e["at"], e["id"]) for e in everything]
    assert keys == sorted(keys, reverse=True)
    mine = await audit(client, "&actor=ravi")
    assert mine and {e["actor"].split("#")[0] for e in mine} == {"operator:ravi"}
    assert await audit(client, "&actor=operator:ravi") == mine
    assert {e["action"] for e in await audit(client, f"&incident_id={one['id']}&action=incident.")} == {
        "incident.created",
        "incident.closed",
    }
    assert {e["unit_id"] for e in await audit(client, f"&unit_id={unit['id']}")} == {unit["id"]}
    assert [e["action"] for e in await audit(client, "&action=unit.available")] == ["unit.available"]
    # Time bounds: taken from the trail itself (its `at` is the database's clock).
    closed = next(e for e in everything if e["action"] == "incident.closed")
    since = await audit(client, f"&from={closed['at'].replace('+', '%2B')}")
    assert closed["id"] in {e["id"] for e in since}
    assert all(e["at"] >= closed["at"] for e in since)
    before = await audit(client, f"&to={closed['at'].replace('+', '%2B')}")
    assert closed["id"] not in {e["id"] for e in before}
    r = await client.get("/api/v1/audit?limit=2", headers=token("admin"))
    assert len(r.json()) == 2
    late, early = everything[0]["at"], everything[-1]["at"]
    bad = await client.get(
        f"/api/v1/audit?from={late.replace('+', '%2B')}&to={early.replace('+', '%2B')}",
        headers=token("admin"),
    )
    assert bad.status_code == 422 and "from" in bad.json()["detail"]


async def test_audit_is_for_supervisors_and_scoped_to_their_district(client: httpx.AsyncClient) -> None:
    await add_unit(client)
    await add_unit(client, lat=DURG[0], lon=DURG[1], district="Durg")
    await post_call(client)
    await post_call(client, lat=DURG[0], lon=DURG[1])
    for role in ("operator", "analyst", "responder"):
        headers = token(role, 1 if role == "responder" else None)
        assert (await client.get("/api/v1/audit", headers=headers)).status_code == 403
    durg = token("supervisor", district="Durg")
    rows = (await client.get("/api/v1/audit?limit=1000", headers=durg)).json()
    assert rows and {r["district"] for r in rows} == {"Durg"}
    assert (await client.get("/api/v1/audit?district=Raipur", headers=durg)).status_code == 403
    assert {r["district"] for r in await audit(client)} >= {"Raipur", "Durg"}


async def test_nothing_in_the_api_changes_or_deletes_the_trail(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    spec = (await client.get("/openapi.json")).json()
    changing = {
        (method, path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method not in ("get", "post")
    }
    # The only PATCH and DELETE are a Samarpan member's own record (api.md); erasing one adds to the
    # trail (`senior.erased`), and nothing reaches the events or revocations tables' rows.
    assert changing == {("patch", "/api/v1/seniors/{member_id}"), ("delete", "/api/v1/seniors/{member_id}")}
    assert set(spec["paths"]["/api/v1/audit"]) == {"get"}
    await client.post("/api/v1/revocations", json={"subject": "x"}, headers=token("admin"))
    for table in ("events", "revocations"):
        with pytest.raises(asyncpg.RestrictViolationError):
            await conn.execute(f"DELETE FROM {table}")
        with pytest.raises(asyncpg.RestrictViolationError):
            await conn.execute(
                f"UPDATE {table} SET revoked_by = 'x'"
                if table == "revocations"
                else f"UPDATE {table} SET actor = 'x'"
            )
