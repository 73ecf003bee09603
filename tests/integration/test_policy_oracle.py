"""Property: on random fleets and calls, dispatch picks the lowest-ETA eligible unit (brute-force oracle)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
from geopy.distance import geodesic
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.dispatch.gazetteer import Gazetteer
from app.dispatch.geography import Region, ServiceArea
from app.services.dispatcher import Dispatcher
from app.services.queue import send_best_unit
from tests.conftest import make_settings

TYPES = ["police_erv", "ambulance", "fire_tender", "women_safety", "child_protection"]
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
# Selection never looks at geography; a one-square area keeps the dispatcher real without loading GeoJSON.
SQUARE = {"type": "Polygon", "coordinates": [[[81, 21], [82, 21], [82, 22], [81, 22], [81, 21]]]}
AREA = ServiceArea([Region("Raipur", SQUARE)], [])

# Units within a few km of the call, where turnout differences between types decide the ranking.
unit_strategy = st.tuples(
    st.sampled_from(TYPES),
    st.floats(-3.0, 3.0),  # km north of the call
    st.floats(-3.0, 3.0),  # km east of the call
    st.sampled_from(["available", "available", "available", "dispatched", "out_of_service"]),
    st.sampled_from([0, 0, 0, 45]),  # minutes since last fix (45 = stale)
)


def oracle(
    units: list[tuple[int, str, float, float, str, int]],
    service: str,
    lat: float,
    lon: float,
    area_type: str,
    d: Dispatcher,
) -> int | None:
    """Brute force: every eligible unit's ETA, written out from the formula in domain.md."""
    s = d.settings
    eligible_types = s.service_unit_types[service]
    best: tuple[float, float, int] | None = None
    for unit_id, unit_type, ulat, ulon, status, age in units:
        if status != "available" or unit_type not in eligible_types or age > s.stale_position_minutes:
            continue
        km = geodesic((ulat, ulon), (lat, lon)).km
        speed = s.speed_urban_kmh if area_type == "urban" else s.speed_rural_kmh
        eta = s.turnout_seconds[unit_type] + km * s.circuity / speed * 3600
        key = (round(eta, 6), round(km, 6), unit_id)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fleet=st.lists(unit_strategy, min_size=0, max_size=25),
    call=st.tuples(st.floats(21.0, 21.5), st.floats(81.4, 81.9)),
    service=st.sampled_from(["police", "fire", "medical", "women", "child"]),
    area_type=st.sampled_from(["urban", "rural"]),
)
@example(  # the nearer child-protection unit rolls 4 min later: the farther ERV arrives first
    fleet=[("child_protection", 1.0, 0.0, "available", 0), ("police_erv", 2.0, 0.0, "available", 0)],
    call=(21.25, 81.63),
    service="child",
    area_type="urban",
)
async def test_chosen_unit_is_the_oracles(
    db_url: str,
    fleet: list[tuple[str, float, float, str, int]],
    call: tuple[float, float],
    service: str,
    area_type: str,
) -> None:
    # Turnouts far apart, so that a nearer unit of a slow-to-roll type often loses to a farther one.
    turnouts = {
        "police_erv": 60.0,
        "ambulance": 60.0,
        "fire_tender": 80.0,
        "women_safety": 240.0,
        "child_protection": 300.0,
    }
    d = Dispatcher.build(make_settings(db_url, turnout_seconds=turnouts), AREA, Gazetteer([]))
    conn = await asyncpg.connect(db_url.replace("+asyncpg", ""))
    try:
        tx = conn.transaction()
        await tx.start()
        units = []
        for n, (unit_type, north_km, east_km, status, age) in enumerate(fleet):
            lat, lon = call[0] + north_km / 110.57, call[1] + east_km / 103.6
            unit_id = await conn.fetchval(
                """INSERT INTO units (callsign, type, district, status, lat, lon, position_at)
                   VALUES ($1, $2, 'Raipur', $3, $4, $5, $6) RETURNING id""",
                f"P-{n}",
                unit_type,
                status,
                lat,
                lon,
                NOW - timedelta(minutes=age),
            )
            units.append((unit_id, unit_type, lat, lon, status, age))
        incident_id = await conn.fetchval(
            """INSERT INTO incidents (status, category, priority, district, area_type, target_minutes,
                                      lat, lon, received_at, pending, created_by)
               VALUES ('queued', $1, 2, 'Raipur', $2, 16, $3, $4, $5, ARRAY[$1], 'test') RETURNING id""",
            service,
            area_type,
            call[0],
            call[1],
            NOW,
        )
        incident = {
            "id": incident_id,
            "lat": call[0],
            "lon": call[1],
            "area_type": area_type,
            "priority": 2,
            "district": "Raipur",
        }
        claimed = await send_best_unit(conn, d, incident, service, now=NOW, actor="test")
        expected = oracle(units, service, call[0], call[1], area_type, d)
        assert (claimed["unit_id"] if claimed else None) == expected
        await tx.rollback()
    finally:
        await conn.close()
