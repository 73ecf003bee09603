"""Pure mirrors of dispatch decisions the service makes in SQL: candidates, queue order, duplicates.

The service (`app/services/queue.py`, `intake.py`; SQL in `app/repositories/incidents.py`) takes them
inside PostgreSQL, where they must be to stay correct under concurrency. The simulator has no
database, so each decision is written out here as a function of its inputs, next to the SQL it
mirrors; `tests/unit/test_matching.py` pins them and `tests/integration/test_simulator_parity.py`
checks that the service and the simulator, given the same calls, choose the same units.
If you change one of those statements, change its mirror here in the same commit.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.dispatch.policy import Candidate

# PostgreSQL's earthdistance module measures on a sphere of this radius (its `earth()` function).
EARTH_RADIUS_M = 6378168.0


def earth_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle metres between two points, as `earth_distance(ll_to_earth(..), ll_to_earth(..))`."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def nearest_free_units(
    free_by_type: dict[str, list[Candidate]],
    unit_types: Sequence[str],
    lat: float,
    lon: float,
    per_type: int,
    exclude: Iterable[int] = (),
) -> list[Candidate]:
    """The nearest free units of each type, type by type (mirrors `NEAREST_FREE_UNITS_SQL`).

    The SQL orders each type's units by the KNN operator `ll_to_earth(..) <-> ll_to_earth(..)`, which
    is monotone in great-circle distance; ties, which SQL leaves unordered, go to the lower id (the
    policies break ties by id anyway). Staleness is the caller's filter: pass only fresh units.
    """
    skip = set(exclude)
    out: list[Candidate] = []
    for unit_type in unit_types:
        pool = [u for u in free_by_type.get(unit_type, ()) if u.unit_id not in skip]
        out.extend(
            heapq.nsmallest(
                per_type, pool, key=lambda u: (earth_distance_m(lat, lon, u.lat, u.lon), u.unit_id)
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Waiting:
    """An open incident with services still waiting for a unit (an entry of the queue)."""

    incident_id: int
    priority: int
    received_at: float  # any clock, as long as all entries share it (the simulator uses seconds)
    lat: float
    lon: float
    pending: tuple[str, ...]


def queue_key(entry: Waiting) -> tuple[int, float, int]:
    """Queue order: priority 1 first, then oldest, then lowest id (`ORDER BY priority, received_at, id`)."""
    return (entry.priority, entry.received_at, entry.incident_id)


def next_waiting_incident(
    waiting: Iterable[Waiting],
    services: Sequence[str],
    lat: float,
    lon: float,
    radius_m: float,
    skip_incident: int | None = None,
) -> Waiting | None:
    """The waiting incident a freed unit takes: one it can serve, within reach, in queue order.

    Mirrors `incidents.next_queued_incident`: pending overlaps the unit's services, the incident is
    within `radius_m` (earth distance) of the unit, and it is not the incident the unit just left.
    """
    best: Waiting | None = None
    for entry in waiting:
        if entry.incident_id == skip_incident or not any(s in services for s in entry.pending):
            continue
        if best is not None and queue_key(entry) >= queue_key(best):
            continue
        if earth_distance_m(lat, lon, entry.lat, entry.lon) <= radius_m:
            best = entry
    return best


def waiting_in_queue_order(waiting: Iterable[Waiting], services: Sequence[str], limit: int) -> list[Waiting]:
    """Incidents waiting for one of the services, in queue order, at most `limit` (`waiting_incidents`)."""
    servable = [w for w in waiting if any(s in services for s in w.pending)]
    return heapq.nsmallest(limit, servable, key=queue_key)


def service_for_unit(pending: Sequence[str], unit_services: Sequence[str]) -> str:
    """The waiting service a freed unit takes: the first of the incident's it can serve (as `offer_unit`)."""
    return next(s for s in pending if s in unit_services)


@dataclass(frozen=True, slots=True)
class OpenCall:
    """An open incident as the duplicate rule sees it."""

    incident_id: int
    category: str
    lat: float
    lon: float
    received_at: float
    caller_number: str | None


def duplicate_of(
    open_incidents: Iterable[OpenCall],
    *,
    category: str,
    lat: float,
    lon: float,
    caller_number: str | None,
    radius_m: float,
    since: float,
) -> int | None:
    """The open incident a new call repeats, or None (mirrors `incidents.find_duplicate_of`).

    A match is an open incident received at or after `since` that is either of the same category
    within `radius_m`, or from the same caller number; the earliest received wins (then the lower id).
    """
    best: OpenCall | None = None
    for inc in open_incidents:
        if inc.received_at < since:
            continue
        same_caller = caller_number is not None and inc.caller_number == caller_number
        if not same_caller and (
            inc.category != category or earth_distance_m(lat, lon, inc.lat, inc.lon) > radius_m
        ):
            continue
        if best is None or (inc.received_at, inc.incident_id) < (best.received_at, best.incident_id):
            best = inc
    return None if best is None else best.incident_id
