"""Every operation of the OpenAPI × every kind of caller → the status the declared policy expects.

The expectations come from POLICY below, written from the README's API table (and api.md's access
rules), never from what the code answers: a route added without a policy line fails, and so does any
cell where the service lets in someone the policy keeps out, or keeps out someone it lets in.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import jwt
import time_machine

from app.config import Settings
from app.main import create_app
from app.security import issue_token, utcnow
from tests.conftest import TEST_SECRET, token
from tests.integration.asgi import status_of
from tests.integration.helpers import RAIPUR, offset

OPERATOR = frozenset({"operator", "admin"})  # admin may do whatever operators and supervisors may
CONSOLE = frozenset({"operator", "supervisor", "admin"})
SUPERVISOR = frozenset({"supervisor", "admin"})
ANALYTICS = frozenset({"supervisor", "analyst", "admin"})
ADMIN = frozenset({"admin"})
UNIT_CREW = frozenset({"responder", "operator", "admin"})
PUBLIC = frozenset({"anyone"})
INTAKE = frozenset({"operator", "gateway", "admin"})  # gateways post calls and alerts, read nothing
OFFICER = frozenset({"operator", "supervisor"})  # Samarpan: member data for district staff only


@dataclass(frozen=True)
class Rule:
    """Who may call an operation; `record`: the request addresses a record of the home district (Raipur)."""

    roles: frozenset[str]
    record: bool = False
    own_unit_only: bool = False  # a responder may act for its own unit only


# Lists (no record) are open to every district's staff of the role: they are filtered, not refused.
POLICY: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): Rule(PUBLIC),
    ("GET", "/readyz"): Rule(PUBLIC),
    ("POST", "/api/v1/triage"): Rule(OPERATOR),
    ("POST", "/api/v1/calls"): Rule(INTAKE),  # intake is never refused for a district
    ("GET", "/api/v1/incidents"): Rule(CONSOLE),
    ("GET", "/api/v1/incidents/at-risk"): Rule(CONSOLE),
    ("GET", "/api/v1/incidents/{incident_id}"): Rule(CONSOLE, record=True),
    ("POST", "/api/v1/incidents/{incident_id}/cancel"): Rule(OPERATOR, record=True),
    ("POST", "/api/v1/incidents/{incident_id}/close"): Rule(OPERATOR, record=True),
    ("POST", "/api/v1/incidents/{incident_id}/assign"): Rule(OPERATOR, record=True),
    ("POST", "/api/v1/incidents/{incident_id}/unlink"): Rule(OPERATOR, record=True),
    ("GET", "/api/v1/incidents/{incident_id}/clock"): Rule(CONSOLE | {"analyst"}, record=True),
    ("POST", "/api/v1/incidents/{incident_id}/serious"): Rule(CONSOLE, record=True),
    ("POST", "/api/v1/units"): Rule(ADMIN, record=True),  # the body registers a Raipur unit
    ("GET", "/api/v1/units"): Rule(CONSOLE),
    ("POST", "/api/v1/units/{unit_id}/status"): Rule(UNIT_CREW, record=True, own_unit_only=True),
    ("POST", "/api/v1/units/{unit_id}/acknowledge"): Rule(UNIT_CREW, record=True, own_unit_only=True),
    ("GET", "/api/v1/units/{unit_id}/events"): Rule(UNIT_CREW, record=True, own_unit_only=True),
    ("POST", "/api/v1/units/{unit_id}/location"): Rule(
        frozenset({"responder"}), record=True, own_unit_only=True
    ),
    ("POST", "/api/v1/units/locations"): Rule(OPERATOR),  # other districts' fixes are rejected items
    ("GET", "/api/v1/events"): Rule(CONSOLE),
    ("GET", "/api/v1/analytics/response-times"): Rule(ANALYTICS),
    ("GET", "/api/v1/analytics/volumes"): Rule(ANALYTICS),
    ("GET", "/api/v1/targets"): Rule(ANALYTICS),
    ("POST", "/api/v1/targets"): Rule(ADMIN, record=True),  # the body sets Raipur's target
    ("GET", "/api/v1/oversight/women"): Rule(SUPERVISOR),
    ("POST", "/api/v1/oversight/women/{incident_id}/reviews"): Rule(SUPERVISOR, record=True),
    ("GET", "/api/v1/oversight/lapses"): Rule(SUPERVISOR),
    ("POST", "/api/v1/revocations"): Rule(ADMIN, record=True),  # the body revokes a Raipur unit
    ("GET", "/api/v1/audit"): Rule(SUPERVISOR),
    # Samarpan: the member is Raipur's; admins and analysts see no member data (counts only).
    ("POST", "/api/v1/seniors"): Rule(OFFICER | {"gateway"}, record=True),  # a Raipur application
    ("GET", "/api/v1/seniors"): Rule(OFFICER),
    ("GET", "/api/v1/seniors/stats"): Rule(OFFICER | {"analyst"}),
    ("GET", "/api/v1/seniors/visits/due"): Rule(OFFICER),
    ("GET", "/api/v1/seniors/{member_id}"): Rule(OFFICER, record=True),
    ("PATCH", "/api/v1/seniors/{member_id}"): Rule(OFFICER, record=True),
    ("DELETE", "/api/v1/seniors/{member_id}"): Rule(OFFICER, record=True),
    ("POST", "/api/v1/seniors/{member_id}/verification"): Rule(OFFICER, record=True),
    ("POST", "/api/v1/seniors/{member_id}/visits"): Rule(OFFICER, record=True),
    # Smart-city surveillance: the camera and its alert are Raipur's.
    ("POST", "/api/v1/cameras"): Rule(ADMIN, record=True),  # the body registers a Raipur camera
    ("GET", "/api/v1/cameras"): Rule(CONSOLE),
    ("POST", "/api/v1/camera-alerts"): Rule(INTAKE),  # like a call: never refused for a district
    ("GET", "/api/v1/camera-alerts"): Rule(CONSOLE),
    ("GET", "/api/v1/camera-alerts/{alert_id}"): Rule(CONSOLE, record=True),
    ("POST", "/api/v1/camera-alerts/{alert_id}/confirm"): Rule(OPERATOR, record=True),
    ("POST", "/api/v1/camera-alerts/{alert_id}/dismiss"): Rule(OPERATOR, record=True),
    ("GET", "/api/v1/analytics/camera-alerts"): Rule(ANALYTICS),
}


@dataclass(frozen=True)
class Caller:
    """A kind of caller: its role (None: no valid token), whether it is another district's or unit's."""

    role: str | None
    other_district: bool = False
    other_unit: bool = False


CALLERS = {
    "operator": Caller("operator"),
    "responder": Caller("responder"),
    "supervisor": Caller("supervisor"),
    "analyst": Caller("analyst"),
    "admin": Caller("admin"),
    "gateway": Caller("gateway"),
    "no token": Caller(None),
    "expired": Caller(None),
    "bad signature": Caller(None),
    "revoked": Caller(None),
    "responder of another unit": Caller("responder", other_unit=True),
    "operator of another district": Caller("operator", other_district=True),
    "supervisor of another district": Caller("supervisor", other_district=True),
    "analyst of another district": Caller("analyst", other_district=True),
    "admin of another district": Caller("admin", other_district=True),
}


def expected(rule: Rule, caller: Caller) -> str:
    """What the policy says: "401", "403" or "allowed"."""
    if rule.roles == PUBLIC:
        return "allowed"
    if caller.role is None:
        return "401"
    if caller.role not in rule.roles:
        return "403"
    if caller.role == "responder" and rule.own_unit_only and caller.other_unit:
        return "403"
    if caller.other_district and rule.record:
        return "403"
    return "allowed"


def outcome(status: int) -> str:
    """What the service did, in the policy's terms."""
    return str(status) if status in (401, 403) else "allowed"


