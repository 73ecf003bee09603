"""A deterministic demo fleet over every district, denser in the cities, so `make run` shows a living system.

Assumptions (documented in the README; the numbers are in app/dispatch/registry.py): every district has
4 police ERVs, 2 ambulances, 1 fire tender, 1 women-safety unit and 1 child-protection unit spread over
the district; each urban zone adds 1 police ERV and 1 ambulance per 3 km of radius, 1 women-safety unit
per 6 km, and 1 fire tender per 8 km, placed inside the zone. Positions come from a seeded RNG, so
every seed gives the same fleet.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point, shape

from app.dispatch.registry import SPEC_BY_NAME, UNIT_TYPES


@dataclass(frozen=True, slots=True)
class DemoUnit:
    """One unit of the demo fleet."""

    callsign: str
    type: str
    district: str
    lat: float
    lon: float


def _slug(name: str) -> str:
    return re.sub(r"[^A-Z]", "", name.upper())[:10]


def _point_in(geometry: Any, rng: random.Random) -> tuple[float, float]:
    minx, miny, maxx, maxy = geometry.bounds
    for _ in range(1000):
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if geometry.contains(Point(lon, lat)):
            return round(lat, 5), round(lon, 5)
    centre = geometry.representative_point()
    return round(centre.y, 5), round(centre.x, 5)


def demo_fleet(
    districts: Iterable[dict[str, Any]], zones: Iterable[dict[str, Any]], seed: int = 112
) -> list[DemoUnit]:
    """The demo fleet for the given GeoJSON district and urban-zone features."""
    rng = random.Random(seed)
    counters: dict[tuple[str, str], int] = {}
    units: list[DemoUnit] = []

    def add(district: str, unit_type: str, geometry: Any) -> None:
        n = counters.get((district, unit_type), 0) + 1
        counters[(district, unit_type)] = n
        lat, lon = _point_in(geometry, rng)
        units.append(
            DemoUnit(
                f"{_slug(district)}-{SPEC_BY_NAME[unit_type].callsign_code}-{n:02d}",
                unit_type,
                district,
                lat,
                lon,
            )
        )

    for feature in districts:
        name = feature["properties"]["name"]
        geometry = shape(feature["geometry"])
        for spec in UNIT_TYPES:
            for _ in range(spec.demo_per_district):
                add(name, spec.name, geometry)
    for feature in zones:
        props = feature["properties"]
        geometry = shape(feature["geometry"])
        radius = float(props.get("radius_km", 3))
        # Densest types first (the order fixes the seeded positions: the same fleet every time).
        for spec in sorted((t for t in UNIT_TYPES if t.demo_urban_km), key=lambda t: t.demo_urban_km or 0):
            assert spec.demo_urban_km is not None
            share = radius / spec.demo_urban_km
            for _ in range(math.ceil(share) if spec.demo_urban_round_up else math.floor(share)):
                add(props["district"], spec.name, geometry)
    return units
