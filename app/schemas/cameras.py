"""Request and response models for cameras, panic poles and their alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.dispatch.surveillance import AlertKindName, AlertStatusName, CameraKindName
from app.schemas.common import Latitude, Longitude, ServiceName

CameraCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
        description="the city's own code for the camera or pole, e.g. RPR-JSC-014",
    ),
]
# Only schemes a console can open safely (no javascript: or data: links into an operator's browser).
LiveUrl = Annotated[str, Field(max_length=2000, pattern=r"^(https?|rtsps?)://[^\s]+$")]
SnapshotUrl = Annotated[str, Field(max_length=2000, pattern=r"^https?://[^\s]+$")]


class CameraCreate(BaseModel):
    """Register a camera or panic pole; the district is derived from the location when omitted."""

    model_config = ConfigDict(extra="forbid")

    code: CameraCode
    name: str = Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")
    kind: CameraKindName
    lat: Latitude
    lon: Longitude
    district: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    live_url: LiveUrl | None = None


class CameraRead(BaseModel):
    """A camera or panic pole; distance_m is set when the list was asked for `near` a point."""

    id: int
    code: str
    name: str
    kind: str
    lat: float
    lon: float
    district: str
    live_url: str | None
    created_at: datetime
    updated_at: datetime
    distance_m: float | None = None


class NearbyCamera(BaseModel):
    """A camera that can see an incident, for the operator (GET /incidents/{id})."""

    code: str
    name: str
    kind: str
    distance_m: float
    live_url: str | None


class CameraAlertCreate(BaseModel):
    """One report from a surveillance gateway (or an operator watching a screen)."""

    model_config = ConfigDict(extra="forbid")

    camera_code: CameraCode
    kind: AlertKindName
    confidence: Annotated[float, Field(ge=0, le=1)] | None = Field(
        default=None, description="0 to 1; may be omitted for sos_button only"
    )
    at: AwareDatetime | None = Field(default=None, description="when the camera saw it; defaults to now")
    snapshot_url: SnapshotUrl | None = None
    external_id: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="the gateway's own id of this report: a repeat answers 200 with its alert"
    )


class CameraAlertRead(BaseModel):
    """An alert: one burst of reports from one camera of one kind, and what was decided about it."""

    id: int
    status: AlertStatusName
    count: int = Field(description="reports folded into this alert (a burst is one alert)")
    incident_id: int | None = Field(description="the incident handling it (created, or joined when linked)")
    camera_code: str
    camera_name: str
    camera_kind: str
    kind: str
    confidence: float = Field(description="the highest confidence reported in the burst")
    district: str
    lat: float
    lon: float
    first_at: datetime
    last_at: datetime
    received_at: datetime
    snapshot_url: str | None
    live_url: str | None
    category: str | None = Field(
        description="the service the alert asks for (the operator's choice once confirmed)"
    )
    priority: int | None
    decided_at: datetime | None
    decided_by: str | None
    dismiss_reason: str | None
    note: str | None


class CameraAlertFilter(BaseModel):
    """Query filters for the alert list (the review queue with status=pending_review)."""

    status: AlertStatusName | None = None
    district: str | None = None
    kind: AlertKindName | None = None
    camera: str | None = Field(default=None, description="camera code")
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)


class ConfirmBody(BaseModel):
    """An operator confirms an alert; category and priority override what its kind maps to."""

    model_config = ConfigDict(extra="forbid")

    category: ServiceName | None = None
    priority: Annotated[int, Field(ge=1, le=3)] | None = None
    note: Annotated[str, Field(max_length=2000)] | None = None


class DismissBody(BaseModel):
    """Why an operator dismissed an alert (a false alarm, already handled, ...)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class CameraAlertStatsRow(BaseModel):
    """One group of GET /analytics/camera-alerts (its keys are those asked for in group_by)."""

    camera: str | None = None
    kind: str | None = None
    district: str | None = None
    count: int = Field(description="alerts (bursts)")
    reports: int = Field(description="reports folded into them")
    confirmed: int
    dismissed: int
    auto_dispatched: int
    linked: int
    pending_review: int
    median_decision_s: float | None = Field(description="alert received → operator's confirm or dismiss")
    dismissed_pct: float | None = Field(
        description="dismissed ÷ (confirmed + dismissed): the false-alarm rate"
    )
