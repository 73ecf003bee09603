"""Map a point to (district, area type): shapely polygons behind an STRtree, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import shapely
from geopy.distance import geodesic
from shapely.geometry import Point, shape
from shapely.ops import nearest_points
from shapely.prepared import prep


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a point falls: its district and area type, or the nearest district when outside."""

    inside: bool
    district: str  # the containing district, or the nearest one when outside
    area_type: str  # "urban" or "rural"
    distance_km: float  # 0 when inside; distance to the nearest district otherwise


@dataclass(frozen=True, slots=True)
class Region:
    """A named polygon with its properties (a district or an urban zone)."""

    name: str
    geometry: Mapping[str, Any]  # GeoJSON geometry
    district: str | None = None


class ServiceArea:
    """The districts and urban zones of one deployment, indexed for point lookups."""

    def __init__(self, districts: Iterable[Region], urban_zones: Iterable[Region]) -> None:
        self._districts = list(districts)
        if not self._districts:
            raise ValueError("a service area needs at least one district")
        self._district_shapes = [shape(d.geometry) for d in self._districts]
        self._district_prepared = [prep(g) for g in self._district_shapes]
        self._district_tree = shapely.STRtree(self._district_shapes)
        self._zones = list(urban_zones)
        self._zone_shapes = [shape(z.geometry) for z in self._zones]
        self._zone_prepared = [prep(g) for g in self._zone_shapes]
        self._zone_tree = shapely.STRtree(self._zone_shapes) if self._zone_shapes else None

    @property
    def district_names(self) -> list[str]:
        """Names of all districts."""
        return [d.name for d in self._districts]

    def is_urban(self, lat: float, lon: float) -> bool:
        """True when the point lies inside any urban zone."""
        if self._zone_tree is None:
            return False
        point = Point(lon, lat)
        return any(self._zone_prepared[i].covers(point) for i in self._zone_tree.query(point))

    def locate(self, lat: float, lon: float) -> Placement:
        """Place a point: containing district and area type, or the nearest district and distance."""
        point = Point(lon, lat)
        area_type = "urban" if self.is_urban(lat, lon) else "rural"
        for i in sorted(int(i) for i in self._district_tree.query(point)):
            if self._district_prepared[i].covers(point):
                return Placement(True, self._districts[i].name, area_type, 0.0)
        i = int(self._district_tree.nearest(point))
        near = nearest_points(self._district_shapes[i], point)[0]
        km = geodesic((lat, lon), (near.y, near.x)).km
        return Placement(False, self._districts[i].name, area_type, km)


def regions_from_geojson(collection: Mapping[str, Any], district_key: str | None = None) -> list[Region]:
    """Regions from a GeoJSON FeatureCollection whose features carry a `name` property."""
    out = []
    for feature in collection.get("features", []):
        props = feature.get("properties") or {}
        out.append(
            Region(
                name=str(props["name"]),
                geometry=feature["geometry"],
                district=str(props[district_key]) if district_key else None,
            )
        )
    return out


def bounding_box(geometry: Mapping[str, Any]) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a GeoJSON geometry."""
    minx, miny, maxx, maxy = shape(geometry).bounds
    return (float(minx), float(miny), float(maxx), float(maxy))