_callsigns = itertools.count(1)


def senior_application(phone: str) -> dict[str, Any]:
    """A Raipur Samarpan application (api.md's example) with its own phone number."""
    return {
        "name": "Kamla Bai",
        "date_of_birth": "1948-03-02",
        "phones": [phone],
        "address": "House 12, Ward 4, Tatibandh, Raipur",
        "lat": 21.2621,
        "lon": 81.5930,
        "district": "Raipur",
        "lives_alone": True,
        "consent": {"given_at": "2026-11-28T10:00:00+05:30", "channel": "station"},
        "channel": "station",
    }


def body_for(method: str, path: str, ids: dict[str, int]) -> Any:
    """A well-formed body for each operation (its content may still be refused: 404, 409, 422)."""
    lat, lon = RAIPUR
    bodies: dict[tuple[str, str], Any] = {
        ("POST", "/api/v1/triage"): {"text": "aag lagi hai"},
        ("POST", "/api/v1/calls"): {"text": "fight", "lat": lat, "lon": lon, "category": "police"},
        ("POST", "/api/v1/incidents/{incident_id}/cancel"): {"reason": "matrix"},
        ("POST", "/api/v1/incidents/{incident_id}/close"): {"disposition": "matrix"},
        ("POST", "/api/v1/incidents/{incident_id}/assign"): {"unit_id": ids["spare_unit"]},
        ("POST", "/api/v1/incidents/{incident_id}/serious"): {"reason": "matrix"},
        ("POST", "/api/v1/units"): {
            "callsign": f"MX-{next(_callsigns):04d}",
            "type": "police_erv",
            "district": "Raipur",
            "lat": lat,
            "lon": lon,
        },
        ("POST", "/api/v1/units/{unit_id}/status"): {"status": "en_route"},
        ("POST", "/api/v1/units/{unit_id}/location"): {"lat": lat, "lon": lon},
        ("POST", "/api/v1/units/locations"): [{"unit_id": ids["unit"], "lat": lat, "lon": lon}],
        ("POST", "/api/v1/targets"): {"area_type": "urban", "district": "Raipur", "minutes": 16},
        ("POST", "/api/v1/oversight/women/{incident_id}/reviews"): {"outcome": "no_lapse", "notes": "matrix"},
        ("POST", "/api/v1/revocations"): {"unit_id": ids["spare_unit"]},
        ("POST", "/api/v1/seniors"): senior_application(f"+9198270{next(_callsigns):05d}"),
        ("PATCH", "/api/v1/seniors/{member_id}"): {"mobility": "walks with a frame"},
        ("POST", "/api/v1/seniors/{member_id}/verification"): {"outcome": "verified"},
        ("POST", "/api/v1/seniors/{member_id}/visits"): {
            "visited_at": "2026-11-28T11:00:00+05:30",
            "outcome": "well",
            "needs": [],
        },
        ("POST", "/api/v1/cameras"): {
            "code": f"MX-CAM-{next(_callsigns):04d}",
            "name": "matrix junction",
            "kind": "fixed",
            "lat": lat,
            "lon": lon,
        },
        ("POST", "/api/v1/camera-alerts"): {
            "camera_code": "MX-CAM-RAIPUR",
            "kind": "crowd",
            "confidence": 0.5,
            "external_id": f"mx-{next(_callsigns)}",
        },
        ("POST", "/api/v1/camera-alerts/{alert_id}/confirm"): {},
        ("POST", "/api/v1/camera-alerts/{alert_id}/dismiss"): {"reason": "matrix"},
    }
    return bodies.get((method, path))


