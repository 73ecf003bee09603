"""Shared field types for request and response models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

Latitude = Annotated[float, Field(ge=-90, le=90, description="WGS84 latitude, decimal degrees")]
Longitude = Annotated[float, Field(ge=-180, le=180, description="WGS84 longitude, decimal degrees")]
UnitTypeName = Literal["police_erv", "ambulance", "fire_tender", "women_safety", "child_protection"]
UnitStatusName = Literal[
    "available", "dispatched", "en_route", "on_scene", "transporting", "at_hospital", "out_of_service"
]
ServiceName = Literal["police", "fire", "medical", "women", "child"]
Id = Annotated[int, Field(ge=1, le=9_223_372_036_854_775_807, description="a database id (bigint)")]
