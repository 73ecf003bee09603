"""Live risk and its events, HQ review of women cases, the lapse report — with their role checks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
import time_machine

from app.config import Settings
from app.database import create_pool, transaction
from app.dispatch.policy import EtaModel
from app.main import create_app
from app.services.oversight import flag_risks
from tests.conftest import make_settings, token
from tests.integration.helpers import RAIPUR, add_unit, ago, move, offset, post_call


def sup() -> dict[str, str]:
    """A supervisor's header, minted on the test's clock."""
    return token("supervisor")


ETA = EtaModel(circuity=1.3, speed_kmh={"urban": 25.0, "rural": 40.0}, turnout_seconds={"police_erv": 60.0})


@pytest.fixture
def settings(db_url: str) -> Settings:
    """The watchdog never runs a round here: the tests drive the risk check with their own clock."""
    return make_settings(db_url, ack_check_interval_seconds=3600)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client over the app (same as conftest's, with this module's settings)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


async def flag(db_url: str, now: datetime) -> dict[str, list[int]]:
    """One round of the risk watch in its own transaction, at a given time."""
    pool = await create_pool(db_url, 1, 1)
    try:
        async with transaction(pool) as c:
            return await flag_risks(c, ETA, now)
    finally:
        await pool.close()


async def risk_events(conn: asyncpg.Connection) -> list[tuple[str, int]]:
    rows = await conn.fetch(
        "SELECT kind, incident_id FROM events WHERE kind LIKE 'incident.%' AND kind IN "
        "('incident.at_risk', 'incident.breached') ORDER BY id"
    )
    return [(r["kind"], r["incident_id"]) for r in rows]


async def test_late_incident_is_flagged_at_risk_then_breached_once_and_on_time_one_never(
    client: httpx.AsyncClient, conn: asyncpg.Connection, db_url: str
) -> None:
    far = await add_unit(client, *offset(*RAIPUR, north_km=3))  # 3 km: 60 s turnout + 562 s travel
    late = (await post_call(client, received_at=ago(1)))["incident"]
    assert late["assignments"][0]["unit_id"] == far["id"]
    near = await add_unit(client, *offset(*RAIPUR, east_km=10.4))
    on_time = (await post_call(client, lat=21.2514, lon=RAIPUR[1] + 0.1, caller_number="+919811100001"))[
        "incident"
    ]
    assert on_time["assignments"][0]["unit_id"] == near["id"]
    await move(client, near["id"], "on_scene")
    received = datetime.fromisoformat(late["received_at"])

    assert await flag(db_url, received + timedelta(minutes=2)) == {
        "incident.at_risk": [],
        "incident.breached": [],
    }
    at_risk_list = (await client.get("/api/v1/incidents/at-risk", headers=sup())).json()
    assert at_risk_list == []  # real time: a minute in, 60 + 562 s to go, well within 16 min

    # Eight minutes in, the unit has not moved: 480 s + 562 s of travel > 960 s: at risk.
    await flag(db_url, received + timedelta(minutes=8))
    assert await risk_events(conn) == [("incident.at_risk", late["id"])]
    await flag(db_url, received + timedelta(minutes=9))  # no second event
    # Past 16 minutes: breached, once, even with several workers checking at the same moment.
    moment = received + timedelta(minutes=17)
    await asyncio.gather(*(flag(db_url, moment) for _ in range(4)))
    await flag(db_url, moment + timedelta(minutes=1))
    assert await risk_events(conn) == [("incident.at_risk", late["id"]), ("incident.breached", late["id"])]
    data = json.loads(await conn.fetchval("SELECT data FROM events WHERE kind = 'incident.breached'"))
    assert data["reason"] == "breached" and data["elapsed_s"] > 960


async def test_at_risk_lists_late_and_unassigned_incidents_most_urgent_first(
    client: httpx.AsyncClient,
) -> None:
    await add_unit(client, *offset(*RAIPUR, north_km=25))  # far away: its ETA misses 16 min at once
    eta_late = (await post_call(client, received_at=ago(2)))["incident"]
    near = await add_unit(client, *offset(*RAIPUR, east_km=30))
    on_time = (await post_call(client, lat=RAIPUR[0], lon=offset(*RAIPUR, east_km=30.5)[1]))["incident"]
    assert on_time["assignments"][0]["unit_id"] == near["id"]
    queued = (await post_call(client, received_at=ago(5), lat=21.35, lon=81.70))["incident"]
    breached = (await post_call(client, received_at=ago(20), lat=21.20, lon=81.55))["incident"]
    assert queued["status"] == "queued" and breached["status"] == "queued"

    for role in ("operator", "supervisor"):
        assert (await client.get("/api/v1/incidents/at-risk", headers=token(role))).status_code == 200
    assert (await client.get("/api/v1/incidents/at-risk", headers=token("analyst"))).status_code == 403
    rows = (await client.get("/api/v1/incidents/at-risk", headers=sup())).json()
    by_id = {r["incident_id"]: r for r in rows}
    # Least slack first: help 65 min after the call beats a call 20 min old with nobody sent yet.
    assert [r["incident_id"] for r in rows] == [eta_late["id"], breached["id"], queued["id"]]
    assert by_id[breached["id"]]["reason"] == "breached" and by_id[breached["id"]]["breached"]
    assert by_id[queued["id"]]["reason"] == "no_unit" and by_id[queued["id"]]["projected_s"] is None
    assert by_id[eta_late["id"]]["reason"] == "eta_beyond_target"
    assert by_id[eta_late["id"]]["projected_s"] > 960 and by_id[eta_late["id"]]["unit_id"] is not None


async def test_women_review_queue_overdue_review_and_roles(client: httpx.AsyncClient) -> None:
    serious_p1 = (await post_call(client, category="women", priority=1, received_at=ago(25 * 60)))["incident"]
    fresh_p1 = (await post_call(client, category="women", priority=1, lat=21.30, lon=81.70))["incident"]
    ordinary = (await post_call(client, category="women", priority=2, lat=21.35, lon=81.60))["incident"]
    police = (await post_call(client, priority=1, lat=21.20, lon=81.66))["incident"]

    queue = (await client.get("/api/v1/oversight/women", headers=sup())).json()
    assert {i["incident_id"] for i in queue} == {serious_p1["id"], fresh_p1["id"]}
    overdue = {i["incident_id"]: i["overdue"] for i in queue}
    assert overdue == {serious_p1["id"]: True, fresh_p1["id"]: False}
    assert all(i["review_status"] == "pending" and i["last_review"] is None for i in queue)

    marked = await client.post(
        f"/api/v1/incidents/{ordinary['id']}/serious",
        json={"reason": "repeat stalking"},
        headers=token("operator"),
    )
    assert marked.status_code == 200 and marked.json()["serious"] is True
    queue = (await client.get("/api/v1/oversight/women?status=pending", headers=sup())).json()
    assert ordinary["id"] in {i["incident_id"] for i in queue}
    overdue_only = (await client.get("/api/v1/oversight/women?status=overdue", headers=sup())).json()
    assert [i["incident_id"] for i in overdue_only] == [serious_p1["id"]]

    review = {"outcome": "lapse_found", "notes": "ERV took 40 min; SHO asked to explain"}
    for role in ("operator", "analyst"):
        r = await client.post(
            f"/api/v1/oversight/women/{serious_p1['id']}/reviews", json=review, headers=token(role)
        )
        assert r.status_code == 403, role
        assert (await client.get("/api/v1/oversight/women", headers=token(role))).status_code == 403
    done = await client.post(
        f"/api/v1/oversight/women/{serious_p1['id']}/reviews", json=review, headers=sup()
    )
    assert done.status_code == 201 and done.json()["reviewed_by"].startswith("supervisor:")
    item = next(
        i
        for i in (await client.get("/api/v1/oversight/women", headers=sup())).json()
        if i["incident_id"] == serious_p1["id"]
    )
    assert (
        item["review_status"] == "reviewed"
        and not item["overdue"]
        and item["last_review"]["outcome"] == "lapse_found"
    )
    r = await client.post(f"/api/v1/oversight/women/{police['id']}/reviews", json=review, headers=sup())
    assert r.status_code == 422 and r.json()["detail"].startswith("incident_id")
    bad = await client.post(
        f"/api/v1/oversight/women/{fresh_p1['id']}/reviews",
        json={"outcome": "fine", "notes": "ok ok"},
        headers=sup(),
    )
    assert bad.status_code == 422 and "outcome" in bad.json()["detail"]


async def test_lapse_report_with_the_incident_ids_behind_every_number(
    clock: time_machine.Traveller, client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    station = await conn.fetchval(
        "INSERT INTO stations (name, district, lat, lon)"
        " VALUES ('Civil Lines', 'Raipur', 21.25, 81.63) RETURNING id"
    )
    body = {
        "callsign": "RPR-ERV-1",
        "type": "police_erv",
        "district": "Raipur",
        "lat": RAIPUR[0],
        "lon": RAIPUR[1],
        "station": station,
    }
    erv = (await client.post("/api/v1/units", json=body, headers=token("admin"))).json()

    # 1. Arrived 30 minutes after the call: a breached target; and 90 s from notification to rolling.
    late = (await post_call(client, received_at=ago(30)))["incident"]
    dispatched = datetime.fromisoformat(late["assignments"][0]["dispatched_at"])
    await move(client, erv["id"], "en_route", at=(dispatched + timedelta(seconds=90)).isoformat())
    await move(client, erv["id"], "on_scene", at=(dispatched + timedelta(seconds=100)).isoformat())
    await move(client, erv["id"], "available", at=(dispatched + timedelta(seconds=110)).isoformat())
    # 2. Closed with a blank disposition.
    blank = (await post_call(client, lat=21.30, lon=81.70))["incident"]
    await move(client, erv["id"], "on_scene", at=(dispatched + timedelta(seconds=115)).isoformat())
    r = await client.post(
        f"/api/v1/incidents/{blank['id']}/close", json={"disposition": "  "}, headers=token("operator")
    )
    assert r.status_code == 200
    # 3. An assignment that lapsed unacknowledged (as the watchdog records it).
    lapsed = (await post_call(client, lat=21.225, lon=81.66))["incident"]
    await conn.execute(
        "UPDATE assignments SET cleared_at = $2, status = 'cleared', end_reason = 'unacknowledged'"
        " WHERE incident_id = $1",
        lapsed["id"],
        datetime.now(UTC),
    )

    for role in ("operator", "analyst"):
        assert (await client.get("/api/v1/oversight/lapses", headers=token(role))).status_code == 403
    [district] = (await client.get("/api/v1/oversight/lapses?group_by=district", headers=sup())).json()
    assert district["district"] == "Raipur"
    assert district["breached"] == {"count": 1, "incident_ids": [late["id"]]}
    assert district["long_turnout"] == {"count": 1, "incident_ids": [late["id"]]}
    assert district["closed_without_disposition"] == {"count": 1, "incident_ids": [blank["id"]]}
    assert district["unacknowledged"] == {"count": 1, "incident_ids": [lapsed["id"]]}
    assert district["total"] == 3 and district["incident_ids"] == sorted(
        [late["id"], blank["id"], lapsed["id"]]
    )

    [unit] = (await client.get("/api/v1/oversight/lapses?group_by=unit", headers=sup())).json()
    assert (unit["unit_id"], unit["callsign"], unit["total"]) == (erv["id"], "RPR-ERV-1", 3)
    [by_station] = (await client.get("/api/v1/oversight/lapses?group_by=station", headers=sup())).json()
    assert (by_station["station_id"], by_station["station"]) == (station, "Civil Lines")
    r = await client.get("/api/v1/oversight/lapses?group_by=shift", headers=sup())
    assert r.status_code == 422 and r.json()["detail"].startswith("group_by")
    # The calls came in on 29 November, IST (the service's day), while UTC still says the 28th.
    assert (await client.get("/api/v1/oversight/lapses?from=2026-11-29", headers=sup())).json() != []
    future = "2026-11-30"
    assert (await client.get(f"/api/v1/oversight/lapses?from={future}", headers=sup())).json() == []


async def test_reviewed_cases_are_found_behind_more_than_a_page_of_pending_ones(
    clock: time_machine.Traveller, client: httpx.AsyncClient
) -> None:
    # The reviewed case is the oldest, so it sorts after every pending one: a filter applied after
    # LIMIT would find nothing on the first page.
    reviewed = (
        await post_call(client, category="women", priority=1, received_at=ago(30), lat=21.20, lon=81.60)
    )["incident"]
    done = await client.post(
        f"/api/v1/oversight/women/{reviewed['id']}/reviews",
        json={"outcome": "no_lapse", "notes": "ERV on scene in 9 minutes"},
        headers=sup(),
    )
    assert done.status_code == 201, done.text
    for k in range(6):
        lat, lon = offset(*RAIPUR, north_km=2.0 * k + 2.0)
        await post_call(client, category="women", priority=1, lat=lat, lon=lon)

    page = (await client.get("/api/v1/oversight/women?limit=5", headers=sup())).json()
    assert len(page) == 5 and all(i["review_status"] == "pending" for i in page)
    found = (await client.get("/api/v1/oversight/women?status=reviewed&limit=5", headers=sup())).json()
    assert [i["incident_id"] for i in found] == [reviewed["id"]]
    pending = (await client.get("/api/v1/oversight/women?status=pending&limit=10", headers=sup())).json()
    assert len(pending) == 6 and reviewed["id"] not in {i["incident_id"] for i in pending}
