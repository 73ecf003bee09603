"""The kinds of things dispatch knows, each defined once: services, unit types, statuses.

Everything else derives from here: the API's enums, the `unit_types` table that the database's
foreign keys check (synchronised by `dial112 seed`), the default turnout times and limits, which unit
types serve which service, the demo fleet and the analytics group values.

Adding a unit type is one entry in `UNIT_TYPES` below (then `dial112 seed`, which every deploy runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Service(StrEnum):
    """The five services a 112 call can need."""

    POLICE = "police"
    FIRE = "fire"
    MEDICAL = "medical"
    WOMEN = "women"
    CHILD = "child"


class IncidentStatus(StrEnum):
    """Where an incident stands (api.md)."""

    QUEUED = "queued"  # no unit free yet
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    DUPLICATE = "duplicate"  # linked to another incident; no unit sent
    REFERRED = "referred"  # outside the service area


OPEN_INCIDENT = frozenset({IncidentStatus.QUEUED, IncidentStatus.DISPATCHED, IncidentStatus.ON_SCENE})
ENDED_INCIDENT = frozenset({IncidentStatus.CLOSED, IncidentStatus.CANCELLED})


class UnitStatus(StrEnum):
    """A unit's lifecycle (docs/domain.md); the transitions are in `lifecycle.py`."""

    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    TRANSPORTING = "transporting"
    AT_HOSPITAL = "at_hospital"
    OUT_OF_SERVICE = "out_of_service"


@dataclass(frozen=True, slots=True)
class UnitTypeSpec:
    """One unit type: what it serves and how fast it turns out, and its share of the demo fleet."""

    name: str
    # Services it may serve; where several types serve a service, those serving it first come first.
    serves: tuple[Service, ...]
    turnout_seconds: float  # notified → rolling, for ETAs
    turnout_limit_seconds: float  # beyond this a turnout is a lapse (NFPA 1710: 60 s medical, 80 s fire)
    callsign_code: str  # demo fleet callsigns: RAIPUR-ERV-01
    demo_per_district: int
    demo_urban_km: float | None = None  # one more per this many km of an urban zone's radius
    demo_urban_round_up: bool = True  # ceil (at least one per zone) or floor (only large zones)


UNIT_TYPES: tuple[UnitTypeSpec, ...] = (
    UnitTypeSpec(
        "police_erv",
        (Service.POLICE, Service.WOMEN, Service.CHILD),
        turnout_seconds=60.0,
        turnout_limit_seconds=60.0,
        callsign_code="ERV",
        demo_per_district=4,
        demo_urban_km=3.0,
    ),
    UnitTypeSpec(
        "ambulance",
        (Service.MEDICAL,),
        turnout_seconds=60.0,
        turnout_limit_seconds=60.0,
        callsign_code="AMB",
        demo_per_district=2,
        demo_urban_km=3.0,
    ),
    UnitTypeSpec(
        "fire_tender",
        (Service.FIRE,),
        turnout_seconds=80.0,
        turnout_limit_seconds=80.0,
        callsign_code="FIRE",
        demo_per_district=1,
        demo_urban_km=8.0,
        demo_urban_round_up=False,
    ),
    UnitTypeSpec(
        "women_safety",
        (Service.WOMEN,),
        turnout_seconds=60.0,
        turnout_limit_seconds=60.0,
        callsign_code="WS",
        demo_per_district=1,
        demo_urban_km=6.0,
    ),
    UnitTypeSpec(
        "child_protection",
        (Service.CHILD,),
        turnout_seconds=90.0,
        turnout_limit_seconds=90.0,
        callsign_code="CP",
        demo_per_district=1,
    ),
)

UNIT_TYPE_NAMES: tuple[str, ...] = tuple(spec.name for spec in UNIT_TYPES)
SPEC_BY_NAME: dict[str, UnitTypeSpec] = {spec.name: spec for spec in UNIT_TYPES}
SERVICE_NAMES: tuple[str, ...] = tuple(s.value for s in Service)


def default_turnout_seconds() -> dict[str, float]:
    """Turnout per unit type, for the ETA model."""
    return {spec.name: spec.turnout_seconds for spec in UNIT_TYPES}


def default_turnout_limits() -> dict[str, float]:
    """Turnout limit per unit type, for the lapse report."""
    return {spec.name: spec.turnout_limit_seconds for spec in UNIT_TYPES}


def default_service_unit_types() -> dict[str, list[str]]:
    """Unit types per service: those whose first service it is, then the others, in registry order."""
    return {
        service.value: [spec.name for spec in UNIT_TYPES if spec.serves[0] == service]
        + [spec.name for spec in UNIT_TYPES if service in spec.serves[1:]]
        for service in Service
    }