def headers_for(name: str, ids: dict[str, int], revoked_jti_token: str) -> dict[str, str]:
    """The Authorization header of each kind of caller (tokens minted now, on the test's clock)."""
    now = utcnow()
    if name == "no token":
        return {}
    if name == "expired":
        value = issue_token(TEST_SECRET, "admin", ttl=timedelta(hours=1), now=now - timedelta(days=1))
        return {"Authorization": f"Bearer {value}"}
    if name == "bad signature":
        other = "another-secret-0123456789abcdef0123456789"
        return {"Authorization": f"Bearer {issue_token(other, 'admin', ttl=timedelta(hours=1), now=now)}"}
    if name == "revoked":
        return {"Authorization": f"Bearer {revoked_jti_token}"}
    caller = CALLERS[name]
    assert caller.role is not None
    unit = ids["other_unit"] if caller.other_unit else ids["unit"]
    district = "Durg" if caller.other_district else None
    return token(caller.role, unit if caller.role == "responder" else None, district=district)


async def test_every_operation_for_every_caller_matches_the_policy(
    clock: time_machine.Traveller, settings: Settings, conn: asyncpg.Connection
) -> None:
    # A revoked admin token: the revocation is in the database before the app starts.
    revoked = issue_token(TEST_SECRET, "admin", ttl=timedelta(hours=1), now=utcnow() - timedelta(minutes=5))
    jti = jwt.decode(revoked, options={"verify_signature": False})["jti"]
    await conn.execute(
        "INSERT INTO revocations (jti, revoked_at, revoked_by) VALUES ($1, $2, 'test')",
        jti,
        datetime.now(UTC),
    )
    app = create_app(settings.model_copy(update={"ack_check_interval_seconds": 3600.0}))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            ids = await _records(client)
            spec = (await client.get("/openapi.json")).json()
        operations = [(m.upper(), p) for p, ops in spec["paths"].items() for m in ops]
        assert sorted(operations) == sorted(POLICY), "every operation needs a declared policy, and only those"

        table: list[tuple[str, str, str, str, int]] = []
        for (method, template), rule in POLICY.items():
            path = template.format(
                incident_id=ids["incident"],
                unit_id=ids["unit"],
                member_id=ids["member"],
                alert_id=ids["alert"],
            )
            for name, caller in CALLERS.items():
                if (method, template) == ("DELETE", "/api/v1/seniors/{member_id}"):
                    # Each erasure cell gets a member of its own: an allowed caller erases it for good.
                    async with httpx.AsyncClient(
                        transport=httpx.ASGITransport(app=app), base_url="http://t"
                    ) as c:
                        r = await c.post(
                            "/api/v1/seniors",
                            json=senior_application(f"+9198271{next(_callsigns):05d}"),
                            headers=token("operator"),
                        )
                    assert r.status_code == 201, r.text
                    path = template.format(member_id=r.json()["id"])
                headers = headers_for(name, ids, revoked)
                status, first = await status_of(app, method, path, headers, body_for(method, template, ids))
                assert status < 500, f"{method} {template} as {name}: {status} {first[:300]!r}"
                table.append((f"{method} {template}", name, expected(rule, caller), outcome(status), status))
    wrong = [
        f"{op} as {who}: expected {want}, got {got} ({status})"
        for op, who, want, got, status in table
        if want != got
    ]
    assert wrong == [], "\n".join(wrong)
    assert len(table) == len(POLICY) * len(CALLERS)


