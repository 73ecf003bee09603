"""Response targets: which target applies to an incident (most specific rule wins)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# domain.md: help reached callers within 16 min urban / 28 min rural in the Chhattisgarh review.
DEFAULT_TARGET_MINUTES = {"urban": 16.0, "rural": 28.0}


@dataclass(frozen=True, slots=True)
class TargetRule:
    """A target for an area type, optionally narrowed to a district and/or a category."""

    area_type: str
    minutes: float
    district: str | None = None
    category: str | None = None


def target_minutes(rules: Iterable[TargetRule], area_type: str, district: str, category: str | None) -> float:
    """The target for an incident: district+category beats district beats category beats area type."""
    best: tuple[int, float] | None = None
    for rule in rules:
        if rule.area_type != area_type:
            continue
        if rule.district is not None and rule.district != district:
            continue
        if rule.category is not None and rule.category != category:
            continue
        rank = (2 if rule.district else 0) + (1 if rule.category else 0)
        if best is None or rank > best[0]:
            best = (rank, rule.minutes)
    if best is not None:
        return best[1]
    return DEFAULT_TARGET_MINUTES.get(area_type, DEFAULT_TARGET_MINUTES["rural"])
