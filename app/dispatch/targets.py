"""Response targets: the defaults a deployment starts with (rules live in the database, newest wins)."""

from __future__ import annotations

# docs/domain.md: help reached callers within 16 min urban / 28 min rural in the Chhattisgarh review.
DEFAULT_TARGET_MINUTES = {"urban": 16.0, "rural": 28.0}
