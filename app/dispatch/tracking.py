"""Judging GPS fixes (pure): what a tracking gateway sends is checked before it moves a unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from geopy.distance import great_circle


@dataclass(frozen=True, slots=True)
class Fix:
    """One GPS position of a unit."""

    unit_id: int
    lat: float
    lon: float
    recorded_at: datetime
    speed_kmh: float | None = None
    heading: float | None = None


def recorded_at_problem(
    recorded_at: datetime, now: datetime, *, max_age_days: float, max_skew_seconds: float
) -> str | None:
    """Why a fix's time cannot be taken (out of the sane window), or None; never raises for odd dates."""
    try:
        age = (now - recorded_at).total_seconds()
    except OverflowError:  # year 1 at +14:00 is before year 1 in UTC
        return "recorded_at: out of range"
    if age > max_age_days * 86400.0:
        return f"recorded_at: more than {max_age_days:g} days old"
    if -age > max_skew_seconds:
        return "recorded_at: in the future"
    return None


def reject_reason(
    fix: Fix,
    previous: Fix | None,
    *,
    now: datetime,
    max_skew_seconds: float,
    max_speed_kmh: float,
) -> str | None:
    """Why a fix cannot be taken (future time, impossible coordinates or speed), or None when it can."""
    if not (-90.0 <= fix.lat <= 90.0) or not (-180.0 <= fix.lon <= 180.0):
        return "impossible coordinates"
    if (fix.lat, fix.lon) == (0.0, 0.0):
        return "impossible coordinates (0, 0: a receiver without a fix)"
    if (fix.recorded_at - now).total_seconds() > max_skew_seconds:
        return "recorded_at is in the future"
    if fix.speed_kmh is not None and not (0.0 <= fix.speed_kmh <= max_speed_kmh):
        return f"impossible speed_kmh {fix.speed_kmh:g}"
    if previous is not None:
        # A sanity bound, not a measurement: the spherical distance is 10x cheaper than the ellipsoidal one
        # on the hottest path of the service and never off by more than 0.5%.
        km = great_circle((previous.lat, previous.lon), (fix.lat, fix.lon)).km
        hours = abs((fix.recorded_at - previous.recorded_at).total_seconds()) / 3600.0
        # 50 m of GPS jitter is allowed between fixes taken at (almost) the same moment.
        if km > 0.05 and (hours == 0.0 or km / hours > max_speed_kmh):
            speed = "∞" if hours == 0.0 else f"{km / hours:.0f}"
            return f"impossible speed: {speed} km/h from the previous fix"
    return None
