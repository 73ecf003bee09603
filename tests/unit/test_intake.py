"""The pure decisions of intake: time checks, placement, triage merge, status and services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.dispatch.gazetteer import Gazetteer
from app.dispatch.intake import CallFacts, IntakeRules, plan_call
from app.dispatch.registry import IncidentStatus
from app.errors import Invalid
from tests.unit.test_geography import area

NOW = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)
RULES = IntakeRules(
    max_text_length=100,
    max_clock_skew_seconds=120,
    max_call_age_days=7,
    border_km=20,
    secondary_gets_unit=("police", "medical", "fire"),
)
RAIPUR = (21.2514, 81.6296)
GAZETTEER = Gazetteer(
    [{"name": "Telibandha", "kind": "locality", "district": "Raipur", "lat": 21.2396, "lon": 81.6656}]
)


def plan(text: str = "two men fighting with knives", **kw: object):  # type: ignore[no-untyped-def]
    fields: dict[str, object] = {
        "lat": RAIPUR[0],
        "lon": RAIPUR[1],
        "address": None,
        "received_at": None,
    } | kw
    return plan_call(CallFacts(text, **fields), now=NOW, rules=RULES, area=area(), gazetteer=GAZETTEER)  # type: ignore[arg-type]


def test_a_call_without_a_time_was_received_now_and_is_placed_and_triaged() -> None:
    p = plan("ghar mein aag lag gayi hai, andar log fanse hain")
    assert p.received_at == NOW and (p.district, p.area_type, p.referred) == ("Raipur", "urban", False)
    assert p.category == "fire" and p.services[0] == "fire" and not p.overridden
    assert p.outcome(None) == (IncidentStatus.QUEUED, list(p.services))
    assert p.outcome(41) == (IncidentStatus.DUPLICATE, [])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"received_at": NOW + timedelta(seconds=121)}, "received_at"),
        ({"received_at": NOW - timedelta(days=7, seconds=1)}, "received_at"),
        ({"lat": None, "lon": None, "address": "Nowhere Nagar"}, "address"),
        ({"lat": None, "lon": None}, "location"),
    ],
)
def test_bad_calls_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as caught:
        plan(**change)
    assert caught.value.detail.startswith(field)


def test_text_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(Invalid, match=r"^text"):
        plan("help " * 30)


def test_clock_skew_within_the_limit_is_accepted() -> None:
    assert plan(received_at=NOW + timedelta(seconds=119)).received_at == NOW + timedelta(seconds=119)


def test_an_address_is_resolved_by_the_gazetteer() -> None:
    p = plan(lat=None, lon=None, address="Telibandha")
    assert (p.lat, p.lon, p.district) == (21.2396, 81.6656, "Raipur")


def test_far_outside_the_state_is_referred_near_the_border_is_served() -> None:
    far = plan(lat=20.2961, lon=85.8245)  # Bhubaneswar, Odisha
    assert far.referred and far.outcome(None) == (IncidentStatus.REFERRED, [])


def test_operator_overrides_replace_triage_and_clear_the_review_flag() -> None:
    p = plan("two men fighting with knives", category="medical", priority=3)
    assert (p.category, p.priority, p.overridden, p.needs_review) == ("medical", 3, True, False)
    assert p.triage.category == "police"  # what triage said is kept beside the override


def test_unclear_call_gets_police_and_a_secondary_never_repeats_the_primary() -> None:
    p = plan("")  # triage can name no service
    assert p.triage.category is None and p.category == "police" and p.needs_review
    accident = plan("truck ne bike ko takkar maar di, do log ghayal hain, khoon beh raha hai")
    assert accident.category not in accident.secondary
    assert set(accident.services) == {
        accident.category,
        *[s for s in accident.secondary if s in RULES.secondary_gets_unit],
    }
