"""Unit types are defined once (app/dispatch/registry.py): the API, the database and the settings follow."""

from __future__ import annotations

import asyncpg
import httpx

from app.config import Settings
from app.dispatch.registry import SERVICE_NAMES, UNIT_TYPE_NAMES, UNIT_TYPES
from tests.conftest import token


async def test_api_database_and_settings_take_their_unit_types_from_the_registry(
    client: httpx.AsyncClient, conn: asyncpg.Connection, settings: Settings
) -> None:
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]
    assert schema["UnitCreate"]["properties"]["type"]["enum"] == list(UNIT_TYPE_NAMES)
    in_db = {r["name"] for r in await conn.fetch("SELECT name FROM unit_types")}
    assert in_db == set(UNIT_TYPE_NAMES)
    assert set(settings.turnout_seconds) == set(settings.turnout_limit_seconds) == set(UNIT_TYPE_NAMES)
    served = {s for types in settings.service_unit_types.values() for s in types}
    assert served == set(UNIT_TYPE_NAMES) and set(settings.service_unit_types) == set(SERVICE_NAMES)
    for spec in UNIT_TYPES:  # each type serves its first service before any type that only helps out
        assert settings.service_unit_types[spec.serves[0]][0] in {
            t.name for t in UNIT_TYPES if t.serves[0] == spec.serves[0]
        }


async def test_a_type_the_database_does_not_know_is_refused_by_its_foreign_key(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    body = {"callsign": "X-1", "type": "helicopter", "district": "Raipur", "lat": 21.25, "lon": 81.63}
    r = await client.post("/api/v1/units", json=body, headers=token("admin"))
    assert r.status_code == 422 and "type" in r.json()["detail"]
    try:
        await conn.execute(
            "INSERT INTO units (callsign, type, district, lat, lon)"
            " VALUES ('X-1', 'helicopter', 'Raipur', 21.25, 81.63)"
        )
    except asyncpg.ForeignKeyViolationError as exc:
        assert exc.constraint_name == "fk_units_type"
    else:
        raise AssertionError("the database accepted an unknown unit type")
