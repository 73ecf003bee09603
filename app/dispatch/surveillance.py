"""The pure rules of smart-city surveillance: camera and alert kinds, what each alert kind asks for,
which alerts dispatch at once, the burst window, and the words an alert's call record carries.

No I/O, no clock: `now` is an argument. The service (app/services/camera_alerts.py) asks the
database only what needs it (the camera, an alert of the same burst, an open incident nearby).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from app.dispatch.registry import Service
from app.errors import Invalid


class CameraKind(StrEnum):
    """What is installed at a point of the city's network."""

    FIXED = "fixed"
    PTZ = "ptz"  # pan-tilt-zoom
    ANPR = "anpr"  # number-plate reader
    PANIC_POLE = "panic_pole"  # a pole with an SOS button (most also carry a camera)


class AlertKind(StrEnum):
    """What a camera or pole reports."""

    SOS_BUTTON = "sos_button"
    FIRE = "fire"
    SMOKE = "smoke"
    CROWD = "crowd"
    FIGHT = "fight"
    ACCIDENT = "accident"
    ABANDONED_OBJECT = "abandoned_object"
    INTRUSION = "intrusion"


class AlertStatus(StrEnum):
    """Where an alert stands (api.md "Smart-city surveillance")."""

    PENDING_REVIEW = "pending_review"  # waits for an operator to look at the camera
    CONFIRMED = "confirmed"  # an operator confirmed it: an incident was created and dispatched
    DISMISSED = "dismissed"  # an operator judged it a false alarm
    AUTO_DISPATCHED = "auto_dispatched"  # became an incident at once (panic pole, confident fire)
    LINKED = "linked"  # joined an open incident of the same service nearby


CAMERA_KIND_NAMES: tuple[str, ...] = tuple(k.value for k in CameraKind)
ALERT_KIND_NAMES: tuple[str, ...] = tuple(k.value for k in AlertKind)
ALERT_STATUS_NAMES: tuple[str, ...] = tuple(s.value for s in AlertStatus)


@dataclass(frozen=True, slots=True)
class KindRule:
    """What an alert kind asks for: the service, others that come along, and the default priority."""

    category: Service
    secondary: tuple[Service, ...]
    priority: int  # 1 life-threatening, 2 urgent, 3 can wait (api.md)
    # How the call record describes it; "road accident" is the phrase the volumes report counts.
    words: str


KIND_RULES: dict[AlertKind, KindRule] = {
    # A pressed pole is a person asking for help, usually at night, often a woman alone: police at once.
    AlertKind.SOS_BUTTON: KindRule(Service.POLICE, (), 1, "panic button pressed"),
    AlertKind.FIRE: KindRule(Service.FIRE, (), 1, "fire detected"),
    AlertKind.SMOKE: KindRule(Service.FIRE, (), 2, "smoke detected"),
    AlertKind.CROWD: KindRule(Service.POLICE, (), 2, "crowd forming"),
    AlertKind.FIGHT: KindRule(Service.POLICE, (), 2, "fight in progress"),
    # Like a road-accident call: an ambulance, and police for the traffic and the report.
    AlertKind.ACCIDENT: KindRule(Service.MEDICAL, (Service.POLICE,), 1, "road accident"),
    AlertKind.ABANDONED_OBJECT: KindRule(Service.POLICE, (), 2, "abandoned object"),
    AlertKind.INTRUSION: KindRule(Service.POLICE, (), 2, "intrusion"),
}


def default_priorities() -> dict[str, int]:
    """Priority per alert kind (DIAL112_CAMERA_ALERT_PRIORITY overrides single kinds)."""
    return {kind.value: rule.priority for kind, rule in KIND_RULES.items()}


def default_auto_dispatch() -> dict[str, float]:
    """Kinds that dispatch without review, at or above a confidence (the issue's default)."""
    return {AlertKind.FIRE.value: 0.9, AlertKind.SMOKE.value: 0.9}


