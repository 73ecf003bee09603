"""Request and response models for GPS fixes and acknowledgements."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.schemas.common import Id


class FixIn(BaseModel):
    """One GPS fix from a unit's own device."""

    model_config = ConfigDict(extra="forbid")

    lat: float
    lon: float
    recorded_at: AwareDatetime | None = None
    speed_kmh: float | None = None
    heading: float | None = Field(default=None, ge=0, le=360)


class GatewayFixIn(FixIn):
    """One GPS fix in a tracking gateway's batch."""

    unit_id: Id


class FixRejection(BaseModel):
    """Why one item of a batch was not taken."""

    index: int
    unit_id: int | None
    reason: str


class FixesResult(BaseModel):
    """What happened to each fix: taken or rejected with a reason."""

    accepted: int
    moved: int = Field(description="units whose latest position changed (older fixes only go to history)")
    rejected: list[FixRejection]


class AcknowledgeBody(BaseModel):
    """A crew's acknowledgement of its assignment."""

    model_config = ConfigDict(extra="forbid")
    assignment_id: Id | None = None
