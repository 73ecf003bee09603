"""Every setting of the service, in one typed class (env prefix DIAL112_, plus DATABASE_URL)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.dispatch import registry, surveillance
from app.dispatch.surveillance import AlertKindName

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-insecure-secret-key-do-not-deploy"


class Settings(BaseSettings):
    """Service configuration; see the README's Configuration section for each setting."""

    model_config = SettingsConfigDict(env_prefix="DIAL112_", extra="ignore")

    env: Literal["development", "production", "test"] = "production"
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL"))
    analytics_database_url: str | None = None
    data_dir: Path = ROOT / ".data"
    geography_dir: Path = Path(__file__).resolve().parent / "geodata" / "chhattisgarh"
    secret_key: str | None = None
    token_ttl_hours: float = 12.0
    db_pool_min: int = 2
    db_pool_max: int = 16

    # Reliability (README "Reliability"): never a hang, never a 500 for a database that is down or frozen.
    # While the database answers nothing (down, restarting, frozen) every answer but a stream's comes within
    # request_timeout (+ 0.75 s for requests already under way when it froze), as 503 + Retry-After. While it
    # answers but is saturated, requests keep their place in line up to busy_timeout.
    request_timeout_seconds: float = Field(default=4.0, gt=0)
    busy_timeout_seconds: float = Field(default=60.0, gt=0)
    analytics_timeout_seconds: float = Field(default=30.0, gt=0)  # reports may scan; the server stops at 30 s
    db_acquire_timeout_seconds: float = Field(default=2.0, gt=0)  # then: a queue (wait on) or an outage (503)
    db_connect_timeout_seconds: float = Field(default=2.0, gt=0)  # open a new connection
    retry_after_seconds: int = Field(default=1, ge=1)  # Retry-After on every 503
    # Limits (README "Limits"): a body beyond this is refused with 413 before it is read.
    max_body_bytes: int = Field(default=4_000_000, ge=1024)
    max_fix_age_days: float = Field(default=7.0, gt=0)  # older GPS fixes are refused per item
    # Operations.
    position_retention_days: float = Field(default=90.0, gt=0)
    metrics_enabled: bool = True
    access_log: bool = True
    log_format: Literal["json", "text"] = "json"

    # Dispatch policy (docs/domain.md "Choosing the unit").
    circuity: float = 1.3
    speed_urban_kmh: float = 25.0
    speed_rural_kmh: float = 40.0
    turnout_seconds: dict[str, float] = Field(default_factory=registry.default_turnout_seconds)
    stale_position_minutes: float = 30.0
    dispatch_policy: str = "app.dispatch.policy:FastestArrivalPolicy"
    queue_radius_km: float = 60.0
    candidates_per_type: int = 5
    # Which unit types serve a service, in order of preference only as a fallback; the ETA decides.
    service_unit_types: dict[str, list[str]] = Field(default_factory=registry.default_service_unit_types)
    # Secondary services that get a unit of their own (others are noted on the incident only).
    secondary_gets_unit: list[str] = ["police", "medical", "fire"]
    border_km: float = 20.0
    duplicate_radius_m: float = 300.0
    duplicate_window_minutes: float = 15.0
    max_text_length: int = 4000
    max_clock_skew_seconds: float = 120.0
    max_call_age_days: float = 7.0  # a gateway replaying a backlog; older "calls" are data entry errors
    max_speed_kmh: float = 250.0
    ack_timeout_seconds: float = 60.0
    ack_check_interval_seconds: float = 2.0
    # At-risk / breach flagging computes an ETA for every open incident: every 10 s is plenty against
    # targets of 16 and 28 minutes, and keeps the work off most intake requests.
    risk_check_interval_seconds: float = 10.0
    sse_heartbeat_seconds: float = 15.0
    women_review_hours: float = 24.0
    # A mass lapse is a system fault (the responder app or its network is down), not many lazy crews:
    # this many units with an assignment unacknowledged past the timeout within the window.
    mass_lapse_units: int = Field(default=5, ge=2)
    mass_lapse_window_seconds: float = 180.0
    # Revocations reach a worker on NOTIFY at once; this poll bounds the delay if a notification is lost.
    revocation_poll_seconds: float = Field(default=2.0, gt=0, le=5)
    # A key older than this may be reused by its owner for a new call.
    idempotency_key_hours: float = 24.0
    # Caller history (flagged on the incident, never a refusal): repeat calls in 24 h, hoax closures.
    repeat_caller_calls_24h: int = 3
    hoax_words: list[str] = ["hoax", "prank", "fake"]
    # Turnout (notified → en route) beyond this is a lapse; NFPA 1710 (docs/domain.md).
    turnout_limit_seconds: dict[str, float] = Field(default_factory=registry.default_turnout_limits)
    default_turnout_limit_seconds: float = 60.0

    # Samarpan, senior citizens living alone (docs/domain.md): phase 1 covers three districts.
    samarpan_districts: list[str] = ["Raipur", "Durg", "Bilaspur"]
    samarpan_visit_interval_days: int = Field(default=7, ge=1, le=365)
    # A member's medical or police call is one step more urgent (1 stays 1).
    samarpan_priority_bump: bool = True
    samarpan_bump_services: list[str] = ["medical", "police"]
    # A need raised at a welfare visit and still unmet after this long is a lapse.
    samarpan_unmet_need_hours: float = Field(default=72.0, gt=0)
    # Smart-city surveillance (app/dispatch/surveillance.py).
    camera_radius_m: float = Field(default=500.0, gt=0, le=50_000)  # cameras listed on an incident
    camera_max_listed: int = Field(default=20, ge=1, le=500)
    camera_burst_window_seconds: float = Field(default=120.0, ge=0, le=86_400)
    # Kinds listed dispatch without review at or above their confidence; the others wait for an operator.
    # A panic press (sos_button) always dispatches at once, whatever this says.
    camera_auto_dispatch_confidence: dict[AlertKindName, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=surveillance.default_auto_dispatch
    )
    # Overrides the default priority of single kinds (the others keep theirs).
    camera_alert_priority: dict[AlertKindName, Annotated[int, Field(ge=1, le=3)]] = Field(
        default_factory=surveillance.default_priorities
    )

    @model_validator(mode="after")
    def _secret_required_outside_development(self) -> Settings:
        if not self.secret_key:
            if self.env == "production":
                raise ValueError(
                    "DIAL112_SECRET_KEY must be set (or DIAL112_ENV=development for a local dev secret)"
                )
            self.secret_key = DEV_SECRET
        elif self.env == "production" and len(self.secret_key) < 32:
            raise ValueError("DIAL112_SECRET_KEY must be at least 32 characters")
        return self

    @property
    def signing_key(self) -> str:
        """The token signing secret (always set after validation)."""
        assert self.secret_key is not None
        return self.secret_key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
