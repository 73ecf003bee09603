"""The ETA model and the ranking policy, pure."""

from __future__ import annotations

import pytest

from app.dispatch.lifecycle import allowed_next, can_move
from app.dispatch.policy import (
    Candidate,
    EtaModel,
    FastestArrivalPolicy,
    Need,
    load_policy,
    needed_services,
    services_of_unit_type,
)

ETA = EtaModel(
    circuity=1.3,
    speed_kmh={"urban": 25.0, "rural": 40.0},
    turnout_seconds={"police_erv": 60.0, "fire_tender": 80.0},
)


def test_eta_is_turnout_plus_road_distance_over_speed() -> None:
    unit = Candidate(1, "police_erv", 21.2514, 81.6296)
    need = Need("police", 21.2514 + 10 / 110.57, 81.6296, "urban")
    ranked = ETA.estimate(unit, need)
    assert ranked.distance_km == pytest.approx(10.0, rel=0.01)
    assert ranked.eta_seconds == pytest.approx(60 + 10 * 1.3 / 25 * 3600, rel=0.01)
    rural = ETA.estimate(unit, Need("police", need.lat, need.lon, "rural"))
    assert rural.eta_seconds < ranked.eta_seconds


def test_ranking_uses_eta_not_distance() -> None:
    need = Need("fire", 21.25, 81.63, "urban")
    # The fire tender's longer turnout makes the slightly nearer one lose to a police ERV in ETA terms.
    police = Candidate(2, "police_erv", 21.25 + 0.60 / 110.57, 81.63)
    fire = Candidate(1, "fire_tender", 21.25 + 0.50 / 110.57, 81.63)
    ranked = FastestArrivalPolicy(ETA).rank(need, [fire, police])
    assert [r.candidate.unit_id for r in ranked] == [2, 1]


def test_ties_break_deterministically_by_id() -> None:
    need = Need("police", 21.25, 81.63, "urban")
    a, b = Candidate(7, "police_erv", 21.26, 81.63), Candidate(3, "police_erv", 21.26, 81.63)
    policy = FastestArrivalPolicy(ETA)
    assert [r.candidate.unit_id for r in policy.rank(need, [a, b])] == [3, 7]
    assert [r.candidate.unit_id for r in policy.rank(need, [b, a])] == [3, 7]


def test_policy_is_loaded_by_name() -> None:
    policy = load_policy("app.dispatch.policy:FastestArrivalPolicy", ETA)
    assert isinstance(policy, FastestArrivalPolicy)


def test_needed_services_and_unit_type_map() -> None:
    assert needed_services("medical", ["police", "women"], ["police", "medical", "fire"]) == [
        "medical",
        "police",
    ]
    assert needed_services("fire", ["fire"], ["fire"]) == ["fire"]
    mapping = {"women": ["women_safety", "police_erv"], "police": ["police_erv"]}
    assert services_of_unit_type("police_erv", mapping) == ["women", "police"]


def test_lifecycle_transitions() -> None:
    assert can_move("dispatched", "en_route") and can_move("on_scene", "transporting")
    assert not can_move("dispatched", "at_hospital") and not can_move("available", "on_scene")
    assert allowed_next("at_hospital") == ["available"]
