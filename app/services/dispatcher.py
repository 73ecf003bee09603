"""What dispatch needs besides the database: settings, geography, gazetteer, the policy and its ETA model."""

from __future__ import annotations

from dataclasses import dataclass

from app.config import Settings
from app.dispatch.gazetteer import Gazetteer
from app.dispatch.geography import ServiceArea
from app.dispatch.intake import IntakeRules
from app.dispatch.policy import DispatchPolicy, EtaModel, load_policy


@dataclass(frozen=True, slots=True)
class Dispatcher:
    """Built once per process at start-up; every use case that sends units takes it."""

    settings: Settings
    area: ServiceArea
    gazetteer: Gazetteer
    policy: DispatchPolicy
    eta: EtaModel

    @classmethod
    def build(cls, settings: Settings, area: ServiceArea, gazetteer: Gazetteer) -> Dispatcher:
        """A dispatcher with the configured policy."""
        eta = EtaModel(
            circuity=settings.circuity,
            speed_kmh={"urban": settings.speed_urban_kmh, "rural": settings.speed_rural_kmh},
            turnout_seconds=settings.turnout_seconds,
        )
        return cls(settings, area, gazetteer, load_policy(settings.dispatch_policy, eta), eta)

    @property
    def intake_rules(self) -> IntakeRules:
        """The settings that intake's pure plan decides by."""
        s = self.settings
        return IntakeRules(
            max_text_length=s.max_text_length,
            max_clock_skew_seconds=s.max_clock_skew_seconds,
            max_call_age_days=s.max_call_age_days,
            border_km=s.border_km,
            secondary_gets_unit=s.secondary_gets_unit,
            senior_priority_bump=s.samarpan_priority_bump,
            senior_bump_services=s.samarpan_bump_services,
        )
