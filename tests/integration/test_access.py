"""Authentication before the database, revocation, per-user idempotency keys, and an honest OpenAPI."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import jsonschema
import jwt
import pytest
import time_machine
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from app.routers.deps import analytics_connection, direct_connection, unit_of_work
from app.routers.openapi_errors import api_routes, dependencies_in_order
from app.routers.scope import unit_stream_in_scope
from app.security import issue_token, utcnow
from tests.conftest import TEST_SECRET, make_settings, run_cli, token
from tests.integration.asgi import streaming
from tests.integration.helpers import RAIPUR, add_unit, post_call


@pytest.fixture
def settings(db_url: str) -> Settings:
    """No watchdog rounds: these tests move the clock by hours."""
    return make_settings(db_url, ack_check_interval_seconds=3600)


# ------------------------------------------------------------------------ authentication before the pool

TAKES_A_CONNECTION = {unit_of_work, direct_connection, analytics_connection, unit_stream_in_scope}


def test_every_route_checks_its_role_before_it_takes_a_connection(settings: Settings) -> None:
    checked = 0
    for path, route in api_routes(create_app(settings)):
        if not path.startswith("/api/"):
            continue
        order = list(dependencies_in_order(route.dependant))
        role_checks = [n for n, call in enumerate(order) if hasattr(call, "allowed_roles")]
        assert role_checks, f"{path}: no role check"
        takes = [n for n, call in enumerate(order) if call in TAKES_A_CONNECTION]
        if takes:
            assert role_checks[0] < takes[0], f"{path}: takes a connection before checking the role"
            checked += 1
    assert checked >= 25  # the check saw the API's database routes


async def test_bad_tokens_are_answered_while_every_pool_connection_is_held(db_url: str) -> None:
    settings = make_settings(db_url, db_pool_min=1, db_pool_max=1, ack_check_interval_seconds=3600)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        unit = await add_unit(client)
        incident = (await post_call(client))["incident"]["id"]
        yesterday = utcnow() - timedelta(days=1)
        expired = issue_token(TEST_SECRET, "admin", ttl=timedelta(hours=1), now=yesterday)
        bad = [
            ("GET", f"/api/v1/incidents/{incident}", {"Authorization": "Bearer junk"}, 401),
            ("GET", f"/api/v1/incidents/{incident}", {"Authorization": f"Bearer {expired}"}, 401),
            ("GET", f"/api/v1/incidents/{incident}", token("analyst"), 403),
            ("POST", f"/api/v1/incidents/{incident}/close", token("supervisor"), 403),
            ("POST", f"/api/v1/units/{unit['id']}/status", token("responder", unit["id"] + 1), 403),
            ("POST", f"/api/v1/units/{unit['id']}/location", token("operator"), 403),
            ("GET", "/api/v1/units", {}, 401),
            ("GET", "/api/v1/analytics/volumes", token("operator"), 403),
            ("POST", "/api/v1/calls", {"Authorization": "Bearer x.y.z"}, 401),
        ]
        async with app.state.pool.acquire():  # the only connection, held for the whole flood

            async def send(method: str, path: str, headers: dict[str, str]) -> int:
                body = {"status": "en_route", "disposition": "x", "lat": 21.25, "lon": 81.63}
                r = await client.request(method, path, headers=headers, json=body)
                return r.status_code

            flood = [send(m, p, h) for _ in range(20) for m, p, h, _status in bad]
            # A request that waited for a connection would wait for ever: the bound only catches that.
            statuses = await asyncio.wait_for(asyncio.gather(*flood), 30)
        assert statuses == [status for _ in range(20) for *_, status in bad]


# ------------------------------------------------------------------------------------------- revocation


async def acknowledge_status(client: httpx.AsyncClient, unit_id: int, headers: dict[str, str]) -> int:
    """An action any valid token of the unit may take (409: there is nothing to acknowledge)."""
    return (await client.post(f"/api/v1/units/{unit_id}/acknowledge", headers=headers)).status_code


async def until_refused(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> float:
    """Seconds until the token gets 401 (fails after 5 s, the promise)."""
    start = time.monotonic()
    while (await client.post(path, headers=headers)).status_code != 401:
        assert time.monotonic() - start < 5, "the revoked token still works after 5 s"
        await asyncio.sleep(0.02)
    return time.monotonic() - start


async def test_a_lost_phone_revoked_by_unit_gets_401_and_a_new_token_works(
    client: httpx.AsyncClient, clock: time_machine.Traveller, conn: asyncpg.Connection
) -> None:
    lost, other = await add_unit(client), await add_unit(client)
    phone, colleague = token("responder", lost["id"]), token("responder", other["id"])
    assert await acknowledge_status(client, lost["id"], phone) == 409

    r = await client.post(
        "/api/v1/revocations", json={"unit_id": lost["id"], "reason": "phone lost"}, headers=token("admin")
    )
    assert r.status_code == 201, r.text
    revocation = r.json()
    assert revocation["unit_id"] == lost["id"] and revocation["revoked_by"].startswith("admin:")
    await until_refused(client, f"/api/v1/units/{lost['id']}/acknowledge", phone)
    refused = await client.post(f"/api/v1/units/{lost['id']}/acknowledge", headers=phone)
    assert "revoked" in refused.json()["detail"]
    assert await acknowledge_status(client, other["id"], colleague) == 409  # other units are untouched

    clock.shift(timedelta(seconds=2))  # the replacement phone's token is issued after the revocation
    assert await acknowledge_status(client, lost["id"], token("responder", lost["id"])) == 409
    logged = await conn.fetchrow("SELECT actor, unit_id, data FROM events WHERE kind = 'token.revoked'")
    assert logged is not None and logged["unit_id"] == lost["id"]
    assert json.loads(logged["data"])["reason"] == "phone lost"


async def test_revocation_by_jti_and_by_subject(client: httpx.AsyncClient) -> None:
    unit = await add_unit(client)
    leaked, kept = token("responder", unit["id"]), token("responder", unit["id"])
    jti = jwt.decode(leaked["Authorization"].split()[1], options={"verify_signature": False})["jti"]
    admin = token("admin")
    assert (await client.post("/api/v1/revocations", json={"jti": jti}, headers=admin)).status_code == 201
    await until_refused(client, f"/api/v1/units/{unit['id']}/acknowledge", leaked)
    assert await acknowledge_status(client, unit["id"], kept) == 409

    ravi, sita = token("operator", subject="ravi"), token("operator", subject="sita")
    r = await client.post("/api/v1/revocations", json={"subject": "ravi"}, headers=admin)
    assert r.status_code == 201
    await until_refused(client, f"/api/v1/units/{unit['id']}/acknowledge", ravi)
    assert await acknowledge_status(client, unit["id"], sita) == 409


async def test_a_revocation_whose_notification_is_lost_arrives_with_the_poll(
    client: httpx.AsyncClient, conn: asyncpg.Connection, settings: Settings
) -> None:
    unit = await add_unit(client)
    phone = token("responder", unit["id"])
    assert await acknowledge_status(client, unit["id"], phone) == 409
    await conn.execute("ALTER TABLE revocations DISABLE TRIGGER revocations_notify")
    await conn.execute(
        "INSERT INTO revocations (unit_id, revoked_at, revoked_by) VALUES ($1, $2, 'test')",
        unit["id"],
        utcnow(),
    )
    took = await until_refused(client, f"/api/v1/units/{unit['id']}/acknowledge", phone)
    assert took <= settings.revocation_poll_seconds + 1


async def test_an_open_stream_of_a_revoked_phone_sends_nothing_more(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    unit = await add_unit(client)
    phone = token("responder", unit["id"])
    async with streaming(app, f"/api/v1/units/{unit['id']}/events", phone) as feed:
        assert feed.status == 200
        revoked = await client.post(
            "/api/v1/revocations", json={"unit_id": unit["id"]}, headers=token("admin")
        )
        assert revoked.status_code == 201
        await until_refused(client, f"/api/v1/units/{unit['id']}/acknowledge", phone)
        offer = (await post_call(client))["incident"]  # an offer to the lost phone's unit
        assert offer["assignments"][0]["unit_id"] == unit["id"]
        await asyncio.wait_for(feed.ended.wait(), 10)  # closed at its next event
    assert "assignment.created" not in feed.text and f'"incident_id": {offer["id"]}' not in feed.text


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "jti"),
        ({"jti": "abc", "unit_id": 1}, 422, "exactly one"),
        ({"jti": None}, 422, "jti"),
        ({"subject": ""}, 422, "subject"),
        ({"unit_id": 999_999}, 404, "unit 999999"),
    ],
)
async def test_bad_revocations_name_the_problem(
    client: httpx.AsyncClient, body: dict[str, Any], status: int, field: str
) -> None:
    r = await client.post("/api/v1/revocations", json=body, headers=token("admin"))
    assert r.status_code == status and field in r.json()["detail"], r.text


async def test_only_admins_revoke_and_a_district_admin_only_its_own_units(client: httpx.AsyncClient) -> None:
    unit = await add_unit(client)
    for role in ("operator", "supervisor", "analyst"):
        r = await client.post("/api/v1/revocations", json={"unit_id": unit["id"]}, headers=token(role))
        assert r.status_code == 403
    durg_admin, raipur_admin = token("admin", district="Durg"), token("admin", district="Raipur")
    for body in ({"unit_id": unit["id"]}, {"subject": "someone"}, {"jti": "0123"}):
        assert (await client.post("/api/v1/revocations", json=body, headers=durg_admin)).status_code == 403
    r = await client.post("/api/v1/revocations", json={"unit_id": unit["id"]}, headers=raipur_admin)
    assert r.status_code == 201


async def test_cli_revokes_a_unit_for_the_running_service(client: httpx.AsyncClient, db_url: str) -> None:
    unit = await add_unit(client)
    # The command runs on the machine's clock, the test on its own: a token issued long before either.
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    ttl = timedelta(days=365 * 20)
    value = issue_token(TEST_SECRET, "responder", ttl=ttl, now=long_ago, unit_id=unit["id"])
    phone = {"Authorization": f"Bearer {value}"}
    assert await acknowledge_status(client, unit["id"], phone) == 409
    done = run_cli(db_url, "token", "revoke", "--unit", str(unit["id"]), "--reason", "stolen")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["unit_id"] == unit["id"]
    await until_refused(client, f"/api/v1/units/{unit['id']}/acknowledge", phone)
    assert run_cli(db_url, "token", "revoke").returncode == 2
    assert run_cli(db_url, "token", "revoke", "--unit", "1", "--subject", "x").returncode == 2
    unknown = run_cli(db_url, "token", "revoke", "--unit", "999999")
    assert unknown.returncode == 1 and "999999" in unknown.stderr


# ------------------------------------------------------------------------------------- idempotency keys


async def test_another_user_reusing_a_key_gets_an_incident_of_their_own(client: httpx.AsyncClient) -> None:
    await add_unit(client)
    await add_unit(client)
    key = str(uuid.uuid4())
    body = {"text": "chain snatching", "lat": RAIPUR[0], "lon": RAIPUR[1], "category": "police"}

    async def post(subject: str) -> httpx.Response:
        headers = token("operator", subject=subject) | {"Idempotency-Key": key}
        number = {"caller_number": f"+9198{len(subject):08d}"}
        return await client.post("/api/v1/calls", json=body | number, headers=headers)

    alice = await post("alice")
    bob = await post("bobby")
    assert (alice.status_code, bob.status_code) == (201, 201)
    assert bob.json()["incident"]["id"] != alice.json()["incident"]["id"]
    assert (await post("bobby")).json() == bob.json()  # each one's retry gets their own answer
    assert (await post("alice")).json() == alice.json()


async def test_a_key_older_than_the_setting_may_be_used_again(
    client: httpx.AsyncClient, clock: time_machine.Traveller, settings: Settings
) -> None:
    key = str(uuid.uuid4())

    async def post(text: str) -> httpx.Response:
        body = {"text": text, "lat": RAIPUR[0], "lon": RAIPUR[1], "category": "police"}
        headers = token("operator") | {"Idempotency-Key": key}
        return await client.post("/api/v1/calls", json=body, headers=headers)

    first = await post("theft at the market")
    assert first.status_code == 201
    clock.shift(timedelta(hours=settings.idempotency_key_hours - 1))
    assert (await post("a fight near the station")).status_code == 409  # still the first call's key
    clock.shift(timedelta(hours=2))
    again = await post("a fight near the station")
    assert again.status_code == 201, again.text
    assert again.json()["incident"]["id"] != first.json()["incident"]["id"]


# ----------------------------------------------------------------------------------------------- OpenAPI

CONFLICT_ENDINGS = ("/calls", "/cancel", "/close", "/assign", "/status", "/acknowledge", "/units")


async def test_the_call_schema_requires_a_location_as_the_service_does(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operation = spec["paths"]["/api/v1/calls"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator({**ref, "components": spec["components"]})
    cases: list[dict[str, Any]] = [
        {},
        {"text": "help"},
        {"lat": RAIPUR[0], "lon": RAIPUR[1]},
        {"lat": RAIPUR[0]},
        {"lat": RAIPUR[0], "lon": None, "address": "near AIIMS Raipur main gate"},
        {"address": "near AIIMS Raipur main gate"},
        {"address": "near AIIMS Raipur main gate", "lat": None, "lon": None},
        {"lat": None, "lon": None},
    ]
    for body in cases:
        r = await client.post("/api/v1/calls", json=body, headers=token("operator"))
        assert r.status_code in (201, 422), r.text
        assert validator.is_valid(body) == (r.status_code == 201), (body, r.text)


async def test_error_statuses_are_documented_on_every_operation(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    missing = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            wanted = {"401", "403"}
            if "{incident_id}" in path or "{unit_id}" in path:
                wanted.add("404")
            if method == "post" and path.endswith(CONFLICT_ENDINGS):
                wanted.add("409")
            missing += [f"{method.upper()} {path} {s}" for s in sorted(wanted - set(operation["responses"]))]
            for status in wanted & set(operation["responses"]):
                content = operation["responses"][status]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/ErrorBody"}
    assert missing == []
    assert spec["components"]["schemas"]["ErrorBody"]["required"] == ["detail"]
