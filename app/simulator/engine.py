"""The discrete-event simulation: a simulated clock, an event heap, and the service's dispatch decisions.

Every decision the service takes is taken here by the same code or by its pure mirror:
placement (`ServiceArea.locate`), the target (`DEFAULT_TARGET_MINUTES`, what `dial112 seed` stores),
duplicate linking (`matching.duplicate_of`), the services that get a unit (`needed_services`), the
candidates (`matching.nearest_free_units`: nearest free units per eligible type), the ranking (the
configured `DispatchPolicy` with the service's `EtaModel`), the queue (`matching.next_waiting_incident`
when a unit frees, `matching.waiting_in_queue_order` for the watchdog's sweep every
`ack_check_interval_seconds`). Only the world is simulated: travel, time on scene, hospitals.
Assumptions of the model: GPS is always fresh, every crew acknowledges and rolls at once after its
turnout, no unit breaks down, operators close an incident when its last unit clears.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from app.config import Settings
from app.dispatch.matching import (
    OpenCall,
    Waiting,
    duplicate_of,
    earth_distance_m,
    nearest_free_units,
    next_waiting_incident,
    service_for_unit,
    waiting_in_queue_order,
)
from app.dispatch.policy import (
    Candidate,
    DispatchPolicy,
    EtaModel,
    Need,
    Ranked,
    needed_services,
    services_of_unit_type,
    unit_types_for,
)
from app.dispatch.targets import DEFAULT_TARGET_MINUTES
from app.simulator.arrivals import SimCall
from app.simulator.fleet import FleetUnit
from app.simulator.world import Hospital, World

# Event kinds, in the order they run when due at the same instant with the same sequence (never).
CALL, ARRIVE, CLEAR, SWEEP = 0, 1, 2, 3
SWEEP_LIMIT = 20  # the watchdog's sweep takes at most this many waiting incidents a round (as the service)


@dataclass(slots=True)
class _Unit:
    unit_id: int
    callsign: str
    type: str
    district: str
    home_lat: float
    home_lon: float
    home_speed_kmh: float
    services: list[str]
    lat: float
    lon: float
    status: str = "available"
    # Driving home while available: (from_lat, from_lon, left_at, home_at).
    moving: tuple[float, float, float, float] | None = None
    busy_since: float = 0.0
    busy_s: float = 0.0
    job: AssignmentRecord | None = None

    def position(self, t: float) -> tuple[float, float]:
        """Where the unit is at t (its GPS fix: the service sees a free unit's latest position)."""
        if self.moving is None:
            return self.lat, self.lon
        from_lat, from_lon, t0, t1 = self.moving
        if t >= t1:
            self.lat, self.lon, self.moving = self.home_lat, self.home_lon, None
            return self.lat, self.lon
        f = (t - t0) / (t1 - t0)
        return from_lat + (self.home_lat - from_lat) * f, from_lon + (self.home_lon - from_lon) * f


@dataclass(slots=True)
class AssignmentRecord:
    """One unit sent to one incident for one service, with the times the simulation gave it."""

    call_id: int
    incident_id: int
    service: str
    callsign: str
    unit_id: int
    via: str  # "call" (sent at intake), "offer" (a freed unit took the queue), "sweep" (the watchdog)
    dispatched_at: float
    eta_s: float
    arrive_at: float = math.nan
    clear_at: float = math.nan
    clear_lat: float = math.nan
    clear_lon: float = math.nan


@dataclass(slots=True)
class IncidentRecord:
    """One incident (not a linked duplicate) and how it was served."""

    incident_id: int
    call_id: int
    district: str
    area_type: str
    category: str
    priority: int
    received_at: float
    lat: float
    lon: float
    target_s: float
    pending: list[str]
    status: str = "queued"
    open_assignments: int = 0
    first_on_scene_at: float | None = None
    waits: list[float] = field(default_factory=list)  # per service: unit dispatched − call received

    @property
    def response_s(self) -> float | None:
        """First arrival on scene − call received (None while nobody arrived)."""
        return None if self.first_on_scene_at is None else self.first_on_scene_at - self.received_at


@dataclass(frozen=True, slots=True)
class UnitUse:
    """How much of the simulated period a unit was busy (dispatched until available again)."""

    callsign: str
    type: str
    district: str
    busy_s: float


@dataclass(frozen=True)
class SimResult:
    """What happened: incidents, assignments, duplicates linked, calls referred, unit use."""

    hours: float
    incidents: list[IncidentRecord]
    assignments: list[AssignmentRecord]
    duplicates: int
    referred: int
    units: list[UnitUse]


class Simulation:
    """One simulated period with one fleet and one policy; `run` consumes the calls in time order."""

    def __init__(
        self,
        settings: Settings,
        world: World,
        fleet: Sequence[FleetUnit],
        policy: DispatchPolicy,
        eta: EtaModel,
        *,
        return_to_station: bool = True,
    ) -> None:
        self.settings = settings
        self.world = world
        self.policy = policy
        self.eta = eta
        self.return_to_station = return_to_station
        self.units: list[_Unit] = []
        for n, u in enumerate(fleet, 1):
            home_area = world.area.locate(u.lat, u.lon).area_type
            self.units.append(
                _Unit(
                    unit_id=n,
                    callsign=u.callsign,
                    type=u.type,
                    district=u.district,
                    home_lat=u.lat,
                    home_lon=u.lon,
                    home_speed_kmh=self._speed(home_area),
                    services=services_of_unit_type(u.type, settings.service_unit_types),
                    lat=u.lat,
                    lon=u.lon,
                )
            )
        self.free: dict[str, dict[int, _Unit]] = {}
        for unit in self.units:
            self.free.setdefault(unit.type, {})[unit.unit_id] = unit
        self.incidents: list[IncidentRecord] = []
        self.by_id: dict[int, IncidentRecord] = {}
        self.waiting: dict[int, IncidentRecord] = {}
        self.recent: list[tuple[IncidentRecord, OpenCall]] = []  # open incidents inside the duplicate window
        self.assignments: list[AssignmentRecord] = []
        self.duplicates = 0
        self.referred = 0
        self._events: list[tuple[float, int, int, object]] = []
        self._seq = 0
        self._sweep_at: float | None = None
        self._calls: dict[int, SimCall] = {}  # incident id -> its call (for the chance draws of its jobs)
        self._hospital_area: dict[str, str] = {
            h.name: world.area.locate(h.lat, h.lon).area_type for h in world.hospitals
        }

    # ------------------------------------------------------------------------------------------ the clock

    def _schedule(self, t: float, kind: int, payload: object) -> None:
        self._seq += 1
        heapq.heappush(self._events, (t, self._seq, kind, payload))

    def run(
        self, calls: Sequence[SimCall], hours: float, on_progress: Callable[[float], None] | None = None
    ) -> SimResult:
        """Feed the calls in, run until every incident has been reached and every unit has cleared."""
        for call in calls:
            self._schedule(call.at, CALL, call)
        reported = 0
        while self._events:
            t, _, kind, payload = heapq.heappop(self._events)
            if on_progress is not None and t >= (reported + 1) * 3600.0:
                reported = int(t // 3600.0)
                on_progress(t)
            if kind == CALL:
                assert isinstance(payload, SimCall)
                self._intake(payload, t)
            elif kind == ARRIVE:
                assert isinstance(payload, AssignmentRecord)
                self._arrive(payload, t)
            elif kind == CLEAR:
                assert isinstance(payload, AssignmentRecord)
                self._clear(payload, t, hours * 3600.0)
            else:
                self._sweep(t)
        uses = [UnitUse(u.callsign, u.type, u.district, u.busy_s) for u in self.units]
        return SimResult(hours, self.incidents, self.assignments, self.duplicates, self.referred, uses)

    # ------------------------------------------------------------------------------------------ intake

    def _speed(self, area_type: str) -> float:
        return self.eta.speed_kmh.get(area_type) or self.eta.speed_kmh["rural"]

    def _intake(self, call: SimCall, t: float) -> None:
        s = self.settings
        placement = self.world.area.locate(call.lat, call.lon)
        if not placement.inside and placement.distance_km > s.border_km:
            self.referred += 1
            return
        since = t - s.duplicate_window_minutes * 60.0
        self.recent = [(i, o) for i, o in self.recent if o.received_at >= since and i.status != "closed"]
        linked = duplicate_of(
            (o for _, o in self.recent),
            category=call.category,
            lat=call.lat,
            lon=call.lon,
            caller_number=call.caller_number,
            radius_m=s.duplicate_radius_m,
            since=since,
        )
        if linked is not None:
            self.duplicates += 1
            return
        secondary = [x for x in call.secondary if x != call.category]
        services = needed_services(call.category, secondary, s.secondary_gets_unit)
        incident = IncidentRecord(
            incident_id=len(self.incidents) + 1,
            call_id=call.call_id,
            district=placement.district,
            area_type=placement.area_type,
            category=call.category,
            priority=call.priority,
            received_at=t,
            lat=call.lat,
            lon=call.lon,
            target_s=DEFAULT_TARGET_MINUTES[placement.area_type] * 60.0,
            pending=list(services),
        )
        self.incidents.append(incident)
        self.by_id[incident.incident_id] = incident
        self._calls[incident.incident_id] = call
        self.recent.append(
            (
                incident,
                OpenCall(incident.incident_id, call.category, call.lat, call.lon, t, call.caller_number),
            )
        )
        for service in services:
            self._send_best_unit(incident, service, t, "call")
        if incident.pending:
            self.waiting[incident.incident_id] = incident

    # ------------------------------------------------------------------------------------------ sending

    def _free_candidates(self, types: Sequence[str], t: float) -> dict[str, list[Candidate]]:
        out: dict[str, list[Candidate]] = {}
        for unit_type in types:
            pool = []
            for unit in self.free.get(unit_type, {}).values():
                lat, lon = unit.position(t)
                pool.append(Candidate(unit.unit_id, unit.type, lat, lon))
            out[unit_type] = pool
        return out

    def _send_best_unit(self, incident: IncidentRecord, service: str, t: float, via: str) -> bool:
        """As the service's send_best_unit: nearest free units per type, ranked by the policy; first sent."""
        types = unit_types_for(service, self.settings.service_unit_types)
        candidates = nearest_free_units(
            self._free_candidates(types, t),
            types,
            incident.lat,
            incident.lon,
            self.settings.candidates_per_type,
        )
        if not candidates:
            return False
        need = Need(service, incident.lat, incident.lon, incident.area_type, incident.priority)
        ranked = self.policy.rank(need, candidates)
        self._claim(self.units[ranked[0].candidate.unit_id - 1], incident, service, ranked[0], t, via)
        return True

    def _claim(
        self, unit: _Unit, incident: IncidentRecord, service: str, choice: Ranked, t: float, via: str
    ) -> None:
        unit.lat, unit.lon = choice.candidate.lat, choice.candidate.lon
        unit.moving = None
        unit.status = "dispatched"
        unit.busy_since = t
        del self.free[unit.type][unit.unit_id]
        incident.pending.remove(service)
        if not incident.pending:
            self.waiting.pop(incident.incident_id, None)
        if incident.status == "queued":
            incident.status = "dispatched"
        incident.open_assignments += 1
        incident.waits.append(t - incident.received_at)
        record = AssignmentRecord(
            call_id=incident.call_id,
            incident_id=incident.incident_id,
            service=service,
            callsign=unit.callsign,
            unit_id=unit.unit_id,
            via=via,
            dispatched_at=t,
            eta_s=choice.eta_seconds,
        )
        unit.job = record
        self.assignments.append(record)
        turnout = self.eta.turnout_seconds.get(unit.type, self.eta.default_turnout_seconds)
        draw = self._calls[incident.incident_id].draws[service]
        travel = (choice.eta_seconds - turnout) * draw.travel_factor
        self._schedule(t + turnout + travel, ARRIVE, record)

    # ------------------------------------------------------------------------------------------ the job

    def _nearest_hospital(self, lat: float, lon: float) -> Hospital:
        return min(self.world.hospitals, key=lambda h: earth_distance_m(lat, lon, h.lat, h.lon))

    def _arrive(self, record: AssignmentRecord, t: float) -> None:
        incident = self.by_id[record.incident_id]
        unit = self.units[record.unit_id - 1]
        unit.status = "on_scene"
        unit.lat, unit.lon = incident.lat, incident.lon
        record.arrive_at = t
        if incident.first_on_scene_at is None:
            incident.first_on_scene_at = t
            if incident.status == "dispatched":
                incident.status = "on_scene"
        draw = self._calls[incident.incident_id].draws[record.service]
        done, lat, lon = t + draw.on_scene_s, incident.lat, incident.lon
        if record.service == "medical" and draw.hospital_s is not None and self.world.hospitals:
            hospital = self._nearest_hospital(lat, lon)
            km = earth_distance_m(lat, lon, hospital.lat, hospital.lon) / 1000.0
            speed = self._speed(self._hospital_area[hospital.name])
            done += km * self.eta.circuity / speed * 3600.0 * draw.travel_factor + draw.hospital_s
            lat, lon = hospital.lat, hospital.lon
        record.clear_lat, record.clear_lon = lat, lon
        self._schedule(done, CLEAR, record)

    def _clear(self, record: AssignmentRecord, t: float, horizon: float) -> None:
        incident = self.by_id[record.incident_id]
        unit = self.units[record.unit_id - 1]
        record.clear_at = t
        incident.open_assignments -= 1
        if incident.open_assignments == 0 and not incident.pending:
            incident.status = "closed"
        unit.busy_s += max(0.0, min(t, horizon) - min(unit.busy_since, horizon))
        unit.status, unit.job = "available", None
        unit.lat, unit.lon = record.clear_lat, record.clear_lon
        if self.return_to_station and (unit.lat, unit.lon) != (unit.home_lat, unit.home_lon):
            km = earth_distance_m(unit.lat, unit.lon, unit.home_lat, unit.home_lon) / 1000.0
            back = km * self.eta.circuity / unit.home_speed_kmh * 3600.0
            unit.moving = (unit.lat, unit.lon, t, t + back) if back > 0 else None
        self.free[unit.type][unit.unit_id] = unit
        if not self._offer(unit, t) and self.waiting:
            self._schedule_sweep(t)

    # ------------------------------------------------------------------------------------------ the queue

    def _queue(self) -> list[Waiting]:
        return [
            Waiting(i.incident_id, i.priority, i.received_at, i.lat, i.lon, tuple(i.pending))
            for i in self.waiting.values()
        ]

    def _offer(self, unit: _Unit, t: float) -> bool:
        """As the service's offer_unit: a freed unit takes the waiting incident it serves, in queue order."""
        if not self.waiting:
            return False
        lat, lon = unit.position(t)
        entry = next_waiting_incident(
            self._queue(), unit.services, lat, lon, self.settings.queue_radius_km * 1000.0
        )
        if entry is None:
            return False
        incident = self.by_id[entry.incident_id]
        service = service_for_unit(incident.pending, unit.services)
        need = Need(service, incident.lat, incident.lon, incident.area_type, incident.priority)
        estimate = self.eta.estimate(Candidate(unit.unit_id, unit.type, lat, lon), need)
        self._claim(unit, incident, service, estimate, t, "offer")
        return True

    def _schedule_sweep(self, t: float) -> None:
        interval = self.settings.ack_check_interval_seconds
        at = (math.floor(t / interval) + 1) * interval
        if self._sweep_at is None:
            self._sweep_at = at
            self._schedule(at, SWEEP, None)

    def _sweep(self, t: float) -> None:
        """As the service's sweep_queue: waiting incidents in queue order get the best free unit, if any."""
        self._sweep_at = None
        types = [unit_type for unit_type, free in self.free.items() if free]
        services = sorted(
            {s for x in types for s in services_of_unit_type(x, self.settings.service_unit_types)}
        )
        if not services:
            return
        batch = waiting_in_queue_order(self._queue(), services, SWEEP_LIMIT)
        for entry in batch:
            incident = self.by_id[entry.incident_id]
            for service in [s for s in entry.pending if s in services]:
                self._send_best_unit(incident, service, t, "sweep")
        if len(batch) == SWEEP_LIMIT and self.waiting:
            self._schedule_sweep(t)
