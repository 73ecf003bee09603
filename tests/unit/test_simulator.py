"""The simulator's clock and accounting on scenarios small enough to check by hand."""

from __future__ import annotations

import json
import math

import pytest
from geopy.distance import geodesic

from app.config import Settings
from app.dispatch.geography import Region, ServiceArea
from app.dispatch.matching import earth_distance_m
from app.simulator.arrivals import Draw, SimCall
from app.simulator.engine import SimResult, Simulation
from app.simulator.fleet import FleetUnit, demo, scale_fleet
from app.simulator.report import percentile, run_report, write_report
from app.simulator.runner import dispatch_core, simulate
from app.simulator.scenario import Scenario
from app.simulator.world import Hospital, World, load_world

SETTINGS = Settings(env="test")
# One rural district (no urban zones): 40 km/h, circuity 1.3, police turnout 60 s.
SQUARE = {"type": "Polygon", "coordinates": [[[81, 21], [83, 21], [83, 23], [81, 23], [81, 21]]]}
WORLD = World(
    ServiceArea([Region("Square", SQUARE)], []),
    [{"type": "Feature", "properties": {"name": "Square"}, "geometry": SQUARE}],
    [],
    [Hospital("Square HQ", 22.0, 82.0)],
)
HOME = (21.5, 81.5)
KM = 1 / 110.57


def at(north_km: float, east_km: float = 0.0) -> tuple[float, float]:
    return HOME[0] + north_km * KM, HOME[1] + east_km * KM / 0.93


