"""Choosing units: ETA estimates and a replaceable ranking policy (pure; no I/O, no clock)."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from geopy.distance import geodesic, great_circle


@dataclass(frozen=True, slots=True)
class Candidate:
    """A free unit that could be sent, with its last known position."""

    unit_id: int
    unit_type: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Need:
    """What has to reach a place: one service at a point of an area type."""

    service: str
    lat: float
    lon: float
    area_type: str
    priority: int = 2


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate with its estimated time of arrival."""

    candidate: Candidate
    eta_seconds: float
    distance_km: float


@dataclass(frozen=True, slots=True)
class EtaModel:
    """ETA = turnout + geodesic distance × circuity ÷ speed of the area type (docs/domain.md)."""

    circuity: float = 1.3
    speed_kmh: Mapping[str, float] = field(default_factory=lambda: {"urban": 25.0, "rural": 40.0})
    turnout_seconds: Mapping[str, float] = field(default_factory=dict)
    default_turnout_seconds: float = 60.0
    # Spherical distance: 10x cheaper, within 0.5%; for sweeps over every open incident (risk checks),
    # never for choosing a unit.
    spherical: bool = False

    def estimate(self, candidate: Candidate, need: Need) -> Ranked:
        """The candidate's ETA to the need's location."""
        measure = great_circle if self.spherical else geodesic
        km = measure((candidate.lat, candidate.lon), (need.lat, need.lon)).km
        speed = self.speed_kmh.get(need.area_type) or self.speed_kmh["rural"]
        travel = km * self.circuity / speed * 3600.0
        turnout = self.turnout_seconds.get(candidate.unit_type, self.default_turnout_seconds)
        return Ranked(candidate, turnout + travel, km)


class DispatchPolicy(Protocol):
    """Ranks the candidates for a need, best first; the service claims them in that order."""

    def rank(self, need: Need, candidates: Sequence[Candidate]) -> list[Ranked]:
        """Candidates in the order they should be tried."""
        ...


@dataclass(frozen=True, slots=True)
class FastestArrivalPolicy:
    """Send the unit that will arrive first; ties go to the nearer unit, then the lower id."""

    eta: EtaModel

    def rank(self, need: Need, candidates: Sequence[Candidate]) -> list[Ranked]:
        """Candidates by (ETA, distance, unit id)."""
        ranked = [self.eta.estimate(c, need) for c in candidates]
        ranked.sort(key=lambda r: (round(r.eta_seconds, 6), round(r.distance_km, 6), r.candidate.unit_id))
        return ranked


# Policies that ship with the service, by the short names `dial112 simulate --policy` and
# DIAL112_DISPATCH_POLICY accept besides `module:Class`.
BUILT_IN_POLICIES: dict[str, str] = {
    "fastest_arrival": "app.dispatch.policy:FastestArrivalPolicy",
    "coverage_aware": "app.dispatch.coverage:CoverageAwarePolicy",
}


def load_policy(path: str, eta: EtaModel) -> DispatchPolicy:
    """Instantiate a policy (a built-in name or `module:Class`) with the ETA model."""
    path = BUILT_IN_POLICIES.get(path, path)
    module_name, _, class_name = path.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    policy: DispatchPolicy = cls(eta)
    return policy


def unit_types_for(service: str, service_unit_types: Mapping[str, Sequence[str]]) -> list[str]:
    """Unit types that may serve a service."""
    return list(service_unit_types.get(service, ()))


def services_of_unit_type(unit_type: str, service_unit_types: Mapping[str, Sequence[str]]) -> list[str]:
    """Services a unit type may serve."""
    return [s for s, types in service_unit_types.items() if unit_type in types]


def needed_services(category: str, secondary: Sequence[str], gets_unit: Sequence[str]) -> list[str]:
    """The services that each get a unit: the primary, then each secondary the configuration names."""
    out = [category]
    for service in secondary:
        if service in gets_unit and service not in out:
            out.append(service)
    return out
