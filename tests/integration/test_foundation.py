"""Foundation over real PostgreSQL: health, auth, units, schema guarantees, migrations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from app.config import Settings
from app.main import create_app
from app.security import issue_token
from tests.conftest import TEST_SECRET, make_settings, run_cli, token

UNIT = {"callsign": "RPR-T-01", "type": "police_erv", "district": "Raipur", "lat": 21.2514, "lon": 81.6296}


async def test_health_and_docs_need_no_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/readyz")).json() == {"status": "ready"}
    assert (await client.get("/docs")).status_code == 200
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/units" in spec["paths"]


async def test_a_worker_starts_without_its_database_and_readiness_says_why() -> None:
    settings = make_settings("postgresql+asyncpg://postgres@127.0.0.1:5432/dial112_db_that_does_not_exist")
    app = create_app(settings)
    # A worker whose start-up failed took a multi-worker server down with it: it starts, serves 503 with
    # Retry-After, and becomes ready by itself when the database appears (tests/faults prove the last part).
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/healthz")).status_code == 200
            ready = await client.get("/readyz")
            assert ready.status_code == 503 and "database" in ready.json()["detail"]
            units = await client.get("/api/v1/units", headers=token("operator"))
            assert units.status_code == 503 and units.headers["retry-after"] == "1"


async def test_readyz_503_after_database_goes_away(settings: Settings, conn: asyncpg.Connection) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/readyz")).status_code == 200
            await app.state.pool.close()
            response = await client.get("/readyz")
            assert response.status_code == 503
            assert "database" in response.json()["detail"]
            # any request needing the database is a clear 503 with Retry-After, never a 500
            units = await client.get("/api/v1/units", headers=token("operator"))
            assert units.status_code == 503 and units.headers["retry-after"] == "1"
            assert "nothing was written" in units.json()["detail"]
            app.state.pool = await asyncpg.create_pool(
                str(settings.database_url).replace("+asyncpg", ""), min_size=1
            )


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer not-a-token"}, 401),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
        (("analyst", None), 403),
        (("responder", 1), 403),
        (("operator", None), 200),
        (("supervisor", None), 200),
    ],
)
async def test_unit_list_needs_a_token_and_a_role(
    client: httpx.AsyncClient, headers: dict[str, str] | tuple[str, int | None], status: int
) -> None:
    if isinstance(headers, tuple):  # a role: its token is minted now, on the test's clock
        headers = token(headers[0], unit_id=headers[1])
    assert (await client.get("/api/v1/units", headers=headers)).status_code == status


@pytest.mark.parametrize("flaw", ["expired", "foreign", "tampered"])
async def test_expired_foreign_or_tampered_token_is_401(client: httpx.AsyncClient, flaw: str) -> None:
    now = datetime.now(UTC)
    # Each token has exactly one flaw, so each check (expiry, signature) is proved on its own.
    if flaw == "expired":
        value = issue_token(TEST_SECRET, "admin", ttl=timedelta(hours=1), now=now - timedelta(days=2))
    elif flaw == "foreign":
        value = issue_token(
            "another-secret-0123456789abcdef0123456", "admin", ttl=timedelta(hours=1), now=now
        )
    else:  # an operator's token whose payload was edited to say admin, keeping the old signature
        header, _, signature = issue_token(TEST_SECRET, "operator", ttl=timedelta(hours=1), now=now).split(
            "."
        )
        admin_payload = issue_token(TEST_SECRET, "admin", ttl=timedelta(hours=1), now=now).split(".")[1]
        value = f"{header}.{admin_payload}.{signature}"
    valid = issue_token(TEST_SECRET, "admin", ttl=timedelta(hours=1), now=now)
    assert (
        await client.get("/api/v1/units", headers={"Authorization": f"Bearer {valid}"})
    ).status_code == 200
    response = await client.get("/api/v1/units", headers={"Authorization": f"Bearer {value}"})
    assert response.status_code == 401
    assert "invalid token" in response.json()["detail"]


async def test_register_and_list_units(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    created = await client.post("/api/v1/units", json=UNIT, headers=token("admin"))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "available" and body["callsign"] == "RPR-T-01" and body["stale"] is False
    listed = (await client.get("/api/v1/units?district=Raipur", headers=token("operator"))).json()
    assert [u["id"] for u in listed] == [body["id"]]
    assert (await client.get("/api/v1/units?district=Durg", headers=token("operator"))).json() == []
    events = await conn.fetch("SELECT kind, actor FROM events WHERE unit_id = $1", body["id"])
    assert [e["kind"] for e in events] == ["unit.registered"]
    assert events[0]["actor"].startswith("admin:")


async def test_only_admin_registers_units(client: httpx.AsyncClient) -> None:
    for role in ("operator", "supervisor", "analyst"):
        assert (await client.post("/api/v1/units", json=UNIT, headers=token(role))).status_code == 403


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"type": "helicopter"}, 422, "type"),
        ({"lat": 95}, 422, "lat"),
        ({"lon": -181}, 422, "lon"),
        ({"district": "Gotham"}, 422, "district"),
        ({"lat": 20.2961, "lon": 85.8245}, 422, "lat/lon"),  # Bhubaneswar, Odisha
        ({"callsign": ""}, 422, "callsign"),
        ({"station": 999}, 422, "station"),
        ({"colour": "red"}, 422, "colour"),
    ],
)
async def test_bad_unit_payloads_name_the_field(
    client: httpx.AsyncClient, conn: asyncpg.Connection, change: dict[str, object], status: int, field: str
) -> None:
    response = await client.post("/api/v1/units", json={**UNIT, **change}, headers=token("admin"))
    assert response.status_code == status
    assert field in response.json()["detail"]
    assert await conn.fetchval("SELECT count(*) FROM units") == 0
    assert await conn.fetchval("SELECT count(*) FROM events") == 0


async def test_duplicate_callsign_is_409_and_writes_nothing(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    assert (await client.post("/api/v1/units", json=UNIT, headers=token("admin"))).status_code == 201
    again = await client.post("/api/v1/units", json={**UNIT, "district": "Durg"}, headers=token("admin"))
    assert again.status_code == 409
    assert "callsign" in again.json()["detail"]
    assert await conn.fetchval("SELECT count(*) FROM units") == 1
    assert await conn.fetchval("SELECT count(*) FROM events") == 1


async def _incident(conn: asyncpg.Connection) -> int:
    incident_id: int = await conn.fetchval(
        """INSERT INTO incidents (status, category, priority, district, area_type, target_minutes,
                                  lat, lon, received_at, created_by)
           VALUES ('dispatched', 'police', 2, 'Raipur', 'urban', 16, 21.25, 81.63, now(), 'test')
           RETURNING id"""
    )
    return incident_id


async def test_database_forbids_two_active_assignments_for_one_unit(conn: asyncpg.Connection) -> None:
    unit_id = await conn.fetchval(
        "INSERT INTO units (callsign, type, district, lat, lon)"
        " VALUES ('U1', 'police_erv', 'Raipur', 21.25, 81.63) RETURNING id"
    )
    first, second = await _incident(conn), await _incident(conn)
    insert = """INSERT INTO assignments (incident_id, unit_id, unit_type, service, dispatched_at, created_by)
                VALUES ($1, $2, 'police_erv', 'police', now(), 'test') RETURNING id"""
    assignment = await conn.fetchval(insert, first, unit_id)
    with pytest.raises(asyncpg.UniqueViolationError, match="uq_assignments_active_unit"):
        await conn.fetchval(insert, second, unit_id)
    # Once cleared, the unit may be assigned again.
    await conn.execute("UPDATE assignments SET cleared_at = now() WHERE id = $1", assignment)
    assert await conn.fetchval(insert, second, unit_id) is not None


async def test_event_log_is_append_only(conn: asyncpg.Connection) -> None:
    await conn.execute("INSERT INTO events (kind, actor) VALUES ('x', 'test')")
    with pytest.raises(asyncpg.RestrictViolationError):
        await conn.execute("UPDATE events SET kind = 'y'")
    with pytest.raises(asyncpg.RestrictViolationError):
        await conn.execute("DELETE FROM events")


async def test_seed_is_idempotent_and_demo_fleet_covers_every_district(
    db_url: str, conn: asyncpg.Connection
) -> None:
    for _ in range(2):
        done = run_cli(db_url, "seed", "--demo")
        assert done.returncode == 0, done.stderr
    assert await conn.fetchval("SELECT count(*) FROM districts") == 33
    assert await conn.fetchval("SELECT count(*) FROM urban_zones") == 20
    assert await conn.fetchval("SELECT count(*) FROM response_targets") == 2
    assert await conn.fetchval("SELECT count(DISTINCT district) FROM stations") == 33
    assert await conn.fetchval("SELECT count(*) FROM units WHERE station_id IS NULL") == 0
    per_district = await conn.fetch(
        "SELECT district, count(DISTINCT type) AS types FROM units GROUP BY district"
    )
    assert len(per_district) == 33
    assert all(r["types"] == 5 for r in per_district)
    count = "SELECT count(*) FROM units WHERE district = $1"
    raipur, sukma = await conn.fetchval(count, "Raipur"), await conn.fetchval(count, "Sukma")
    assert raipur > 2 * sukma
    first = await conn.fetch("SELECT callsign, lat, lon FROM units ORDER BY callsign")
    assert len({r["callsign"] for r in first}) == len(first)


async def test_migrations_downgrade_to_base_and_upgrade_again(db_url: str, conn: asyncpg.Connection) -> None:
    down = run_cli(db_url, "db", "downgrade", "base")
    assert down.returncode == 0, down.stderr
    tables = await conn.fetchval(
        "SELECT count(*) FROM information_schema.tables"
        " WHERE table_schema = 'public' AND table_name <> 'alembic_version'"
    )
    assert tables == 0
    up = run_cli(db_url, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    assert await conn.fetchval("SELECT to_regclass('public.assignments') IS NOT NULL")


def test_cli_token_prints_tokens_and_refuses_bad_roles(db_url: str) -> None:
    done = run_cli(db_url, "token", "--role", "operator")
    assert done.returncode == 0 and done.stdout.count(".") == 2
    assert run_cli(db_url, "token", "--role", "janitor").returncode == 2
    assert run_cli(db_url, "token", "--role", "responder").returncode == 2  # needs --unit
    assert run_cli(db_url, "token", "--role", "responder", "--unit", "7").returncode == 0


def test_production_refuses_to_start_without_a_secret() -> None:
    with pytest.raises(ValueError, match="DIAL112_SECRET_KEY"):
        Settings(env="production", secret_key=None)
    with pytest.raises(ValueError, match="at least 32"):
        Settings(env="production", secret_key="short")
    assert Settings(env="development", secret_key=None).signing_key
