"""The response clock and the risk decision, pure (time is passed in)."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from app.dispatch.clock import (
    AssignmentTimes,
    EnRouteUnit,
    OpenIncident,
    assess_risk,
    assignment_clock,
    incident_clock,
    percentile_inclusive,
    within_target,
)
from app.dispatch.policy import EtaModel

T = datetime(2026, 3, 2, 3, 30, tzinfo=UTC)
ETA = EtaModel(circuity=1.3, speed_kmh={"urban": 25.0, "rural": 40.0}, turnout_seconds={"police_erv": 60.0})


def at(seconds: float) -> datetime:
    return T + timedelta(seconds=seconds)


def test_every_interval_and_no_back_filling() -> None:
    full = AssignmentTimes(at(45), at(60), at(90), at(570))
    c = assignment_clock(full)
    assert (c.acknowledgement_s, c.turnout_s, c.travel_s, c.notified_to_scene_s) == (15, 45, 480, 525)
    arrived_unannounced = assignment_clock(AssignmentTimes(at(120), None, None, at(900)))
    assert (arrived_unannounced.turnout_s, arrived_unannounced.travel_s) == (None, None)
    clock = incident_clock(T, 16, [full, AssignmentTimes(at(120), None, None, at(900))])
    assert (clock.processing_s, clock.response_s, clock.within_target) == (45, 570, True)


def test_no_arrival_is_open_never_zero() -> None:
    clock = incident_clock(T, 16, [AssignmentTimes(at(30), None, None, None)])
    assert clock.response_s is None and clock.within_target is None and clock.processing_s == 30
    assert incident_clock(T, 16, []).processing_s is None


def test_within_target_boundary() -> None:
    assert within_target(960, 16) is True and within_target(960.001, 16) is False
    assert within_target(None, 16) is None


def incident(units: tuple[EnRouteUnit, ...], received: datetime = T) -> OpenIncident:
    return OpenIncident(1, 21.2514, 81.6296, "urban", 2, received, 16.0, units)


def test_risk_from_elapsed_plus_remaining_eta() -> None:
    unit = EnRouteUnit(7, "police_erv", 21.2514 + 3 / 110.57, 81.6296, dispatched_at=T, en_route_at=None)
    early = assess_risk(ETA, incident((unit,)), at(60))
    assert not early.at_risk and early.reason is None
    assert early.projected_s == pytest.approx(60 + 0 + 3 * 1.3 / 25 * 3600, rel=0.01)  # turnout used up
    late = assess_risk(ETA, incident((unit,)), at(480))
    assert late.at_risk and late.reason == "eta_beyond_target" and not late.breached and late.unit_id == 7
    rolling = EnRouteUnit(7, "police_erv", 21.2514, 81.6296, dispatched_at=T, en_route_at=at(10))
    assert assess_risk(ETA, incident((rolling,)), at(20)).remaining_s == pytest.approx(0, abs=1)


def test_no_unit_is_at_risk_and_past_target_is_breached() -> None:
    queued = assess_risk(ETA, incident(()), at(10))
    assert queued.at_risk and queued.reason == "no_unit" and queued.projected_s is None
    breached = assess_risk(ETA, incident(()), at(961))
    assert breached.breached and breached.reason == "breached"


def test_percentile_matches_the_inclusive_method() -> None:
    values = [3.0, 9.0, 1.0, 4.0, 15.0, 2.0, 8.0]
    ordered = sorted(values)
    expected = statistics.quantiles(values, n=10, method="inclusive")
    assert percentile_inclusive(ordered, 0.9) == pytest.approx(expected[8])
    assert percentile_inclusive(ordered, 0.5) == statistics.median(values)
    with pytest.raises(ValueError):
        percentile_inclusive([], 0.5)
