"""Simulated calls: Poisson arrivals with a daily profile, placed more densely in towns, already triaged."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point, shape
from shapely.prepared import prep

from app.simulator.scenario import Duration, Scenario
from app.simulator.world import World

SERVICES = ("police", "fire", "medical", "women", "child")
KM_PER_DEGREE = 111.32


@dataclass(frozen=True, slots=True)
class Draw:
    """The chance part of one unit's job: how its travel deviates from the estimate, how long it stays."""

    travel_factor: float  # actual travel time ÷ the ETA model's travel time
    on_scene_s: float
    hospital_s: float | None  # seconds at hospital after transport; None when the patient stays


@dataclass(frozen=True, slots=True)
class SimCall:
    """A call as the dispatch core receives it: place, category, secondary needs, priority."""

    call_id: int
    at: float  # seconds since the start of the simulation (a midnight)
    lat: float
    lon: float
    kind: str
    category: str
    secondary: tuple[str, ...]
    priority: int
    caller_number: str
    draws: Mapping[str, Draw]  # per service a unit may be sent for


@dataclass(frozen=True)
class _Source:
    """Where calls come from: an urban zone or a district's whole area, with its share of calls."""

    weight: float
    geometry: Any
    prepared: Any


def _area_km2(geometry: Any) -> float:
    lat = geometry.centroid.y
    return float(geometry.area) * KM_PER_DEGREE * KM_PER_DEGREE * math.cos(math.radians(lat))


def _sources(world: World, scenario: Scenario) -> list[_Source]:
    weights = scenario.district_weights
    unknown = sorted(set(weights) - set(world.area.district_names))
    if unknown:
        raise ValueError(f"district_weights: unknown district {unknown[0]!r}")
    districts = [(f["properties"]["name"], shape(f["geometry"])) for f in world.districts]
    zones = [(f["properties"]["district"], shape(f["geometry"])) for f in world.zones]
    total = sum(_area_km2(g) for _, g in districts)
    zone_total = sum(_area_km2(g) for _, g in zones)
    urban = scenario.urban_share if zones else 0.0
    out = [
        _Source((1 - urban) * _area_km2(g) / total * weights.get(name, 1.0), g, prep(g))
        for name, g in districts
    ]
    out += [
        _Source(urban * _area_km2(g) / zone_total * weights.get(name, 1.0), g, prep(g)) for name, g in zones
    ]
    return [s for s in out if s.weight > 0]


def _point_in(source: _Source, rng: random.Random) -> tuple[float, float]:
    minx, miny, maxx, maxy = source.geometry.bounds
    for _ in range(10_000):
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if source.prepared.contains(Point(lon, lat)):
            return lat, lon
    centre = source.geometry.representative_point()
    return centre.y, centre.x


def _minutes(d: Duration, rng: random.Random) -> float:
    return d.median_minutes * math.exp(d.sigma * rng.gauss(0.0, 1.0)) * 60.0


def _draws(scenario: Scenario, rng: random.Random) -> dict[str, Draw]:
    out = {}
    for service in SERVICES:
        travel = math.exp(scenario.travel_sigma * rng.gauss(0.0, 1.0))
        on_scene = _minutes(scenario.on_scene[service], rng) if service in scenario.on_scene else 1800.0
        transported = service == "medical" and rng.random() < scenario.transport_share
        hospital = _minutes(scenario.at_hospital, rng) if transported else None
        out[service] = Draw(travel, on_scene, hospital)
    return out


def _nearby(lat: float, lon: float, radius_m: float, rng: random.Random) -> tuple[float, float]:
    bearing, metres = rng.uniform(0, 2 * math.pi), rng.uniform(0, radius_m)
    north, east = metres * math.cos(bearing), metres * math.sin(bearing)
    return (
        lat + north / (KM_PER_DEGREE * 1000),
        lon + east / (KM_PER_DEGREE * 1000 * math.cos(math.radians(lat))),
    )


def generate_calls(world: World, scenario: Scenario, hours: float, seed: int) -> list[SimCall]:
    """The calls needing a vehicle over `hours`, in time order; the same seed gives the same calls."""
    rng = random.Random(seed)
    sources = _sources(world, scenario)
    source_weights = [s.weight for s in sources]
    kinds = list(scenario.kinds.items())
    kind_weights = [k.weight for _, k in kinds]
    profile = scenario.hourly_profile
    per_day = scenario.calls_per_day * scenario.vehicle_share
    horizon = hours * 3600.0
    raw: list[tuple[float, int, dict[str, Any]]] = []
    seq = 0
    for hour in range(math.ceil(hours)):
        # Piecewise-constant rate: arrivals are memoryless, so restarting at each hour is exact.
        rate = per_day * profile[hour % 24] / sum(profile) / 3600.0
        end = min((hour + 1) * 3600.0, horizon)
        t = hour * 3600.0
        while rate > 0:
            t += rng.expovariate(rate)
            if t >= end:
                break
            # Splitting one Poisson stream by independent weighted draws gives each district (and each
            # urban zone) its own Poisson process with its share of the rate.
            source = rng.choices(sources, source_weights)[0]
            lat, lon = _point_in(source, rng)
            name, spec = rng.choices(kinds, kind_weights)[0]
            shares = sorted(spec.priority_shares.items())
            priority = rng.choices([p for p, _ in shares], [s for _, s in shares])[0]
            caller = f"+91{rng.randrange(6_000_000_000, 9_999_999_999)}"
            call = {
                "lat": lat,
                "lon": lon,
                "kind": name,
                "category": spec.category,
                "secondary": tuple(spec.secondary),
                "priority": priority,
                "caller_number": caller,
                "draws": _draws(scenario, rng),
            }
            raw.append((t, seq, call))
            seq += 1
            if rng.random() < scenario.repeat_share:
                again = t + rng.uniform(1.0, scenario.repeat_within_minutes) * 60.0
                same_caller = rng.random() < scenario.repeat_same_caller_share
                rlat, rlon = _nearby(lat, lon, scenario.repeat_radius_m, rng)
                repeat = call | {
                    "lat": rlat,
                    "lon": rlon,
                    "caller_number": caller
                    if same_caller
                    else f"+91{rng.randrange(6_000_000_000, 9_999_999_999)}",
                    "draws": _draws(scenario, rng),
                }
                if again < horizon:
                    raw.append((again, seq, repeat))
                    seq += 1
    raw.sort(key=lambda r: (r[0], r[1]))
    return [SimCall(call_id=n, at=t, **fields) for n, (t, _, fields) in enumerate(raw, 1)]
