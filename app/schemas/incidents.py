"""Request and response models for calls and incidents."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from app.schemas.cameras import NearbyCamera
from app.schemas.common import Id, IncidentStatusName, Latitude, Longitude, ServiceName, UnitStatusName
from app.schemas.seniors import LocationSource, SeniorOnIncident

Channel = Literal["voice", "sms", "panic", "app", "whatsapp", "email"]


# Where the call is: lat and lon together, or an address (then lat/lon absent or null). The validator
# below enforces it; the schema says it too, so a client (or a fuzzer) that follows the schema is accepted.
_LOCATION_SCHEMA: JsonDict = {
    "anyOf": [
        {"required": ["lat", "lon"], "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}},
        {
            "required": ["address"],
            "properties": {"address": {"type": "string"}, "lat": {"type": "null"}, "lon": {"type": "null"}},
        },
    ]
}


class CallCreate(BaseModel):
    """A call as the call-taker or a channel gateway posts it: lat and lon, or an address, are required."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_LOCATION_SCHEMA)

    caller_number: Annotated[str, Field(pattern=r"^\+?[0-9][0-9 \-]{2,19}$")] | None = None
    text: str = Field(default="", description="what the caller said, in any language")
    lat: Latitude | None = None
    lon: Longitude | None = None
    address: Annotated[str, Field(min_length=2, max_length=300)] | None = None
    channel: Channel = "voice"
    received_at: AwareDatetime | None = None
    category: ServiceName | None = Field(default=None, description="operator override of triage")
    priority: Annotated[int, Field(ge=1, le=3)] | None = Field(default=None, description="operator override")

    @model_validator(mode="after")
    def _location_given(self) -> CallCreate:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        # A registered senior's number can stand in for a location (their home): intake decides.
        if self.lat is None and self.address is None and self.caller_number is None:
            raise ValueError("location: give lat and lon, or an address")
        return self


class AssignmentRead(BaseModel):
    """One unit sent to an incident, with its clock (validated from an assignment row)."""

    id: int
    unit_id: int
    callsign: str | None = None
    unit_type: str
    service: str
    status: str
    eta_minutes: float | None
    distance_km: float | None
    dispatched_at: datetime
    acknowledged_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    transporting_at: datetime | None
    at_hospital_at: datetime | None
    cleared_at: datetime | None
    end_reason: str | None

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, data: Any) -> Any:
        """A row stores the ETA in seconds and the exact distance; the API shows minutes and 10 m."""
        if isinstance(data, Mapping) and "eta_seconds" in data:
            data = dict(data)
            eta = data.pop("eta_seconds")
            data["eta_minutes"] = None if eta is None else round(eta / 60.0, 1)
            if data.get("distance_km") is not None:
                data["distance_km"] = round(data["distance_km"], 2)
        return data


class LinkedCall(BaseModel):
    """A call on an incident (its own, or one linked to it as a duplicate)."""

    id: int
    incident_id: int
    caller_number: str | None
    text: str
    channel: str
    received_at: datetime


class CallerHistory(BaseModel):
    """Calls from the same number (this one included) and incidents of them that ended as hoaxes."""

    calls_24h: int
    calls_7d: int
    hoax_7d: int
    flagged: bool = Field(description="a repeat caller (DIAL112_REPEAT_CALLER_CALLS_24H) or a recent hoax")


class IncidentRead(BaseModel):
    """An incident with its assignments (validated from an incident row plus `assignments`)."""

    id: int
    status: str
    category: str | None
    secondary: list[str]
    priority: int
    district: str
    area_type: str
    target_minutes: float
    received_at: datetime
    lat: float
    lon: float
    address: str | None
    duplicate_of: int | None
    assignments: list[AssignmentRead]
    pending: list[str] = Field(description="services still waiting for a unit")
    response_seconds: float | None
    within_target: bool | None
    needs_review: bool
    triage: dict[str, Any] | None
    disposition: str | None
    ended_at: datetime | None
    calls: list[LinkedCall] | None = None
    location_source: LocationSource = Field(
        description="where the location came from: the caller (lat/lon), the gazetteer (address), "
        "or a Samarpan member's registered home"
    )
    senior: SeniorOnIncident | None = Field(
        description="the calling Samarpan member (senior citizen living alone); null for other callers"
    )
    cameras: list[NearbyCamera] = Field(
        default_factory=list, description="cameras that can see the incident, nearest first (GET one only)"
    )
    source: dict[str, Any] | None = Field(
        default=None,
        description='what raised it when not a call, e.g. {"kind": "camera_alert", "alert_id": 7}',
    )
    caller_history: CallerHistory | None = Field(
        default=None, description="recent calls from the number: flagged for the call-taker, never refused"
    )


class CallAccepted(BaseModel):
    """The answer to POST /calls."""

    call_id: int
    incident: IncidentRead


class IncidentFilter(BaseModel):
    """Query filters for the incident list."""

    status: IncidentStatusName | None = None
    district: str | None = None
    category: ServiceName | None = None
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)


class CancelBody(BaseModel):
    """Why an incident is cancelled."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class CloseBody(BaseModel):
    """How an incident ended."""

    model_config = ConfigDict(extra="forbid")
    disposition: str = Field(min_length=1, max_length=100)
    notes: str | None = Field(default=None, max_length=2000)


class AssignBody(BaseModel):
    """Send a chosen unit (manual assignment), optionally replacing one already sent."""

    model_config = ConfigDict(extra="forbid")
    unit_id: Id
    service: ServiceName | None = None
    replace_unit_id: Id | None = None


class UnitStatusBody(BaseModel):
    """A unit's lifecycle step, with the time it happened (responder apps queue these offline)."""

    model_config = ConfigDict(extra="forbid")
    status: UnitStatusName
    at: AwareDatetime | None = None
    incident_id: Id | None = None
