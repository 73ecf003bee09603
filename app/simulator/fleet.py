"""The simulated fleet: units with home stations, from a fleet file or the demo fleet, scaled up or down."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from app.schemas.common import UnitTypeName
from app.services.demo_fleet import demo_fleet
from app.simulator.world import World


@dataclass(frozen=True, slots=True)
class FleetUnit:
    """A unit and its home station (where it starts and, by default, returns after each job)."""

    callsign: str
    type: str
    district: str
    lat: float
    lon: float


class _FleetUnitIn(BaseModel):
    """One unit of a fleet file: the body of `POST /units` (a station id, if any, is ignored)."""

    model_config = ConfigDict(extra="ignore")

    callsign: str = Field(min_length=1, max_length=64)
    type: UnitTypeName
    district: str = Field(min_length=1)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


_fleet_file = TypeAdapter(list[_FleetUnitIn])


def load_fleet(path: Path, world: World) -> list[FleetUnit]:
    """Units from a JSON file: a list of `POST /units` bodies, or `{"units": [...]}`; errors name the unit."""
    with path.open(encoding="utf-8") as f:
        data: Any = json.load(f)
    if isinstance(data, dict):
        data = data.get("units")
    try:
        rows = _fleet_file.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "units"
        raise ValueError(f"{path}: units.{where}: {first['msg']}") from exc
    known = set(world.area.district_names)
    seen: set[str] = set()
    for n, row in enumerate(rows):
        if row.district not in known:
            raise ValueError(f"{path}: units.{n}.district: unknown district {row.district!r}")
        if row.callsign in seen:
            raise ValueError(f"{path}: units.{n}.callsign: {row.callsign!r} appears twice")
        seen.add(row.callsign)
    if not rows:
        raise ValueError(f"{path}: the fleet has no units")
    return [FleetUnit(r.callsign, r.type, r.district, r.lat, r.lon) for r in rows]


def demo(world: World) -> list[FleetUnit]:
    """The demo fleet that `dial112 seed --demo` loads (401 units for Chhattisgarh)."""
    return [
        FleetUnit(u.callsign, u.type, u.district, u.lat, u.lon)
        for u in demo_fleet(world.districts, world.zones)
    ]


def scale_fleet(units: list[FleetUnit], scale: float) -> list[FleetUnit]:
    """The fleet with each district's units of each type scaled (rounded half up, never below one).

    Fewer: units spread evenly through the group are kept, so towns and countryside both lose some.
    More: new vehicles join existing stations in turn (a second crew at the same post).
    """
    if scale <= 0:
        raise ValueError("fleet scale must be positive")
    groups: dict[tuple[str, str], list[FleetUnit]] = {}
    for u in units:
        groups.setdefault((u.district, u.type), []).append(u)
    out: list[FleetUnit] = []
    for group in groups.values():
        n = len(group)
        m = max(1, math.floor(n * scale + 0.5))
        if m <= n:
            out.extend(group[(i * n) // m] for i in range(m))
        else:
            out.extend(group)
            for k in range(m - n):
                base = group[k % n]
                out.append(
                    FleetUnit(f"{base.callsign}+{k // n + 1}", base.type, base.district, base.lat, base.lon)
                )
    return out
