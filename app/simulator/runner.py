"""Running the simulator: one run per policy × fleet scale over the same calls, and the report of them all."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.config import Settings
from app.dispatch.gazetteer import Gazetteer
from app.dispatch.policy import BUILT_IN_POLICIES, DispatchPolicy, EtaModel
from app.services.dispatcher import Dispatcher
from app.simulator.arrivals import SimCall, generate_calls
from app.simulator.engine import SimResult, Simulation
from app.simulator.fleet import FleetUnit, scale_fleet
from app.simulator.report import run_report
from app.simulator.scenario import Scenario
from app.simulator.world import World


@dataclass(frozen=True)
class Run:
    """One policy on one fleet size: its report entry and the raw result (for charts)."""

    policy: str
    fleet_scale: float
    report: dict[str, Any]
    result: SimResult


def dispatch_core(settings: Settings, world: World, policy: str) -> tuple[DispatchPolicy, EtaModel]:
    """The policy and ETA model as the service builds them, with `policy` as DIAL112_DISPATCH_POLICY."""
    configured = settings.model_copy(update={"dispatch_policy": BUILT_IN_POLICIES.get(policy, policy)})
    d = Dispatcher.build(configured, world.area, Gazetteer([]))
    return d.policy, d.eta


def run_one(
    settings: Settings,
    world: World,
    fleet: Sequence[FleetUnit],
    policy: str,
    calls: Sequence[SimCall],
    hours: float,
    *,
    return_to_station: bool = True,
    on_progress: Callable[[float], None] | None = None,
) -> SimResult:
    """Simulate one policy with one fleet over the given calls."""
    chosen, eta = dispatch_core(settings, world, policy)
    sim = Simulation(settings, world, fleet, chosen, eta, return_to_station=return_to_station)
    return sim.run(calls, hours, on_progress)


def simulate(
    settings: Settings,
    world: World,
    fleet: Sequence[FleetUnit],
    scenario: Scenario,
    *,
    hours: float,
    seed: int,
    policies: Sequence[str],
    scales: Sequence[float] = (1.0,),
    on_progress: Callable[[int, float], None] | None = None,
) -> tuple[dict[str, Any], list[Run]]:
    """Every policy at every fleet scale over the same calls; report.json's content and the runs.

    All runs see the same calls and the same chance draws (time on scene, travel variation), so a
    difference between two runs is the policy's or the fleet's, not luck's.
    """
    calls = generate_calls(world, scenario, hours, seed)
    runs: list[Run] = []
    for scale in scales:
        units = scale_fleet(list(fleet), scale) if scale != 1.0 else list(fleet)
        for policy in policies:
            index = len(runs)
            progress = None if on_progress is None else (lambda t, i=index: on_progress(i, t))
            result = run_one(
                settings,
                world,
                units,
                policy,
                calls,
                hours,
                return_to_station=scenario.return_to_station,
                on_progress=progress,
            )
            runs.append(Run(policy, scale, run_report(result, policy, scale), result))
    report = {
        "seed": seed,
        "hours": int(hours) if float(hours).is_integer() else hours,
        "calls": len(calls),
        "runs": [r.report for r in runs],
    }
    return report, runs
