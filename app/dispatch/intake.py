"""The pure decisions of taking a call: time checks, placement, triage merge, status and services.

`plan_call` runs before any database work; the service then only looks up what needs the database
(the target, a duplicate) and writes. No I/O, no clock: `now` is an argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.dispatch.gazetteer import Gazetteer
from app.dispatch.geography import ServiceArea
from app.dispatch.policy import needed_services
from app.dispatch.registry import IncidentStatus, Service
from app.dispatch.samarpan import (
    LOCATION_CALLER,
    LOCATION_GAZETTEER,
    LOCATION_REGISTERED_HOME,
    MemberAtCall,
    SeniorSummary,
    ist_day,
    raised_priority,
)
from app.dispatch.triage import Triage, classify
from app.errors import Invalid

# An unclear call still gets help: police go when triage cannot name a service.
FALLBACK_SERVICE = Service.POLICE.value


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What a call says, as posted (overrides included)."""

    text: str
    lat: float | None
    lon: float | None
    address: str | None
    received_at: datetime | None
    category: str | None = None  # operator override of triage
    priority: int | None = None  # operator override of triage


@dataclass(frozen=True, slots=True)
class IntakeRules:
    """The settings intake decides by."""

    max_text_length: int
    max_clock_skew_seconds: float
    max_call_age_days: float
    border_km: float
    secondary_gets_unit: Sequence[str]
    # Samarpan: a registered senior's call of these services is one step more urgent (1 stays 1).
    senior_priority_bump: bool = False
    senior_bump_services: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class CallPlan:
    """Everything decided about a call before the database is asked anything."""

    received_at: datetime
    lat: float
    lon: float
    district: str
    area_type: str
    referred: bool  # far outside the service area: handed to the neighbouring state's control room
    category: str
    secondary: tuple[str, ...]
    priority: int
    needs_review: bool
    triage: Triage
    overridden: bool
    services: tuple[str, ...]  # one unit each, unless the call is referred or a duplicate
    location_source: str = LOCATION_CALLER  # caller, gazetteer or registered_home
    senior: SeniorSummary | None = None  # the caller is a verified, active Samarpan member
    priority_before_bump: int | None = None  # set when the senior rule raised the priority

    def outcome(self, duplicate_of: int | None) -> tuple[IncidentStatus, list[str]]:
        """The incident's first status and the services still to send, once duplicates are known."""
        if self.referred:
            return IncidentStatus.REFERRED, []
        if duplicate_of is not None:
            return IncidentStatus.DUPLICATE, []
        return IncidentStatus.QUEUED, list(self.services)


def plan_call(
    call: CallFacts,
    *,
    now: datetime,
    rules: IntakeRules,
    area: ServiceArea,
    gazetteer: Gazetteer,
    member: MemberAtCall | None = None,
) -> CallPlan:
    """Check and place a call and merge triage with the operator's overrides; 422 naming the field.

    `member` is the Samarpan member whose number is calling: their home places a call that gives no
    location, and their call carries their summary and, for the configured services, a raised priority.
    """
    if len(call.text) > rules.max_text_length:
        raise Invalid(f"text: longer than {rules.max_text_length} characters ({len(call.text)})")
    received_at = call.received_at or now
    if received_at > now + timedelta(seconds=rules.max_clock_skew_seconds):
        raise Invalid(f"received_at: {received_at.isoformat()} is in the future")
    if received_at < now - timedelta(days=rules.max_call_age_days):
        raise Invalid(
            f"received_at: {received_at.isoformat()} is more than {rules.max_call_age_days:g} days ago"
        )

    lat, lon, source = call.lat, call.lon, LOCATION_CALLER
    if lat is None or lon is None:
        if call.address is not None:
            place = gazetteer.resolve(call.address)
            if place is None:
                raise Invalid(f"address: {call.address!r} is not in the gazetteer; give lat and lon")
            lat, lon, source = place.lat, place.lon, LOCATION_GAZETTEER
        elif member is not None:
            lat, lon, source = member.home_lat, member.home_lon, LOCATION_REGISTERED_HOME
        else:
            raise Invalid("location: give lat and lon, or an address")
    placement = area.locate(lat, lon)
    referred = not placement.inside and placement.distance_km > rules.border_km

    result = classify(call.text)
    category = call.category or result.category or FALLBACK_SERVICE
    secondary = tuple(s for s in result.secondary if s != category)
    priority = call.priority or result.priority
    before_bump = None
    if member is not None and rules.senior_priority_bump:
        raised = raised_priority(priority, category, rules.senior_bump_services)
        if raised != priority:
            before_bump, priority = priority, raised
    return CallPlan(
        received_at=received_at,
        lat=lat,
        lon=lon,
        district=placement.district,
        area_type=placement.area_type,
        referred=referred,
        category=category,
        secondary=secondary,
        priority=priority,
        needs_review=result.needs_review and call.category is None,
        triage=result,
        overridden=call.category is not None or call.priority is not None,
        services=tuple(needed_services(category, secondary, rules.secondary_gets_unit)),
        location_source=source,
        senior=None if member is None else member.summary(ist_day(received_at)),
        priority_before_bump=before_bump,
    )
