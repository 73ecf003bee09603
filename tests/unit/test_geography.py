"""Point → (district, area type) over the shipped Chhattisgarh geography."""

from __future__ import annotations

import json
from functools import cache

import pytest

from app.dispatch.geography import ServiceArea, regions_from_geojson
from tests.conftest import ROOT_PATH

GEO = ROOT_PATH / "app" / "geodata" / "chhattisgarh"


def _features(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((GEO / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def area() -> ServiceArea:
    return ServiceArea(
        regions_from_geojson(_features("districts.geojson")),
        regions_from_geojson(_features("urban_zones.geojson"), district_key="district"),
    )


HQS = [
    (f["properties"]["name"], f["properties"]["hq_lat"], f["properties"]["hq_lon"])
    for f in _features("districts.geojson")["features"]
]


def test_shipped_geography_has_all_33_districts() -> None:
    assert len(HQS) == 33
    assert len(set(area().district_names)) == 33


@pytest.mark.parametrize(("district", "lat", "lon"), HQS, ids=[h[0] for h in HQS])
def test_each_headquarters_maps_to_its_own_district(district: str, lat: float, lon: float) -> None:
    placement = area().locate(lat, lon)
    assert placement.inside
    assert placement.district == district
    assert placement.distance_km == 0.0


def test_centre_of_raipur_is_urban() -> None:
    placement = area().locate(21.2514, 81.6296)
    assert (placement.district, placement.area_type, placement.inside) == ("Raipur", "urban", True)


def test_village_between_towns_is_rural() -> None:
    # Between Raipur (21.25, 81.63) and Bilaspur (22.08, 82.14), ~45 km from either town.
    placement = area().locate(21.65, 81.90)
    assert placement.inside
    assert placement.area_type == "rural"


def test_point_in_odisha_is_outside_with_nearest_district() -> None:
    # Sambalpur, Odisha.
    placement = area().locate(21.4669, 83.9812)
    assert not placement.inside
    assert placement.district in area().district_names
    assert 10 < placement.distance_km < 150


def test_point_far_away_reports_large_distance() -> None:
    placement = area().locate(28.6139, 77.2090)  # New Delhi
    assert not placement.inside
    assert placement.distance_km > 500
