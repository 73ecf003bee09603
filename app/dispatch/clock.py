"""The response clock: intervals per incident and assignment, targets, live risk (pure; time passed in).

docs/domain.md: the clock starts at the call's arrival, never a later event; a missing timestamp is never
back-filled, so an interval whose end (or start) was not recorded is absent (None), never zero. An
incident nobody has reached yet is open: it has no response time at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.dispatch.policy import Candidate, EtaModel, Need

INTERVALS: tuple[str, ...] = ("response", "processing", "acknowledgement", "turnout", "travel")


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    """end − start in seconds; None when either end is missing (never back-filled)."""
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


@dataclass(frozen=True, slots=True)
class AssignmentTimes:
    """The stamps of one unit's assignment."""

    dispatched_at: datetime | None
    acknowledged_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    cleared_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AssignmentClock:
    """One assignment's intervals: acknowledgement, turnout (notified → en route), travel (→ scene)."""

    acknowledgement_s: float | None
    turnout_s: float | None
    travel_s: float | None
    notified_to_scene_s: float | None


def assignment_clock(a: AssignmentTimes) -> AssignmentClock:
    """The intervals of one assignment; each is None when one of its stamps is missing."""
    return AssignmentClock(
        acknowledgement_s=seconds_between(a.dispatched_at, a.acknowledged_at),
        turnout_s=seconds_between(a.dispatched_at, a.en_route_at),
        travel_s=seconds_between(a.en_route_at, a.on_scene_at),
        notified_to_scene_s=seconds_between(a.dispatched_at, a.on_scene_at),
    )


@dataclass(frozen=True, slots=True)
class IncidentClock:
    """Intervals of an incident: processing (received → first unit notified), response (→ first on scene)."""

    processing_s: float | None
    response_s: float | None
    within_target: bool | None
    first_notified_at: datetime | None
    first_on_scene_at: datetime | None


def within_target(response_s: float | None, target_minutes: float) -> bool | None:
    """Whether a response met its target; None while nobody has arrived (open, never counted as zero)."""
    if response_s is None:
        return None
    return response_s <= target_minutes * 60.0


def incident_clock(
    received_at: datetime, target_minutes: float, assignments: Sequence[AssignmentTimes]
) -> IncidentClock:
    """The incident's intervals from its own receipt time and its assignments' stamps."""
    notified = [a.dispatched_at for a in assignments if a.dispatched_at is not None]
    arrived = [a.on_scene_at for a in assignments if a.on_scene_at is not None]
    first_notified = min(notified) if notified else None
    first_on_scene = min(arrived) if arrived else None
    response = seconds_between(received_at, first_on_scene)
    return IncidentClock(
        processing_s=seconds_between(received_at, first_notified),
        response_s=response,
        within_target=within_target(response, target_minutes),
        first_notified_at=first_notified,
        first_on_scene_at=first_on_scene,
    )


# ------------------------------------------------------------------------------------------------ live risk


@dataclass(frozen=True, slots=True)
class EnRouteUnit:
    """A unit still on its way to an open incident, at its last known position."""

    unit_id: int
    unit_type: str
    lat: float
    lon: float
    dispatched_at: datetime
    en_route_at: datetime | None


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """What the risk check needs to know about an incident nobody has reached yet."""

    incident_id: int
    lat: float
    lon: float
    area_type: str
    priority: int
    received_at: datetime
    target_minutes: float
    units: tuple[EnRouteUnit, ...]


@dataclass(frozen=True, slots=True)
class Risk:
    """The risk assessment of one open incident at a moment."""

    incident_id: int
    elapsed_s: float
    target_s: float
    remaining_s: float | None  # the best unit's time still to go; None when no unit is on the way
    projected_s: float | None  # elapsed + remaining: when help is expected, counted from the call
    slack_s: float  # target − projected (or − elapsed without a unit): negative means late
    at_risk: bool
    breached: bool
    reason: str | None  # 'breached', 'no_unit' or 'eta_beyond_target'; None when on time
    unit_id: int | None


def remaining_seconds(eta: EtaModel, unit: EnRouteUnit, incident: OpenIncident, now: datetime) -> float:
    """A unit's time still to go: the rest of its turnout (until it reports en route) plus travel from here.

    EtaModel.estimate includes a full turnout; a unit already rolling owes none, and one notified a while
    ago owes only what is left of it, never less than nothing.
    """
    ranked = eta.estimate(
        Candidate(unit.unit_id, unit.unit_type, unit.lat, unit.lon),
        Need("", incident.lat, incident.lon, incident.area_type, incident.priority),
    )
    turnout = eta.turnout_seconds.get(unit.unit_type, eta.default_turnout_seconds)
    travel = max(0.0, ranked.eta_seconds - turnout)
    if unit.en_route_at is not None:
        return travel
    return max(0.0, turnout - (now - unit.dispatched_at).total_seconds()) + travel


def assess_risk(eta: EtaModel, incident: OpenIncident, now: datetime) -> Risk:
    """Will this open incident miss its target? Elapsed + the best unit's remaining ETA, or no unit at all."""
    elapsed = (now - incident.received_at).total_seconds()
    target = incident.target_minutes * 60.0
    best: tuple[float, int] | None = None
    for unit in incident.units:
        remaining = remaining_seconds(eta, unit, incident, now)
        if best is None or (remaining, unit.unit_id) < best:
            best = (remaining, unit.unit_id)
    breached = elapsed > target
    if best is None:
        projected = None
        slack = target - elapsed
        reason: str | None = "breached" if breached else "no_unit"
    else:
        projected = elapsed + best[0]
        slack = target - projected
        reason = "breached" if breached else ("eta_beyond_target" if projected > target else None)
    return Risk(
        incident_id=incident.incident_id,
        elapsed_s=elapsed,
        target_s=target,
        remaining_s=None if best is None else best[0],
        projected_s=projected,
        slack_s=slack,
        at_risk=reason is not None,
        breached=breached,
        reason=reason,
        unit_id=None if best is None else best[1],
    )


def most_urgent_first(risks: Sequence[Risk], priorities: dict[int, int]) -> list[Risk]:
    """Least slack first (the latest already), then higher priority, then the incident id."""
    return sorted(risks, key=lambda r: (r.slack_s, priorities.get(r.incident_id, 3), r.incident_id))


# --------------------------------------------------------------------------------------------- statistics


def percentile_inclusive(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks at position q·(n−1) (PostgreSQL percentile_cont)."""
    if not ordered:
        raise ValueError("percentile of no values")
    position = q * (len(ordered) - 1)
    lo, hi = math.floor(position), math.ceil(position)
    return ordered[lo] + (position - lo) * (ordered[hi] - ordered[lo])
