"""What a simulated day looks like: call volume, service mix, daily profile, time on scene (all configurable).

The defaults are the Chhattisgarh review's figures (domain.md): ~5.3 M calls in about two years
(~7,300 a day), of which 9.5 lakh got police help, ~4.5 lakh medical, 2 lakh road-accident help,
72,000 women helped, 8,000 fire and 6,000 children rescued — 16.86 lakh in all, so about 32 % of calls
needed a vehicle and most did not. Everything else here (priorities, the daily profile, times on
scene and at hospital, how many calls are repeats) is an assumption, written down so a state can
replace it with its own numbers through `--scenario FILE` (YAML or JSON with any of these keys).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

Kind = Literal["police", "medical", "road_accident", "women", "fire", "child"]


class Duration(BaseModel):
    """A lognormal duration: its median in minutes and the spread (sigma of its logarithm)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    median_minutes: float = Field(gt=0)
    sigma: float = Field(ge=0, le=3)


class KindSpec(BaseModel):
    """One kind of call: how many of them (relative), what it needs, and how urgent it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weight: float = Field(ge=0)  # relative volume among calls that need a vehicle
    category: Literal["police", "fire", "medical", "women", "child"]
    secondary: tuple[Literal["police", "fire", "medical", "women", "child"], ...] = ()
    priority_shares: dict[int, float]  # priority (1 life-threatening .. 3 can wait) -> share

    @field_validator("priority_shares")
    @classmethod
    def _priorities(cls, value: dict[int, float]) -> dict[int, float]:
        if (
            not value
            or any(p not in (1, 2, 3) or s < 0 for p, s in value.items())
            or sum(value.values()) <= 0
        ):
            raise ValueError("priority_shares: priorities 1..3 with non-negative shares, not all zero")
        return value


def _default_kinds() -> dict[str, KindSpec]:
    # Weights: the review's two-year counts (domain.md). Priority shares: assumptions.
    return {
        "police": KindSpec(weight=950_000, category="police", priority_shares={1: 0.2, 2: 0.5, 3: 0.3}),
        "medical": KindSpec(weight=450_000, category="medical", priority_shares={1: 0.5, 2: 0.4, 3: 0.1}),
        # A road accident needs an ambulance and the police (triage: medical with police secondary).
        "road_accident": KindSpec(
            weight=200_000, category="medical", secondary=("police",), priority_shares={1: 0.8, 2: 0.2}
        ),
        "women": KindSpec(weight=72_000, category="women", priority_shares={1: 0.4, 2: 0.5, 3: 0.1}),
        "fire": KindSpec(weight=8_000, category="fire", priority_shares={1: 0.8, 2: 0.2}),
        "child": KindSpec(weight=6_000, category="child", priority_shares={1: 0.3, 2: 0.6, 3: 0.1}),
    }


def _default_on_scene() -> dict[str, Duration]:
    # Time a unit spends at the scene, per service it was sent for (assumptions).
    return {
        "police": Duration(median_minutes=30, sigma=0.5),
        "medical": Duration(median_minutes=15, sigma=0.4),
        "fire": Duration(median_minutes=60, sigma=0.5),
        "women": Duration(median_minutes=40, sigma=0.5),
        "child": Duration(median_minutes=45, sigma=0.5),
    }


# Relative call volume by hour of day (0 = midnight to 1 am): nights quieter, evening peak. Assumption.
DEFAULT_HOURLY_PROFILE = (
    0.55, 0.45, 0.38, 0.33, 0.33, 0.40, 0.60, 0.80, 1.00, 1.15, 1.25, 1.30,
    1.30, 1.30, 1.25, 1.25, 1.30, 1.35, 1.45, 1.50, 1.45, 1.30, 1.05, 0.80,
)  # fmt: skip


class Scenario(BaseModel):
    """Everything about the simulated calls and crews that is not the fleet or the dispatch core."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    calls_per_day: float = Field(default=7300, ge=0)  # all calls, state-wide (domain.md)
    vehicle_share: float = Field(default=0.318, ge=0, le=1)  # 16.86 lakh helped / 53 lakh calls
    kinds: dict[str, KindSpec] = Field(default_factory=_default_kinds)
    hourly_profile: tuple[float, ...] = DEFAULT_HOURLY_PROFILE
    # Share of vehicle calls placed inside urban zones (the rest uniformly over the state's area), so
    # towns get far more calls per km² than the countryside. Assumption.
    urban_share: float = Field(default=0.45, ge=0, le=1)
    # Extra weight per district (default 1): a district twice as busy per km² as the state gets 2.
    district_weights: dict[str, float] = Field(default_factory=dict)
    # Repeat calls about the same incident (another caller nearby, or the same caller again).
    repeat_share: float = Field(default=0.15, ge=0, le=1)
    repeat_within_minutes: float = Field(default=12, gt=0)
    repeat_same_caller_share: float = Field(default=0.5, ge=0, le=1)
    repeat_radius_m: float = Field(default=150, ge=0)
    on_scene: dict[str, Duration] = Field(default_factory=_default_on_scene)
    # Medical calls: share taken to hospital (the district hospital at the nearest headquarters).
    transport_share: float = Field(default=0.7, ge=0, le=1)
    at_hospital: Duration = Duration(median_minutes=20, sigma=0.4)
    # Actual travel = the ETA model's travel time × a lognormal factor with median 1 and this sigma.
    travel_sigma: float = Field(default=0.25, ge=0, le=2)
    # After clearing, a unit drives back to its station (available on the way) or waits where it cleared.
    return_to_station: bool = True

    @field_validator("hourly_profile")
    @classmethod
    def _profile(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if len(value) != 24 or any(v < 0 for v in value) or sum(value) <= 0:
            raise ValueError("hourly_profile: 24 non-negative numbers, not all zero")
        return value

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, value: dict[str, KindSpec]) -> dict[str, KindSpec]:
        if not value or sum(k.weight for k in value.values()) <= 0:
            raise ValueError("kinds: at least one kind with a positive weight")
        return value


def load_scenario(path: Path | None) -> Scenario:
    """The default scenario, with the keys of a YAML or JSON file (if given) replacing the defaults."""
    if path is None:
        return Scenario()
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)  # JSON is YAML
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a scenario file is a mapping of settings")
    return Scenario.model_validate(data)
