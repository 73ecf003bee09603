"""The pure mirrors of the service's SQL decisions: candidates, queue order, freed units, duplicates."""

from __future__ import annotations

import math
from typing import Any

import pytest

from app.dispatch.matching import (
    EARTH_RADIUS_M,
    OpenCall,
    Waiting,
    duplicate_of,
    earth_distance_m,
    nearest_free_units,
    next_waiting_incident,
    service_for_unit,
    waiting_in_queue_order,
)
from app.dispatch.policy import Candidate

LAT, LON = 21.25, 81.63
KM_LAT = 1000.0 / (EARTH_RADIUS_M * math.pi / 180.0)  # degrees of latitude per km on earthdistance's sphere


def north(km: float) -> float:
    return LAT + km * KM_LAT


def test_earth_distance_is_earthdistance_great_circle() -> None:
    # One degree of latitude on a sphere of earth()'s radius: 2πR/360.
    assert earth_distance_m(21.0, 81.0, 22.0, 81.0) == pytest.approx(2 * math.pi * EARTH_RADIUS_M / 360)
    assert earth_distance_m(LAT, LON, LAT, LON) == 0.0


def test_nearest_free_units_takes_per_type_nearest_in_type_order() -> None:
    police = [
        Candidate(i, "police_erv", north(km), LON) for i, km in [(1, 5.0), (2, 1.0), (3, 3.0), (4, 2.0)]
    ]
    women = [Candidate(9, "women_safety", north(10.0), LON)]
    found = nearest_free_units(
        {"police_erv": police, "women_safety": women}, ["women_safety", "police_erv"], LAT, LON, 2
    )
    assert [c.unit_id for c in found] == [9, 2, 4]
    excluded = nearest_free_units({"police_erv": police}, ["police_erv"], LAT, LON, 2, exclude=[2])
    assert [c.unit_id for c in excluded] == [4, 3]


def test_nearest_free_units_breaks_distance_ties_by_id() -> None:
    same = [Candidate(i, "police_erv", north(1.0), LON) for i in (7, 3, 5)]
    assert [c.unit_id for c in nearest_free_units({"police_erv": same}, ["police_erv"], LAT, LON, 2)] == [
        3,
        5,
    ]


def entry(
    incident_id: int,
    priority: int,
    received_at: float,
    km: float = 1.0,
    pending: tuple[str, ...] = ("police",),
) -> Waiting:
    return Waiting(incident_id, priority, received_at, north(km), LON, pending)


def test_freed_unit_takes_highest_priority_then_oldest() -> None:
    queue = [entry(1, 3, 10.0), entry(2, 1, 40.0), entry(3, 2, 5.0), entry(4, 1, 20.0), entry(5, 1, 20.0)]
    taken = next_waiting_incident(queue, ["police"], LAT, LON, 60_000)
    assert taken is not None and taken.incident_id == 4  # priority 1, oldest, then the lower id
    assert [w.incident_id for w in waiting_in_queue_order(queue, ["police"], 10)] == [4, 5, 2, 3, 1]
    assert [w.incident_id for w in waiting_in_queue_order(queue, ["police"], 2)] == [4, 5]


def test_freed_unit_skips_what_it_cannot_serve_out_of_reach_or_just_left() -> None:
    queue = [
        entry(1, 1, 0.0, pending=("medical",)),  # an ambulance's job
        entry(2, 1, 1.0, km=80.0),  # beyond the queue radius
        entry(3, 1, 2.0),  # the incident the unit was just withdrawn from
        entry(4, 3, 3.0),
    ]
    taken = next_waiting_incident(queue, ["police", "women"], LAT, LON, 60_000, skip_incident=3)
    assert taken is not None and taken.incident_id == 4
    assert next_waiting_incident(queue[:2], ["police"], LAT, LON, 60_000) is None


def test_service_for_unit_is_the_first_pending_it_serves() -> None:
    assert service_for_unit(["medical", "women", "police"], ["police", "women"]) == "women"


def open_call(
    incident_id: int,
    received_at: float,
    km: float = 0.0,
    category: str = "police",
    caller: str | None = "+911",
) -> OpenCall:
    return OpenCall(incident_id, category, north(km), LON, received_at, caller)


def test_duplicate_is_same_category_nearby_within_the_window() -> None:
    incidents = [
        open_call(1, 100.0, km=0.25),
        open_call(2, 50.0, km=0.5),
        open_call(3, 10.0, km=0.1, category="fire"),
    ]
    kw: dict[str, Any] = {"lat": LAT, "lon": LON, "caller_number": "+919", "radius_m": 300.0}
    assert duplicate_of(incidents, category="police", since=0.0, **kw) == 1  # 250 m; 500 m is too far
    assert duplicate_of(incidents, category="fire", since=0.0, **kw) == 3
    assert duplicate_of(incidents, category="medical", since=0.0, **kw) is None
    assert duplicate_of(incidents, category="police", since=101.0, **kw) is None  # older than the window


def test_duplicate_by_same_caller_anywhere_and_earliest_wins() -> None:
    incidents = [
        open_call(5, 30.0, km=50.0, caller="+91777"),
        open_call(4, 20.0, km=0.1),
        open_call(6, 20.0, km=0.2),
    ]
    kw = {"lat": LAT, "lon": LON, "radius_m": 300.0, "since": 0.0}
    assert duplicate_of(incidents, category="fire", caller_number="+91777", **kw) == 5
    assert duplicate_of(incidents, category="police", caller_number="+91777", **kw) == 4  # earliest, lower id
    assert duplicate_of(incidents, category="fire", caller_number=None, **kw) is None
