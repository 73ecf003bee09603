"""The unit lifecycle (docs/domain.md): which status may follow which, and what each step stamps."""

from __future__ import annotations

# available → dispatched → en_route → on_scene → (transporting → at_hospital) → available,
# plus out_of_service.
# A unit that drops out before arriving (dispatched/en_route → available or out_of_service) is withdrawn:
# its service goes back to the incident, which is dispatched again at once.
TRANSITIONS: dict[str, frozenset[str]] = {
    "available": frozenset({"out_of_service"}),
    "dispatched": frozenset({"en_route", "on_scene", "available", "out_of_service"}),
    "en_route": frozenset({"on_scene", "available", "out_of_service"}),
    "on_scene": frozenset({"transporting", "available"}),
    "transporting": frozenset({"at_hospital", "available"}),
    "at_hospital": frozenset({"available"}),
    "out_of_service": frozenset({"available"}),
}

# The assignment timestamp each status stamps (dispatched_at is stamped by the claim itself).
STAMPS: dict[str, str] = {
    "en_route": "en_route_at",
    "on_scene": "on_scene_at",
    "transporting": "transporting_at",
    "at_hospital": "at_hospital_at",
}

BEFORE_ARRIVAL = frozenset({"dispatched", "en_route"})


def can_move(current: str, new: str) -> bool:
    """True when the lifecycle allows current → new."""
    return new in TRANSITIONS.get(current, frozenset())


def allowed_next(current: str) -> list[str]:
    """The statuses that may follow current, sorted."""
    return sorted(TRANSITIONS.get(current, frozenset()))
