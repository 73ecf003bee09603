"""Request and response models for targets, the incident clock, live risk, HQ review and lapses.

Analytics rows have the requested group keys as their own fields, so those endpoints return plain rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import ServiceName

ReviewOutcome = Literal["no_lapse", "lapse_found", "referred_to_sit", "follow_up"]


class TargetCreate(BaseModel):
    """A new response target for an area type, optionally narrowed to a district and/or a category."""

    model_config = ConfigDict(extra="forbid")

    area_type: Literal["urban", "rural"]
    district: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    category: ServiceName | None = None
    minutes: Annotated[float, Field(gt=0, le=24 * 60)]


class TargetRead(BaseModel):
    """One target rule; `current` when it is the newest for its key (the one in force)."""

    id: int
    area_type: str
    district: str | None
    category: str | None
    minutes: float
    set_at: datetime
    set_by: str
    current: bool


class AssignmentClockRead(BaseModel):
    """One assignment's intervals in seconds (null when a stamp is missing)."""

    assignment_id: int
    unit_id: int
    unit_type: str
    service: str
    end_reason: str | None
    acknowledgement_s: float | None
    turnout_s: float | None
    travel_s: float | None
    notified_to_scene_s: float | None


class ClockRead(BaseModel):
    """An incident's response clock; `open` while nobody has arrived (response_s is then null)."""

    incident_id: int
    status: str
    received_at: datetime
    target_minutes: float
    first_notified_at: datetime | None
    first_on_scene_at: datetime | None
    processing_s: float | None
    response_s: float | None
    within_target: bool | None
    open: bool
    assignments: list[AssignmentClockRead]


class RiskRead(BaseModel):
    """An open incident that will miss (or has missed) its target."""

    incident_id: int
    status: str
    category: str | None
    priority: int
    district: str
    area_type: str
    received_at: datetime
    target_minutes: float
    elapsed_s: float
    remaining_s: float | None
    projected_s: float | None
    slack_s: float
    breached: bool
    reason: str | None
    unit_id: int | None
    callsign: str | None
    pending: list[str]


class SeriousBody(BaseModel):
    """Why the operator marks the case serious."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=1000)


class SeriousRead(BaseModel):
    """The incident's serious flag."""

    incident_id: int
    serious: bool
    serious_at: datetime | None
    serious_by: str | None
    serious_reason: str | None


class ReviewCreate(BaseModel):
    """A supervisor's review of a women-safety case."""

    model_config = ConfigDict(extra="forbid")

    outcome: ReviewOutcome
    notes: str = Field(min_length=3, max_length=4000)


class ReviewRead(BaseModel):
    """A recorded review."""

    id: int
    incident_id: int
    outcome: str
    notes: str
    reviewed_at: datetime
    reviewed_by: str


class LastReview(BaseModel):
    """The newest review of a case."""

    outcome: str
    notes: str
    reviewed_at: datetime
    reviewed_by: str


class ReviewQueueItem(BaseModel):
    """A case in HQ's review queue."""

    incident_id: int
    status: str
    category: str | None
    priority: int
    district: str
    area_type: str
    received_at: datetime
    response_seconds: float | None
    within_target: bool | None
    disposition: str | None
    serious: bool
    serious_reason: str | None
    review_status: Literal["pending", "reviewed"]
    review_due_at: datetime
    overdue: bool
    reviews: int
    last_review: LastReview | None


class GroupKeys(BaseModel):
    """The group a row belongs to: only the dimensions named in `group_by` are present."""

    district: str | None = None
    category: str | None = None
    area_type: str | None = None
    priority: int | None = None
    unit_type: str | None = None
    day: str | None = Field(default=None, description="IST day, YYYY-MM-DD")
    week: str | None = Field(default=None, description="IST week's Monday, YYYY-MM-DD")
    month: str | None = Field(default=None, description="IST month, YYYY-MM")


class ResponseTimeRow(GroupKeys):
    """Statistics of one interval over one group (seconds; NFPA p90 and UK ARP mean)."""

    count: int
    mean_s: float | None
    p50_s: float | None
    p90_s: float | None
    within_target_pct: float | None = Field(description="only for interval=response")


class VolumeRow(GroupKeys):
    """The state review's headline counts for one group."""

    calls: int
    incidents: int
    duplicates: int
    referred: int
    cancelled: int
    helped: int
    police_helped: int
    medical_helped: int
    fire_helped: int
    women_helped: int
    child_helped: int
    road_accidents_helped: int


class ReadyRead(BaseModel):
    """Readiness: `ready`, or `unavailable` with the reason (503)."""

    status: str
    detail: str | None = None
