"""The simulated state: districts, urban zones and hospitals, read from the deployment's GeoJSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import shape

from app.dispatch.geography import ServiceArea, regions_from_geojson


@dataclass(frozen=True, slots=True)
class Hospital:
    """Where an ambulance takes a patient: the district hospital at each district headquarters."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class World:
    """Geography the simulator places calls in, with the same lookups the service uses."""

    area: ServiceArea
    districts: list[dict[str, Any]]  # GeoJSON features
    zones: list[dict[str, Any]]
    hospitals: list[Hospital]

    def district_geometry(self, name: str) -> Any:
        """The shapely geometry of a district."""
        for feature in self.districts:
            if feature["properties"]["name"] == name:
                return shape(feature["geometry"])
        raise KeyError(name)


def _features(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        data = json.load(f)
    if data.get("type") != "FeatureCollection":
        raise ValueError(f"{path}: not a GeoJSON FeatureCollection")
    features: list[dict[str, Any]] = data["features"]
    return features


def load_world(geography_dir: Path) -> World:
    """The world from `districts.geojson` and `urban_zones.geojson` (as `dial112 seed` loads them)."""
    districts = _features(geography_dir / "districts.geojson")
    zones_path = geography_dir / "urban_zones.geojson"
    zones = _features(zones_path) if zones_path.exists() else []
    area = ServiceArea(
        regions_from_geojson({"features": districts}),
        regions_from_geojson({"features": zones}, district_key="district"),
    )
    hospitals = []
    for feature in districts:
        props = feature["properties"]
        if props.get("hq_lat") is not None and props.get("hq_lon") is not None:
            hospitals.append(
                Hospital(str(props.get("headquarters") or props["name"]), props["hq_lat"], props["hq_lon"])
            )
        else:  # no headquarters given: the district's own centre stands in for its hospital
            centre = shape(feature["geometry"]).representative_point()
            hospitals.append(Hospital(str(props["name"]), centre.y, centre.x))
    return World(area, districts, zones, hospitals)