def travel_s(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The ETA model's travel time, written out from domain.md: geodesic km × 1.3 ÷ 40 km/h."""
    return float(geodesic(a, b).km) * 1.3 / 40.0 * 3600.0


def drive_s(a: tuple[float, float], b: tuple[float, float]) -> float:
    """A drive the simulator times itself (home, to hospital): great-circle km × 1.3 ÷ 40 km/h."""
    return earth_distance_m(*a, *b) / 1000.0 * 1.3 / 40.0 * 3600.0


def call(
    call_id: int,
    t: float,
    where: tuple[float, float],
    priority: int = 2,
    on_scene_s: float = 600.0,
    **kw: object,
) -> SimCall:
    draws = {s: Draw(1.0, on_scene_s, None) for s in ("police", "fire", "medical", "women", "child")}
    fields: dict[str, object] = {
        "kind": "police",
        "category": "police",
        "secondary": (),
        "caller_number": f"+91{call_id:010d}",
        "draws": draws,
    } | kw
    return SimCall(call_id, t, where[0], where[1], priority=priority, **fields)  # type: ignore[arg-type]


def run(fleet: list[FleetUnit], calls: list[SimCall], hours: float = 1.0, *, stay: bool = True) -> SimResult:
    policy, eta = dispatch_core(SETTINGS, WORLD, "fastest_arrival")
    return Simulation(SETTINGS, WORLD, fleet, policy, eta, return_to_station=not stay).run(calls, hours)


def test_one_unit_two_calls_clock_and_accounting() -> None:
    unit = FleetUnit("ERV-1", "police_erv", "Square", *HOME)
    first, second = at(5.0), at(5.0, 3.0)
    result = run([unit], [call(1, 0.0, first), call(2, 100.0, second)])

    arrive1 = 60.0 + travel_s(HOME, first)
    clear1 = arrive1 + 600.0
    # The second call waited for the only unit, which leaves from the first call's scene.
    arrive2 = clear1 + 60.0 + travel_s(first, second)
    clear2 = arrive2 + 600.0
    a1, a2 = result.assignments
    assert (a1.call_id, a1.dispatched_at, a1.via) == (1, 0.0, "call")
    assert a1.arrive_at == pytest.approx(arrive1) and a1.clear_at == pytest.approx(clear1)
    assert (a2.call_id, a2.via) == (2, "offer")
    assert a2.dispatched_at == pytest.approx(clear1)
    assert a2.arrive_at == pytest.approx(arrive2) and a2.clear_at == pytest.approx(clear2)

    i1, i2 = result.incidents
    assert i1.response_s == pytest.approx(arrive1) and i1.waits == [0.0]
    assert i2.response_s == pytest.approx(arrive2 - 100.0)
    assert i2.waits == [pytest.approx(clear1 - 100.0)]

    state = run_report(result, "fastest_arrival", 1.0)["state"]
    assert state["count"] == 2
    assert state["mean_s"] == pytest.approx(round((arrive1 + arrive2 - 100.0) / 2, 1))
    assert state["late"] == sum(1 for r in (arrive1, arrive2 - 100.0) if r > 28 * 60)
    # Busy without a break from the first dispatch until the second job clears, inside the hour.
    assert clear2 < 3600.0
    assert state["utilisation"] == pytest.approx(round(clear2 / 3600.0, 4))
    assert state["queue_wait_p90_s"] == pytest.approx(round(0.1 * 0.0 + 0.9 * (clear1 - 100.0), 1))


def test_utilisation_counts_busy_time_inside_the_period_only() -> None:
    unit = FleetUnit("ERV-1", "police_erv", "Square", *HOME)
    result = run([unit], [call(1, 0.0, at(5.0))], hours=2.0)
    busy = 60.0 + travel_s(HOME, at(5.0)) + 600.0
    assert result.units[0].busy_s == pytest.approx(busy)
    assert run_report(result, "p", 1.0)["state"]["utilisation"] == pytest.approx(round(busy / 7200.0, 4))


def test_queue_drains_in_priority_order_then_oldest() -> None:
    unit = FleetUnit("ERV-1", "police_erv", "Square", *HOME)
    calls = [
        call(1, 0.0, at(1.0)),  # takes the only unit
        call(2, 10.0, at(2.0), priority=3),
        call(3, 20.0, at(3.0), priority=1),
        call(4, 30.0, at(4.0), priority=2),
        call(5, 40.0, at(5.0), priority=1),
    ]
    result = run([unit], calls, hours=6.0)
    assert [a.call_id for a in result.assignments] == [1, 3, 5, 4, 2]
    assert all(a.via == "offer" for a in result.assignments[1:])
    # Each job starts when the one before it clears: the clock never runs backwards or overlaps.
    for before, after in zip(result.assignments, result.assignments[1:], strict=False):
        assert after.dispatched_at == pytest.approx(before.clear_at)


def test_repeat_call_is_linked_while_open_and_a_new_incident_after() -> None:
    units = [FleetUnit(f"ERV-{n}", "police_erv", "Square", *HOME) for n in (1, 2)]
    spot = at(5.0)
    near = at(5.1)  # ~100 m away
    calls = [
        call(1, 0.0, spot),
        call(2, 300.0, near),  # same service, 100 m, 5 min later: linked
        call(3, 400.0, at(30.0), caller_number="+910000000001"),  # same caller as call 1, far away: linked
        call(4, 3000.0, near),  # after the first incident closed: a new one
    ]
    result = run(units, calls, hours=2.0)
    assert result.duplicates == 2
    assert [i.call_id for i in result.incidents] == [1, 4]
    assert [a.call_id for a in result.assignments] == [1, 4]


def test_freed_unit_out_of_queue_reach_is_sent_by_the_next_sweep() -> None:
    # The queued call is 80 km from where the unit clears: beyond DIAL112_QUEUE_RADIUS_KM (60), so the
    # freed unit does not take it at once; the watchdog's sweep (every 2 s) sends it.
    unit = FleetUnit("ERV-1", "police_erv", "Square", *HOME)
    far = at(80.0)
    result = run([unit], [call(1, 0.0, at(1.0), on_scene_s=601.0), call(2, 5.0, far)], hours=6.0)
    first, second = result.assignments
    assert second.via == "sweep"
    interval = SETTINGS.ack_check_interval_seconds
    assert second.dispatched_at == pytest.approx((math.floor(first.clear_at / interval) + 1) * interval)


def test_returning_unit_is_dispatched_from_where_it_is_on_the_way_home() -> None:
    unit = FleetUnit("ERV-1", "police_erv", "Square", *HOME)
    scene = at(20.0)
    first = call(1, 0.0, scene)
    clear = 60.0 + travel_s(HOME, scene) + 600.0
    back = drive_s(scene, HOME)
    # Halfway home, a call at the halfway point: the unit is there, so the ETA is its turnout alone.
    second = call(2, clear + back / 2, at(10.0))
    result = run([unit], [first, second], hours=3.0, stay=False)
    assert result.assignments[1].eta_s == pytest.approx(60.0, abs=0.5)


def test_ambulance_takes_the_patient_to_the_nearest_hospital() -> None:
    amb = FleetUnit("AMB-1", "ambulance", "Square", *HOME)
    scene = at(10.0)
    draws = {
        s: Draw(1.0, 900.0, 1200.0 if s == "medical" else None)
        for s in ("police", "fire", "medical", "women", "child")
    }
    result = run([amb], [call(1, 0.0, scene, kind="medical", category="medical", draws=draws)], hours=3.0)
    a = result.assignments[0]
    assert (a.clear_lat, a.clear_lon) == (22.0, 82.0)
    transport = drive_s(scene, (22.0, 82.0))
    assert a.clear_at == pytest.approx(a.arrive_at + 900.0 + transport + 1200.0)


def test_percentile_is_percentile_cont() -> None:
    assert percentile([10.0, 20.0, 30.0, 40.0], 0.5) == 25.0
    assert percentile([10.0, 20.0, 30.0, 40.0], 0.9) == pytest.approx(37.0)
    assert percentile([], 0.9) == 0.0


def test_fleet_scale_halves_and_adds_vehicles_at_existing_stations() -> None:
    fleet = [FleetUnit(f"D-ERV-{n}", "police_erv", "D", 21.0 + n, 81.0) for n in range(4)]
    fleet.append(FleetUnit("D-FIRE-1", "fire_tender", "D", 21.0, 81.0))
    half = scale_fleet(fleet, 0.5)
    assert [u.callsign for u in half] == ["D-ERV-0", "D-ERV-2", "D-FIRE-1"]  # never below one per type
    more = scale_fleet(fleet, 1.5)
    assert len(more) == 6 + 2
    assert {(u.lat, u.lon) for u in more} == {(u.lat, u.lon) for u in fleet}


def test_same_seed_same_report_bytes(tmp_path: object) -> None:
    from pathlib import Path

    out = Path(str(tmp_path))
    world = load_world(SETTINGS.geography_dir)
    fleet = demo(world)
    reports = []
    for n, seed in enumerate((11, 11, 12)):
        report, _ = simulate(
            SETTINGS,
            world,
            fleet,
            Scenario(),
            hours=2.0,
            seed=seed,
            policies=["fastest_arrival", "coverage_aware"],
        )
        reports.append(write_report(report, out / str(n)).read_bytes())
    assert reports[0] == reports[1]
    assert reports[0] != reports[2]
    parsed = json.loads(reports[0])
    assert [r["policy"] for r in parsed["runs"]] == ["fastest_arrival", "coverage_aware"]
    assert set(parsed["runs"][0]["state"]) == {
        "count",
        "mean_s",
        "p50_s",
        "p90_s",
        "within_target_pct",
        "late",
        "utilisation",
        "queue_wait_p90_s",
    }
    assert parsed["runs"][0]["state"]["count"] > 0
