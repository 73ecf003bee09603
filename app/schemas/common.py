"""Shared field types for request and response models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from app.dispatch.registry import SERVICE_NAMES, UNIT_TYPE_NAMES, IncidentStatus, UnitStatus

Latitude = Annotated[float, Field(ge=-90, le=90, description="WGS84 latitude, decimal degrees")]
Longitude = Annotated[float, Field(ge=-180, le=180, description="WGS84 longitude, decimal degrees")]

# The API's enums derive from the registry (app/dispatch/registry.py), so they cannot drift from it.
# mypy sees plain strings; at run time (and in the OpenAPI) each is a Literal of the registry's values.
if TYPE_CHECKING:
    UnitTypeName = str
    UnitStatusName = str
    IncidentStatusName = str
    ServiceName = str
else:
    UnitTypeName = Literal[UNIT_TYPE_NAMES]
    UnitStatusName = Literal[tuple(s.value for s in UnitStatus)]
    IncidentStatusName = Literal[tuple(s.value for s in IncidentStatus)]
    ServiceName = Literal[SERVICE_NAMES]
Id = Annotated[int, Field(ge=1, le=9_223_372_036_854_775_807, description="a database id (bigint)")]