async def _records(client: httpx.AsyncClient) -> dict[str, int]:
    """Raipur's unit (the responder's), a spare Raipur unit, a Durg unit, a Raipur women case, a Raipur
    Samarpan member, and an alert from a Raipur camera."""
    admin = token("admin")
    ids: dict[str, int] = {}
    for key, district, (lat, lon) in (
        ("unit", "Raipur", offset(*RAIPUR, north_km=0.2)),
        ("spare_unit", "Raipur", offset(*RAIPUR, north_km=30)),
        ("other_unit", "Durg", (21.19, 81.28)),
    ):
        body = {"callsign": f"MX-{key}", "type": "police_erv", "district": district, "lat": lat, "lon": lon}
        r = await client.post("/api/v1/units", json=body, headers=admin)
        assert r.status_code == 201, r.text
        ids[key] = r.json()["id"]
    call = {
        "text": "husband is beating his wife",
        "lat": RAIPUR[0],
        "lon": RAIPUR[1],
        "category": "women",
        "priority": 1,
    }
    r = await client.post("/api/v1/calls", json=call, headers=token("operator"))
    assert r.status_code == 201, r.text
    incident = r.json()["incident"]
    assert incident["district"] == "Raipur" and incident["assignments"][0]["unit_id"] == ids["unit"]
    ids["incident"] = incident["id"]
    r = await client.post(
        "/api/v1/seniors", json=senior_application("+919827099999"), headers=token("operator")
    )
    assert r.status_code == 201, r.text
    ids["member"] = r.json()["id"]
    camera = {"code": "MX-CAM-RAIPUR", "name": "matrix", "kind": "fixed", "lat": RAIPUR[0], "lon": RAIPUR[1]}
    r = await client.post("/api/v1/cameras", json=camera, headers=admin)
    assert r.status_code == 201, r.text
    alert = {"camera_code": "MX-CAM-RAIPUR", "kind": "fight", "confidence": 0.5, "external_id": "mx-records"}
    r = await client.post("/api/v1/camera-alerts", json=alert, headers=token("gateway"))
    assert r.status_code == 201, r.text
    ids["alert"] = r.json()["id"]
    return ids
