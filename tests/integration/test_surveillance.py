"""Smart-city surveillance over real PostgreSQL: panic poles, video alerts, review, bursts, cameras
on an incident, the accountability report, and what a gateway token may do."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import jwt
import pytest
import time_machine

from app.main import create_app
from tests.conftest import TEST_SECRET, make_settings, run_cli, token
from tests.integration.helpers import RAIPUR, add_unit, offset, post_call
from tests.integration.servers import serve

_codes = itertools.count(1)
_ids = itertools.count(1)
MUMBAI = (19.076, 72.8777)  # far outside Chhattisgarh


async def add_camera(
    client: httpx.AsyncClient,
    lat: float = RAIPUR[0],
    lon: float = RAIPUR[1],
    kind: str = "fixed",
    **fields: Any,
) -> dict[str, Any]:
    """Register a camera through the API (admin)."""
    body = {
        "code": f"RPR-T-{next(_codes):04d}",
        "name": "Test junction",
        "kind": kind,
        "lat": lat,
        "lon": lon,
    }
    body.update(fields)
    response = await client.post("/api/v1/cameras", json=body, headers=token("admin"))
    assert response.status_code == 201, response.text
    camera: dict[str, Any] = response.json()
    return camera


async def post_alert(
    client: httpx.AsyncClient, camera: dict[str, Any] | str, expect: int = 201, **fields: Any
) -> dict[str, Any]:
    """Post an alert as a gateway and check the status code."""
    body: dict[str, Any] = {
        "camera_code": camera if isinstance(camera, str) else camera["code"],
        "kind": "crowd",
        "confidence": 0.62,
        "external_id": f"vms-{next(_ids)}",
    }
    body.update(fields)
    body = {k: v for k, v in body.items() if v is not None}
    response = await client.post("/api/v1/camera-alerts", json=body, headers=token("gateway", subject="vms"))
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def incident(client: httpx.AsyncClient, incident_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/incidents/{incident_id}", headers=token("operator"))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def at(seconds: float = 0) -> str:
    """An ISO time `seconds` after now (the test's clock)."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


@pytest.fixture
async def client_with(clock: time_machine.Traveller, db_url: str) -> AsyncIterator[Any]:
    """A factory of clients whose app runs with some settings changed."""
    stack: list[Any] = []

    async def make(**overrides: Any) -> httpx.AsyncClient:
        app = create_app(make_settings(db_url, **overrides))
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
        stack.append((lifespan, c))
        return c

    yield make
    for lifespan, c in reversed(stack):
        await c.aclose()
        await lifespan.__aexit__(None, None, None)


# ------------------------------------------------------------------------------------------ panic poles


async def test_a_panic_pole_press_is_dispatched_at_the_pole(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    pole_at = offset(*RAIPUR, north_km=1.2, east_km=-0.8)
    unit = await add_unit(client, *offset(*RAIPUR, north_km=2.5))
    pole = await add_camera(client, *pole_at, kind="panic_pole", name="Jaistambh Chowk pole")
    assert pole["district"] == "Raipur"  # derived from the location
    pressed = at(-5)

    alert = await post_alert(client, pole, kind="sos_button", confidence=None, at=pressed)

    assert alert["status"] == "auto_dispatched" and alert["count"] == 1
    found = await incident(client, alert["incident_id"])
    assert (found["lat"], found["lon"]) == pytest.approx(pole_at)
    assert (found["category"], found["priority"], found["status"]) == ("police", 1, "dispatched")
    assert [a["unit_id"] for a in found["assignments"]] == [unit["id"]]
    # The response clock starts when the pole was pressed, not when the gateway got round to posting.
    assert datetime.fromisoformat(found["received_at"]) == datetime.fromisoformat(pressed)
    [call] = found["calls"]
    assert call["channel"] == "panic" and pole["code"] in call["text"]
    assert found["source"] == {
        "kind": "camera_alert",
        "alert_id": alert["id"],
        "alert_kind": "sos_button",
        "camera_code": pole["code"],
    }
    created_by = await conn.fetchval("SELECT created_by FROM incidents WHERE id = $1", found["id"])
    assert created_by.startswith("gateway:vms#")


async def test_a_press_with_no_unit_free_still_becomes_a_queued_incident(client: httpx.AsyncClient) -> None:
    pole = await add_camera(client, kind="panic_pole")
    alert = await post_alert(client, pole, kind="sos_button", confidence=1.0)
    assert alert["status"] == "auto_dispatched"
    found = await incident(client, alert["incident_id"])
    assert found["status"] == "queued" and found["pending"] == ["police"]


# ------------------------------------------------------------------------------------------ review


async def test_a_low_confidence_crowd_alert_waits_for_review_then_is_confirmed_and_dispatched(
    client: httpx.AsyncClient, conn: asyncpg.Connection, clock: time_machine.Traveller
) -> None:
    unit = await add_unit(client, *offset(*RAIPUR, east_km=1))
    camera = await add_camera(client, live_url="rtsp://vms.local/live/14")
    seen = at(-30)

    alert = await post_alert(
        client, camera, kind="crowd", confidence=0.62, at=seen, snapshot_url="https://vms.local/s/1.jpg"
    )

    assert (alert["status"], alert["incident_id"], alert["count"]) == ("pending_review", None, 1)
    assert (alert["category"], alert["priority"]) == ("police", 2)
    assert await conn.fetchval("SELECT count(*) FROM incidents") == 0  # nothing moves before a person looks
    queue = (
        await client.get(
            "/api/v1/camera-alerts?status=pending_review&district=Raipur", headers=token("operator")
        )
    ).json()
    assert [(a["id"], a["live_url"], a["snapshot_url"]) for a in queue] == [
        (alert["id"], "rtsp://vms.local/live/14", "https://vms.local/s/1.jpg")
    ]

    clock.shift(timedelta(seconds=45))
    response = await client.post(
        f"/api/v1/camera-alerts/{alert['id']}/confirm",
        json={"note": "stone pelting"},
        headers=token("operator"),
    )

    assert response.status_code == 200, response.text
    confirmed = response.json()
    assert confirmed["status"] == "confirmed" and confirmed["incident_id"] is not None
    assert confirmed["decided_by"].startswith("operator:") and confirmed["note"] == "stone pelting"
    found = await incident(client, confirmed["incident_id"])
    assert (found["category"], found["priority"], found["status"]) == ("police", 2, "dispatched")
    assert [a["unit_id"] for a in found["assignments"]] == [unit["id"]]
    assert datetime.fromisoformat(found["received_at"]) == datetime.fromisoformat(seen)
    assert found["calls"][0]["channel"] == "camera"
    assert (
        await client.get("/api/v1/camera-alerts?status=pending_review", headers=token("operator"))
    ).json() == []

    again = await client.post(
        f"/api/v1/camera-alerts/{alert['id']}/confirm", json={}, headers=token("operator")
    )
    assert again.status_code == 409 and "confirmed" in again.json()["detail"]
    assert await conn.fetchval("SELECT count(*) FROM incidents") == 1


async def test_the_operator_may_change_the_category_and_priority_on_confirming(
    client: httpx.AsyncClient,
) -> None:
    await add_unit(client, "women_safety", *offset(*RAIPUR, east_km=0.5))
    camera = await add_camera(client)
    alert = await post_alert(client, camera, kind="fight", confidence=0.7)
    response = await client.post(
        f"/api/v1/camera-alerts/{alert['id']}/confirm",
        json={"category": "women", "priority": 1},
        headers=token("operator"),
    )
    assert response.status_code == 200, response.text
    found = await incident(client, response.json()["incident_id"])
    assert (found["category"], found["priority"]) == ("women", 1)
    assert [a["unit_type"] for a in found["assignments"]] == ["women_safety"]


async def test_an_accident_alert_confirmed_sends_an_ambulance_and_police(client: httpx.AsyncClient) -> None:
    await add_unit(client, "ambulance", *offset(*RAIPUR, east_km=1))
    await add_unit(client, *offset(*RAIPUR, east_km=2))
    camera = await add_camera(client)
    alert = await post_alert(client, camera, kind="accident", confidence=0.8)
    assert alert["status"] == "pending_review"
    confirmed = (
        await client.post(f"/api/v1/camera-alerts/{alert['id']}/confirm", json={}, headers=token("operator"))
    ).json()
    found = await incident(client, confirmed["incident_id"])
    assert (found["category"], found["secondary"], found["priority"]) == ("medical", ["police"], 1)
    assert sorted(a["service"] for a in found["assignments"]) == ["medical", "police"]


async def test_a_dismissed_alert_creates_nothing_and_keeps_its_reason(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    await add_unit(client)
    camera = await add_camera(client)
    alert = await post_alert(client, camera, kind="abandoned_object", confidence=0.55)

    missing = await client.post(
        f"/api/v1/camera-alerts/{alert['id']}/dismiss", json={}, headers=token("operator")
    )
    assert missing.status_code == 422 and "reason" in missing.json()["detail"]
    response = await client.post(
        f"/api/v1/camera-alerts/{alert['id']}/dismiss",
        json={"reason": "a vendor's cart, owner in view"},
        headers=token("operator"),
    )

    assert response.status_code == 200, response.text
    dismissed = response.json()
    assert (dismissed["status"], dismissed["incident_id"]) == ("dismissed", None)
    assert dismissed["dismiss_reason"] == "a vendor's cart, owner in view"
    assert await conn.fetchval("SELECT count(*) FROM incidents") == 0
    assert await conn.fetchval("SELECT count(*) FROM assignments") == 0
    late = await client.post(
        f"/api/v1/camera-alerts/{alert['id']}/confirm", json={}, headers=token("operator")
    )
    assert late.status_code == 409 and late.json()["status"] == "dismissed"
    kinds = [
        r["kind"]
        for r in await conn.fetch("SELECT kind FROM events WHERE kind LIKE 'camera_alert.%' ORDER BY id")
    ]
    assert kinds == ["camera_alert.created", "camera_alert.dismissed"]


async def test_only_operators_decide(client: httpx.AsyncClient) -> None:
    camera = await add_camera(client)
    alert = await post_alert(client, camera)
    for role in ("gateway", "supervisor", "analyst"):
        for action, body in (("confirm", {}), ("dismiss", {"reason": "x"})):
            response = await client.post(
                f"/api/v1/camera-alerts/{alert['id']}/{action}", json=body, headers=token(role)
            )
            assert response.status_code == 403, (role, action)


# ------------------------------------------------------------------------------------------ dispatch at once


async def test_a_high_confidence_fire_is_dispatched_at_once_and_a_low_one_waits(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    tender = await add_unit(client, "fire_tender", *offset(*RAIPUR, north_km=3))
    market = await add_camera(client, *offset(*RAIPUR, east_km=-2))
    depot = await add_camera(client, *offset(*RAIPUR, east_km=4))

    fire = await post_alert(client, market, kind="fire", confidence=0.93)
    unsure = await post_alert(client, depot, kind="fire", confidence=0.6)

    assert fire["status"] == "auto_dispatched" and fire["decided_by"] == "system:auto-dispatch"
    found = await incident(client, fire["incident_id"])
    assert (found["category"], found["priority"], found["status"]) == ("fire", 1, "dispatched")
    assert [a["unit_id"] for a in found["assignments"]] == [tender["id"]]
    assert (unsure["status"], unsure["incident_id"]) == ("pending_review", None)
    assert await conn.fetchval("SELECT count(*) FROM incidents") == 1


async def test_the_threshold_is_inclusive_and_configurable_per_kind(client_with: Any) -> None:
    strict = await client_with(camera_auto_dispatch_confidence={"fire": 0.95, "crowd": 0.8})
    a, b, c = [await add_camera(strict, *offset(*RAIPUR, east_km=k)) for k in (0, 1, 2)]
    assert (await post_alert(strict, a, kind="fire", confidence=0.93))["status"] == "pending_review"
    assert (await post_alert(strict, b, kind="fire", confidence=0.95))["status"] == "auto_dispatched"
    # smoke is no longer listed: it waits whatever the confidence; crowd now dispatches at 0.8.
    assert (await post_alert(strict, c, kind="smoke", confidence=1.0))["status"] == "pending_review"
    assert (await post_alert(strict, c, kind="crowd", confidence=0.8))["status"] == "auto_dispatched"


async def test_a_waiting_burst_that_grows_confident_is_dispatched(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    await add_unit(client, "fire_tender", *offset(*RAIPUR, north_km=1))
    camera = await add_camera(client)
    first = await post_alert(client, camera, kind="smoke", confidence=0.5, at=at(-60))
    assert first["status"] == "pending_review"

    second = await post_alert(client, camera, kind="smoke", confidence=0.96, at=at(-10))

    assert second["id"] == first["id"] and second["count"] == 2
    assert second["status"] == "auto_dispatched" and second["confidence"] == 0.96
    found = await incident(client, second["incident_id"])
    assert (found["category"], found["priority"], found["status"]) == ("fire", 2, "dispatched")
    assert datetime.fromisoformat(found["received_at"]) == datetime.fromisoformat(first["first_at"])
    assert await conn.fetchval("SELECT count(*) FROM incidents") == 1


# ------------------------------------------------------------------------------------------ bursts, repeats


async def test_a_burst_of_identical_alerts_is_one_alert_with_a_count(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    camera = await add_camera(client)
    ids = []
    for seconds, confidence in ((-300, 0.5), (-240, 0.7), (-200, 0.6), (-90, 0.55)):
        alert = await post_alert(client, camera, kind="crowd", confidence=confidence, at=at(seconds))
        ids.append((alert["id"], alert["count"]))
    # Each report came within 2 minutes of the previous one: one alert, its count growing.
    assert [i for i, _ in ids] == [ids[0][0]] * 4 and [n for _, n in ids] == [1, 2, 3, 4]
    late = await post_alert(client, camera, kind="crowd", confidence=0.6, at=at(-90 + 121))
    other_kind = await post_alert(client, camera, kind="fight", confidence=0.6, at=at(-90))
    # Out of order: a report older than the burst's first, but within the window of it, still belongs.
    straggler_at = at(-400)
    straggler = await post_alert(client, camera, kind="crowd", confidence=0.9, at=straggler_at)

    assert late["id"] != ids[0][0] and late["count"] == 1
    assert other_kind["id"] not in (ids[0][0], late["id"])
    assert straggler["id"] == ids[0][0] and straggler["count"] == 5 and straggler["confidence"] == 0.9
    assert datetime.fromisoformat(straggler["first_at"]) == datetime.fromisoformat(straggler_at)
    rows = await conn.fetch("SELECT id, count FROM camera_alerts ORDER BY id")
    assert [r["count"] for r in rows] == [5, 1, 1]
    assert await conn.fetchval("SELECT count(*) FROM camera_alert_reports") == 7
    assert await conn.fetchval("SELECT count(*) FROM events WHERE kind = 'camera_alert.created'") == 3


async def test_a_dismissed_burst_stays_quiet_unless_a_report_is_confident_enough_to_dispatch(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    camera = await add_camera(client)
    first = await post_alert(client, camera, kind="fire", confidence=0.6, at=at(-90))
    dismissed = await client.post(
        f"/api/v1/camera-alerts/{first['id']}/dismiss",
        json={"reason": "welding torch"},
        headers=token("operator"),
    )
    assert dismissed.status_code == 200

    unsure = await post_alert(client, camera, kind="fire", confidence=0.7, at=at(-60))
    sure = await post_alert(client, camera, kind="fire", confidence=0.95, at=at(-30))

    assert (unsure["id"], unsure["count"], unsure["status"]) == (first["id"], 2, "dismissed")
    assert sure["id"] != first["id"] and sure["status"] == "auto_dispatched"
    assert await conn.fetchval("SELECT count(*) FROM incidents") == 1


async def test_a_pole_pressed_again_is_one_alert_and_tells_the_incidents_console(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    pole = await add_camera(client, kind="panic_pole")
    first = await post_alert(client, pole, kind="sos_button", at=at(-40))
    again = await post_alert(client, pole, kind="sos_button", at=at(-20))
    assert (again["id"], again["count"], again["incident_id"]) == (first["id"], 2, first["incident_id"])
    assert await conn.fetchval("SELECT count(*) FROM incidents") == 1
    repeated = await conn.fetchrow(
        "SELECT incident_id, data FROM events WHERE kind = 'camera_alert.repeated'"
    )
    assert repeated is not None and repeated["incident_id"] == first["incident_id"]
    data = repeated["data"] if isinstance(repeated["data"], dict) else json.loads(repeated["data"])
    assert data["count"] == 2


async def test_a_repeated_external_id_answers_200_with_the_same_alert(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    pole = await add_camera(client, kind="panic_pole")
    other = await add_camera(client, *offset(*RAIPUR, east_km=3))
    first = await post_alert(client, pole, kind="sos_button", external_id="vms-8812")
    repeat = await post_alert(client, pole, expect=200, kind="sos_button", external_id="vms-8812")
    assert (repeat["id"], repeat["count"], repeat["status"], repeat["incident_id"]) == (
        first["id"],
        1,
        "auto_dispatched",
        first["incident_id"],
    )
    clash = await post_alert(client, other, expect=409, kind="crowd", external_id="vms-8812")
    assert "external_id" in clash["detail"]
    assert await conn.fetchval("SELECT count(*) FROM incidents") == 1
    assert await conn.fetchval("SELECT count(*) FROM camera_alert_reports") == 1


async def test_concurrent_reports_on_several_workers_make_one_alert_and_one_incident(
    db_url: str, conn: asyncpg.Connection
) -> None:
    with serve(db_url, workers=2) as (base, _):
        async with httpx.AsyncClient(base_url=base, timeout=60) as c:
            tender = {
                "callsign": "FIRE-1",
                "type": "fire_tender",
                "district": "Raipur",
                "lat": RAIPUR[0],
                "lon": RAIPUR[1],
            }
            assert (await c.post("/api/v1/units", json=tender, headers=token("admin"))).status_code == 201
            cameras: list[str] = []
            for n in range(2):
                code = f"CC-{n}"
                body = {
                    "code": code,
                    "name": f"Junction {n}",
                    "kind": "ptz",
                    "lat": RAIPUR[0] + n * 0.05,
                    "lon": RAIPUR[1],
                }
                r = await c.post("/api/v1/cameras", json=body, headers=token("admin"))
                assert r.status_code == 201, r.text
                cameras.append(code)
            gw = token("gateway", subject="vms")

            async def report(camera: str, kind: str, n: int, confidence: float) -> httpx.Response:
                body = {
                    "camera_code": camera,
                    "kind": kind,
                    "confidence": confidence,
                    "external_id": f"{camera}-{kind}-{n}",
                }
                return await c.post("/api/v1/camera-alerts", json=body, headers=gw)

            # 30 confident fire reports from one camera at once (each sent twice: a gateway retrying),
            # and 30 crowd reports from another.
            fires = [report(cameras[0], "fire", n % 30, 0.95) for n in range(60)]
            crowds = [report(cameras[1], "crowd", n, 0.5) for n in range(30)]
            responses = await asyncio.gather(*fires, *crowds)

            # One external_id sent for two different cameras at once: one report taken, the other 409.
            async def clash(n: int) -> list[int]:
                pair = await asyncio.gather(
                    *(
                        c.post(
                            "/api/v1/camera-alerts",
                            json={
                                "camera_code": cam,
                                "kind": "intrusion",
                                "confidence": 0.5,
                                "external_id": f"x-{n}",
                            },
                            headers=gw,
                        )
                        for cam in cameras
                    )
                )
                return sorted(r.status_code for r in pair)

            clashes = await asyncio.gather(*(clash(n) for n in range(10)))
    assert clashes == [[201, 409]] * 10

    codes = [r.status_code for r in responses]
    assert sorted(codes[:60]) == [200] * 30 + [201] * 30, [r.text for r in responses if r.status_code >= 300][
        :3
    ]
    assert codes[60:] == [201] * 30
    assert len({r.json()["id"] for r in responses[:60]}) == 1
    assert len({r.json()["id"] for r in responses[60:]}) == 1
    rows = await conn.fetch(
        "SELECT kind, status, count FROM camera_alerts WHERE kind <> 'intrusion' ORDER BY kind"
    )
    assert [(r["kind"], r["status"], r["count"]) for r in rows] == [
        ("crowd", "pending_review", 30),
        ("fire", "auto_dispatched", 30),
    ]
    assert await conn.fetchval("SELECT count(*) FROM incidents") == 1
    assert await conn.fetchval("SELECT count(*) FROM assignments") == 1
    reports = await conn.fetch(
        "SELECT a.kind, count(*) AS n FROM camera_alert_reports r JOIN camera_alerts a ON a.id = r.alert_id"
        " GROUP BY a.kind ORDER BY a.kind"
    )
    assert [(r["kind"], r["n"]) for r in reports] == [("crowd", 30), ("fire", 30), ("intrusion", 10)]


# ------------------------------------------------------------------------------------------ linking


async def test_an_alert_near_an_open_incident_of_the_same_service_joins_it(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    await add_unit(client)
    call = await post_call(client)  # a police incident at Raipur's centre
    open_id = call["incident"]["id"]
    near = await add_camera(client, *offset(*RAIPUR, north_km=0.1))
    pole = await add_camera(client, *offset(*RAIPUR, east_km=0.15), kind="panic_pole")
    far = await add_camera(client, *offset(*RAIPUR, east_km=3))

    crowd = await post_alert(client, near, kind="crowd", confidence=0.6)
    press = await post_alert(client, pole, kind="sos_button")
    fire = await post_alert(client, near, kind="fire", confidence=0.5)  # another service: not a duplicate
    elsewhere = await post_alert(client, far, kind="crowd", confidence=0.6)

    assert (crowd["status"], crowd["incident_id"]) == ("linked", open_id)
    assert (press["status"], press["incident_id"]) == ("linked", open_id)
    assert (fire["status"], elsewhere["status"]) == ("pending_review", "pending_review")
    # The press is recorded on the open incident as a duplicate call would be.
    found = await incident(client, open_id)
    assert [c["channel"] for c in found["calls"]] == ["voice", "panic"]
    assert await conn.fetchval("SELECT count(*) FROM incidents WHERE duplicate_of = $1", open_id) == 1
    assert await conn.fetchval("SELECT count(*) FROM assignments") == 1
    linked_events = await conn.fetchval(
        "SELECT count(*) FROM events WHERE kind = 'camera_alert.created' AND incident_id = $1", open_id
    )
    assert linked_events == 2


# ------------------------------------------------------------------------------------------ cameras


async def test_an_incident_lists_the_cameras_that_can_see_it_nearest_first(client_with: Any) -> None:
    client = await client_with()
    at_100 = await add_camera(client, *offset(*RAIPUR, north_km=0.1), live_url="https://vms.local/live/100")
    at_450 = await add_camera(client, *offset(*RAIPUR, east_km=-0.45), kind="ptz")
    at_300 = await add_camera(client, *offset(*RAIPUR, north_km=-0.3), kind="panic_pole")
    await add_camera(client, *offset(*RAIPUR, east_km=0.7))
    call = await post_call(client)

    found = await incident(client, call["incident"]["id"])

    assert [c["code"] for c in found["cameras"]] == [at_100["code"], at_300["code"], at_450["code"]]
    assert [round(c["distance_m"], -1) for c in found["cameras"]] == [100, 300, 450]
    assert found["cameras"][0] == {
        "code": at_100["code"],
        "name": "Test junction",
        "kind": "fixed",
        "distance_m": found["cameras"][0]["distance_m"],
        "live_url": "https://vms.local/live/100",
    }
    assert found["source"] is None
    # Lists and the call's own answer keep their shape (no per-incident camera look-ups there).
    assert call["incident"]["cameras"] == []
    listed = (await client.get("/api/v1/incidents", headers=token("operator"))).json()
    assert listed[0]["cameras"] == []

    narrow = await client_with(camera_radius_m=200)
    assert [c["code"] for c in (await incident(narrow, call["incident"]["id"]))["cameras"]] == [
        at_100["code"]
    ]


async def test_cameras_are_listed_by_district_kind_and_around_a_point(client: httpx.AsyncClient) -> None:
    a = await add_camera(client, *offset(*RAIPUR, north_km=0.2))
    b = await add_camera(client, *offset(*RAIPUR, north_km=0.05), kind="anpr")
    c = await add_camera(client, 21.19, 81.28)  # Durg
    op = token("operator")
    everything = (await client.get("/api/v1/cameras", headers=op)).json()
    assert [x["code"] for x in everything] == sorted(x["code"] for x in (a, b, c))
    assert {x["district"] for x in everything} == {"Raipur", "Durg"}
    durg = (await client.get("/api/v1/cameras?district=Durg", headers=op)).json()
    assert [x["code"] for x in durg] == [c["code"]]
    anpr = (await client.get("/api/v1/cameras?kind=anpr", headers=op)).json()
    assert [x["code"] for x in anpr] == [b["code"]]
    near = (
        await client.get(f"/api/v1/cameras?near={RAIPUR[0]},{RAIPUR[1]}&radius_m=1000", headers=op)
    ).json()
    assert [x["code"] for x in near] == [b["code"], a["code"]]
    assert near[0]["distance_m"] == pytest.approx(50, abs=2)


async def test_the_feed_carries_new_alerts_with_the_cameras_district(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    camera = await add_camera(client, 22.08, 82.14)  # Bilaspur
    alert = await post_alert(
        client, camera, kind="intrusion", confidence=0.7, snapshot_url="https://vms.local/9.jpg"
    )
    row = await conn.fetchrow(
        "SELECT district, data, incident_id FROM events WHERE kind = 'camera_alert.created'"
    )
    assert row is not None and row["district"] == "Bilaspur" and row["incident_id"] is None
    data = row["data"] if isinstance(row["data"], dict) else json.loads(row["data"])
    assert data["alert_id"] == alert["id"] and data["status"] == "pending_review"
    assert (data["camera_code"], data["kind"], data["snapshot_url"]) == (
        camera["code"],
        "intrusion",
        "https://vms.local/9.jpg",
    )


# ------------------------------------------------------------------------------------------ accountability


async def test_camera_alert_analytics_count_outcomes_and_time_to_decision(
    client: httpx.AsyncClient, clock: time_machine.Traveller
) -> None:
    await add_unit(client, "fire_tender")
    east = await add_camera(client, *offset(*RAIPUR, east_km=2))
    west = await add_camera(client, *offset(*RAIPUR, east_km=-2))
    pole = await add_camera(client, 22.08, 82.14, kind="panic_pole")  # Bilaspur
    op = token("operator")

    crowd = await post_alert(client, east, kind="crowd")
    fight = await post_alert(client, east, kind="fight")
    clock.shift(timedelta(seconds=60))
    await client.post(f"/api/v1/camera-alerts/{crowd['id']}/dismiss", json={"reason": "festival"}, headers=op)
    clock.shift(timedelta(seconds=60))
    await client.post(f"/api/v1/camera-alerts/{fight['id']}/confirm", json={}, headers=op)
    await post_alert(client, west, kind="crowd")  # still waiting
    await post_alert(client, west, kind="fire", confidence=0.97)
    await post_alert(client, pole, kind="sos_button")
    await post_alert(client, pole, kind="sos_button")  # same burst: one alert, two reports

    async def stats(query: str) -> list[dict[str, Any]]:
        response = await client.get(f"/api/v1/analytics/camera-alerts?{query}", headers=token("analyst"))
        assert response.status_code == 200, response.text
        rows: list[dict[str, Any]] = response.json()
        return rows

    by_camera = {r["camera"]: r for r in await stats("group_by=camera")}
    assert set(by_camera) == {east["code"], west["code"], pole["code"]}
    e = by_camera[east["code"]]
    assert (e["count"], e["confirmed"], e["dismissed"], e["auto_dispatched"], e["pending_review"]) == (
        2,
        1,
        1,
        0,
        0,
    )
    assert e["median_decision_s"] == pytest.approx(90, abs=1)  # 60 s and 120 s
    assert e["dismissed_pct"] == 50.0
    w = by_camera[west["code"]]
    assert (w["count"], w["auto_dispatched"], w["pending_review"], w["median_decision_s"]) == (2, 1, 1, None)
    p = by_camera[pole["code"]]
    assert (p["count"], p["reports"], p["auto_dispatched"]) == (1, 2, 1)
    assert "kind" not in p and "district" not in p

    presses = await stats("group_by=district&kind=sos_button")
    assert presses == [
        {
            "district": "Bilaspur",
            "count": 1,
            "reports": 2,
            "confirmed": 0,
            "dismissed": 0,
            "auto_dispatched": 1,
            "linked": 0,
            "pending_review": 0,
            "median_decision_s": None,
            "dismissed_pct": None,
        }
    ]
    by_kind = {r["kind"]: r["count"] for r in await stats("group_by=kind")}
    assert by_kind == {"crowd": 2, "fight": 1, "fire": 1, "sos_button": 1}
    assert [r["count"] for r in await stats("")] == [5]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await stats(f"from={tomorrow.replace('+', '%2B')}") == []
    assert (await client.get("/api/v1/analytics/camera-alerts", headers=token("operator"))).status_code == 403


# ------------------------------------------------------------------------------------------ the gateway


async def test_a_gateway_may_post_calls_and_alerts_and_read_nothing(
    client: httpx.AsyncClient, db_url: str
) -> None:
    await add_unit(client)
    camera = await add_camera(client)
    gw = token("gateway", subject="vms")
    call = {"text": "help, chain snatched", "lat": RAIPUR[0], "lon": RAIPUR[1], "channel": "sms"}
    assert (await client.post("/api/v1/calls", json=call, headers=gw)).status_code == 201
    await post_alert(client, camera)

    spec = (await client.get("/openapi.json")).json()
    # Calls, camera alerts and Samarpan applications (the WhatsApp / e-mail gateway): nothing else.
    allowed = {("post", "/api/v1/calls"), ("post", "/api/v1/camera-alerts"), ("post", "/api/v1/seniors")}
    checked = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method in operations:
            if (method, path) in allowed:
                continue
            url = re.sub(r"\{[^}]+\}", "1", path)
            # A valid body where the endpoint checks its body before the caller (a GPS fix).
            body = {"lat": RAIPUR[0], "lon": RAIPUR[1]} if path.endswith("/location") else {}
            response = await client.request(method.upper(), url, json=body, headers=gw)
            checked.append((method, path, response.status_code))
    assert len(checked) >= 25
    assert [c for c in checked if c[2] != 403] == []

    printed = run_cli(db_url, "token", "--role", "gateway", "--subject", "vms-raipur")
    assert printed.returncode == 0, printed.stderr
    # Signed with the shared secret at the machine's real time (the CLI runs outside the test's clock).
    claims = jwt.decode(
        printed.stdout.strip(),
        TEST_SECRET,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    assert (claims["role"], claims["sub"]) == ("gateway", "vms-raipur")


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"camera_code": "NO-SUCH-CAM"}, "camera_code"),
        ({"kind": "explosion"}, "kind"),
        ({"confidence": 1.5}, "confidence"),
        ({"confidence": -0.1}, "confidence"),
        ({"confidence": None}, "confidence"),  # required for video analytics
        ({"at": "FUTURE"}, "at"),
        ({"at": "2026-11-28T10:00:00"}, "at"),  # no zone
        ({"at": "OLD"}, "at"),
        ({"snapshot_url": "javascript:alert(1)"}, "snapshot_url"),
        ({"external_id": ""}, "external_id"),
        ({"camera": "x"}, "camera"),  # unknown field
    ],
)
async def test_bad_alerts_are_422_naming_the_field(
    client: httpx.AsyncClient, conn: asyncpg.Connection, fields: dict[str, Any], field: str
) -> None:
    camera = await add_camera(client)
    if fields.get("at") == "FUTURE":
        fields = {"at": at(180)}  # beyond the 120 s allowed skew
    elif fields.get("at") == "OLD":
        fields = {"at": at(-8 * 86400)}
    body: dict[str, Any] = {"camera_code": camera["code"], "kind": "crowd", "confidence": 0.5, **fields}
    body = {k: v for k, v in body.items() if v is not None}
    response = await client.post("/api/v1/camera-alerts", json=body, headers=token("gateway"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(field), response.json()["detail"]
    assert await conn.fetchval("SELECT count(*) FROM camera_alerts") == 0


async def test_a_time_within_the_allowed_skew_is_accepted(client: httpx.AsyncClient) -> None:
    camera = await add_camera(client)
    assert (await post_alert(client, camera, at=at(60)))["status"] == "pending_review"


@pytest.mark.parametrize(
    ("fields", "field", "status"),
    [
        ({"lat": MUMBAI[0], "lon": MUMBAI[1]}, "lat/lon", 422),
        ({"kind": "dome"}, "kind", 422),
        ({"district": "Atlantis"}, "district", 422),
        ({"live_url": "javascript:alert(1)"}, "live_url", 422),
        ({"code": "has space"}, "code", 422),
        ({"lat": 95}, "lat", 422),
        ({"code": "TAKEN"}, "code", 409),
    ],
)
async def test_bad_cameras_are_refused_naming_the_field(
    client: httpx.AsyncClient, fields: dict[str, Any], field: str, status: int
) -> None:
    await add_camera(client, code="TAKEN")
    body = {
        "code": "RPR-NEW",
        "name": "New junction",
        "kind": "fixed",
        "lat": RAIPUR[0],
        "lon": RAIPUR[1],
        **fields,
    }
    response = await client.post("/api/v1/cameras", json=body, headers=token("admin"))
    assert response.status_code == status, response.text
    assert response.json()["detail"].startswith(field), response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/api/v1/cameras?near=abc", "near"),
        ("/api/v1/cameras?near=95,81", "near"),
        ("/api/v1/cameras?radius_m=100", "radius_m"),
        ("/api/v1/cameras?kind=dome", "kind"),
        ("/api/v1/camera-alerts?status=open", "status"),
        ("/api/v1/analytics/camera-alerts?group_by=unit", "group_by"),
        ("/api/v1/analytics/camera-alerts?from=yesterday", "from"),
    ],
)
async def test_bad_queries_are_422_naming_the_parameter(
    client: httpx.AsyncClient, query: str, field: str
) -> None:
    response = await client.get(query, headers=token("admin"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(field), response.json()["detail"]


async def test_deciding_an_unknown_alert_is_404(client: httpx.AsyncClient) -> None:
    for action, body in (("confirm", {}), ("dismiss", {"reason": "x"})):
        response = await client.post(
            f"/api/v1/camera-alerts/999/{action}", json=body, headers=token("operator")
        )
        assert response.status_code == 404
    huge = await client.post(
        "/api/v1/camera-alerts/99999999999999999999/confirm", json={}, headers=token("operator")
    )
    assert huge.status_code == 422


# ------------------------------------------------------------------------------------------ import


async def test_the_camera_import_is_idempotent_on_code_and_all_or_nothing(
    db_url: str, conn: asyncpg.Connection, tmp_path: Path
) -> None:
    csv_file = tmp_path / "raipur.csv"
    csv_file.write_text(
        "code,name,kind,lat,lon,district,live_url\n"
        "RPR-JSC-014,Jaistambh Chowk,ptz,21.2380,81.6330,,rtsp://vms.local/live/14\n"
        "RPR-JSC-P01,Jaistambh pole,panic_pole,21.2382,81.6331,Raipur,\n"
        "\n"
        "DRG-001,Durg bus stand,fixed,21.19,81.28,,\n",
        encoding="utf-8",
    )
    geojson_file = tmp_path / "bilaspur.geojson"
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [82.14, 22.08]},
            "properties": {"code": "BSP-001", "name": "Bilaspur station", "kind": "anpr"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [82.15, 22.09]},
            "properties": {
                "code": "BSP-002",
                "name": "Old bus stand",
                "kind": "panic_pole",
                "live_url": "https://vms.local/2",
            },
        },
    ]
    geojson_file.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")

    first = run_cli(db_url, "cameras", "import", str(csv_file))
    assert first.returncode == 0, first.stderr
    assert "read 3: 3 inserted, 0 updated, 0 unchanged" in first.stdout
    assert run_cli(db_url, "cameras", "import", str(geojson_file)).returncode == 0
    again = run_cli(db_url, "cameras", "import", str(csv_file))
    assert "read 3: 0 inserted, 0 updated, 3 unchanged" in again.stdout
    rows = {r["code"]: r for r in await conn.fetch("SELECT code, kind, district, live_url FROM cameras")}
    assert {c: r["district"] for c, r in rows.items()} == {
        "RPR-JSC-014": "Raipur",
        "RPR-JSC-P01": "Raipur",
        "DRG-001": "Durg",
        "BSP-001": "Bilaspur",
        "BSP-002": "Bilaspur",
    }
    assert (
        rows["RPR-JSC-014"]["live_url"] == "rtsp://vms.local/live/14"
        and rows["RPR-JSC-P01"]["live_url"] is None
    )

    csv_file.write_text(
        "code,name,kind,lat,lon\n"
        "RPR-JSC-014,Jaistambh Chowk (north),ptz,21.2380,81.6330\n"
        "RPR-NEW-1,New camera,fixed,21.25,81.63\n"
        "RPR-BAD-1,Bad kind,dome,21.25,81.63\n"
        "RPR-BAD-2,Far away,fixed,19.07,72.88\n"
        "RPR-NEW-1,Repeated,fixed,21.25,81.63\n",
        encoding="utf-8",
    )
    refused = run_cli(db_url, "cameras", "import", str(csv_file))
    assert refused.returncode == 1
    assert "line 4: kind:" in refused.stderr and "line 5: lat/lon:" in refused.stderr
    assert "line 6: code: 'RPR-NEW-1' repeats line 3" in refused.stderr
    assert await conn.fetchval("SELECT count(*) FROM cameras") == 5  # nothing written
    partial = run_cli(db_url, "cameras", "import", "--skip-invalid", str(csv_file))
    assert partial.returncode == 0, partial.stderr
    assert "read 5: 1 inserted, 1 updated, 0 unchanged, 3 skipped" in partial.stdout
    assert (
        await conn.fetchval("SELECT name FROM cameras WHERE code = 'RPR-JSC-014'")
        == "Jaistambh Chowk (north)"
    )
    # The live URL the file no longer gives is cleared: the file is the truth for the rows it names.
    assert await conn.fetchval("SELECT live_url FROM cameras WHERE code = 'RPR-JSC-014'") is None

    unreadable = tmp_path / "bad.csv"
    unreadable.write_text("id,title\n1,x\n", encoding="utf-8")
    missing = run_cli(db_url, "cameras", "import", str(unreadable))
    assert missing.returncode == 2 and "missing column(s) code, name, kind, lat, lon" in missing.stderr