@dataclass(frozen=True, slots=True)
class SurveillanceRules:
    """The settings alert intake decides by."""

    priorities: Mapping[str, int]
    auto_dispatch_confidence: Mapping[str, float]
    burst_window: timedelta
    max_clock_skew: timedelta
    max_age: timedelta

    @classmethod
    def build(
        cls,
        *,
        priorities: Mapping[str, int],
        auto_dispatch_confidence: Mapping[str, float],
        burst_window_seconds: float,
        max_clock_skew_seconds: float,
        max_age_days: float,
    ) -> SurveillanceRules:
        """Rules from settings; priorities override the defaults kind by kind."""
        return cls(
            priorities={**default_priorities(), **priorities},
            auto_dispatch_confidence=dict(auto_dispatch_confidence),
            burst_window=timedelta(seconds=burst_window_seconds),
            max_clock_skew=timedelta(seconds=max_clock_skew_seconds),
            max_age=timedelta(days=max_age_days),
        )


@dataclass(frozen=True, slots=True)
class AlertPlan:
    """Everything decided about one posted report before the database is asked anything."""

    kind: AlertKind
    at: datetime
    confidence: float
    category: str
    secondary: tuple[str, ...]
    priority: int
    auto_dispatch: bool  # becomes an incident at once, without an operator's review
    window_start: datetime  # an alert of the same camera and kind overlapping this window absorbs it
    window_end: datetime


def auto_dispatches(
    kind: AlertKind, confidence: float, auto_dispatch_confidence: Mapping[str, float]
) -> bool:
    """True when the alert becomes an incident without review: a panic press always, others by setting."""
    if kind is AlertKind.SOS_BUTTON:
        # Never configurable away: a person pressed the button, and nobody should have to look first.
        return True
    threshold = auto_dispatch_confidence.get(kind.value)
    return threshold is not None and confidence >= threshold


def plan_alert(
    kind: AlertKind, confidence: float | None, at: datetime | None, *, now: datetime, rules: SurveillanceRules
) -> AlertPlan:
    """Check a report's time and confidence and decide what it asks for; 422 naming the field."""
    at = at or now
    if at > now + rules.max_clock_skew:
        raise Invalid(f"at: {at.isoformat()} is in the future")
    if at < now - rules.max_age:
        raise Invalid(f"at: {at.isoformat()} is more than {rules.max_age.days} days ago")
    if confidence is None:
        if kind is not AlertKind.SOS_BUTTON:
            raise Invalid("confidence: required for a video-analytics alert (0 to 1)")
        confidence = 1.0  # a button press is certain
    rule = KIND_RULES[kind]
    return AlertPlan(
        kind=kind,
        at=at,
        confidence=confidence,
        category=rule.category.value,
        secondary=tuple(s.value for s in rule.secondary),
        priority=rules.priorities[kind.value],
        auto_dispatch=auto_dispatches(kind, confidence, rules.auto_dispatch_confidence),
        window_start=at - rules.burst_window,
        window_end=at + rules.burst_window,
    )


def in_burst(first_at: datetime, last_at: datetime, at: datetime, window: timedelta) -> bool:
    """True when a report at `at` belongs to an alert spanning first_at..last_at (same camera and kind).

    The window slides: each report keeps the alert open for another window, so a camera that keeps
    seeing the same fire is one alert, and a report that arrives out of order still finds its burst.
    The repository's burst query is this predicate in SQL.
    """
    return first_at - window <= at <= last_at + window


def confirmed_service(
    kind: AlertKind, rules: SurveillanceRules, category: str | None, priority: int | None
) -> tuple[str, tuple[str, ...], int]:
    """Category, secondary services and priority of a confirmed alert, with the operator's overrides."""
    rule = KIND_RULES[kind]
    chosen = category or rule.category.value
    # The kind's companions come along only while the operator keeps the kind's own service.
    secondary = tuple(s.value for s in rule.secondary) if chosen == rule.category.value else ()
    return chosen, secondary, priority or rules.priorities[kind.value]


def describe(kind: AlertKind, camera_code: str, camera_name: str, confidence: float) -> str:
    """The text of the call record an alert leaves on its incident (what the operator reads)."""
    words = KIND_RULES[kind].words
    if kind is AlertKind.SOS_BUTTON:
        return f"Panic pole {camera_code} ({camera_name}): {words}"
    return f"Camera {camera_code} ({camera_name}): {words}, confidence {confidence:.2f}"


# Settings and schemas validate against these; mypy sees plain strings (as in app/schemas/common.py).
if TYPE_CHECKING:
    AlertKindName = str
    CameraKindName = str
    AlertStatusName = str
else:
    AlertKindName = Literal[ALERT_KIND_NAMES]
    CameraKindName = Literal[CAMERA_KIND_NAMES]
    AlertStatusName = Literal[ALERT_STATUS_NAMES]
