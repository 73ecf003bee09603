"""Request and response models for units."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import Id, Latitude, Longitude, UnitStatusName, UnitTypeName


class UnitCreate(BaseModel):
    """Register a unit; it starts `available` at the given position."""

    model_config = ConfigDict(extra="forbid")

    callsign: str = Field(min_length=1, max_length=64, pattern=r"^\S(.*\S)?$")
    type: UnitTypeName
    district: str = Field(min_length=1, max_length=100)
    lat: Latitude
    lon: Longitude
    station: Id | None = Field(default=None, description="station id")


class UnitRead(BaseModel):
    """A unit with its status and last known position."""

    id: int
    callsign: str
    type: str
    district: str
    station: int | None
    status: str
    status_at: datetime
    lat: float
    lon: float
    position_at: datetime
    stale: bool = Field(description="last position older than the configured age")


class UnitFilter(BaseModel):
    """Query filters for the unit list."""

    district: str | None = None
    type: UnitTypeName | None = None
    status: UnitStatusName | None = None
    limit: int = Field(default=500, ge=1, le=10000)
    offset: int = Field(default=0, ge=0)
