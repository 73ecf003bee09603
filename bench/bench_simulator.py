"""Simulator speed: simulated calls per second over a whole-state day, against baselines in the same run.

Run: .venv/bin/python bench/bench_simulator.py [--hours 24] [--rounds 2]
A 24-hour day of the whole state (the review's ~7,300 calls, of which ~2,600 need a vehicle, repeat
calls included) with the demo fleet (401 units), once per configuration:
  - fastest_arrival and coverage_aware: the two built-in policies, through the service's own core;
  - brute force: fastest_arrival handed every free unit instead of the nearest 5 per type (the
    baseline the nearest-units mirror saves us from);
  - fastest_arrival with the fleet ×1.5 (no queue builds up: a lighter day for the core).
Then the whole command (`dial112 simulate --hours 24`: both policies, report and charts) against the
30 s target. Best of N rounds: a shared machine only ever makes a round slower.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.simulator.arrivals import generate_calls  # noqa: E402
from app.simulator.command import run_command  # noqa: E402
from app.simulator.fleet import demo, scale_fleet  # noqa: E402
from app.simulator.runner import run_one  # noqa: E402
from app.simulator.scenario import Scenario  # noqa: E402
from app.simulator.world import load_world  # noqa: E402


def main() -> None:
    """Time each configuration and print calls per second and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    settings = Settings(env="test")
    world = load_world(settings.geography_dir)
    fleet = demo(world)
    started = time.perf_counter()
    calls = generate_calls(world, Scenario(), args.hours, seed=7)
    generated = time.perf_counter() - started
    print(f"{len(calls)} calls needing a vehicle in {args.hours:g} h, {len(fleet)} units")
    print(f"calls generated in {generated:.2f} s")

    configs = [
        ("fastest_arrival", settings, fleet),
        ("coverage_aware", settings, fleet),
        (
            "brute force (every free unit a candidate)",
            settings.model_copy(update={"candidates_per_type": 100_000}),
            fleet,
        ),
        ("fastest_arrival, fleet ×1.5", settings, scale_fleet(fleet, 1.5)),
    ]
    rates: dict[str, float] = {}
    choices: dict[str, list[tuple[int, str, str]]] = {}
    print(f"{'configuration':<44} {'best s':>7} {'calls/s':>8} {'dispatches':>10} {'sim h per s':>11}")
    for label, s, units in configs:
        policy = "coverage_aware" if label == "coverage_aware" else "fastest_arrival"
        best = float("inf")
        dispatches = 0
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            result = run_one(s, world, units, policy, calls, args.hours)
            best = min(best, time.perf_counter() - t0)
            dispatches = len(result.assignments)
        rates[label] = len(calls) / best
        choices[label] = [(a.call_id, a.service, a.callsign) for a in result.assignments]
        print(f"{label:<44} {best:>7.2f} {rates[label]:>8.0f} {dispatches:>10} {args.hours / best:>11.1f}")
    base = rates["fastest_arrival"]
    print(f"coverage_aware / fastest_arrival: {rates['coverage_aware'] / base:.2f}x the speed")
    brute = rates["brute force (every free unit a candidate)"]
    print(f"fastest_arrival / brute force: {base / brute:.2f}x the speed")
    same = choices["fastest_arrival"] == choices["brute force (every free unit a candidate)"]
    print(f"brute force chose the same unit for every call and service: {'yes' if same else 'NO'}")

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        run_command(
            settings,
            hours=args.hours,
            seed=7,
            policies=["fastest_arrival", "coverage_aware"],
            fleet_file=None,
            scales=[1.0],
            scenario_file=None,
            stay_where_cleared=False,
            out=Path(out),
        )
        whole = time.perf_counter() - t0
    print(f"whole command, {args.hours:g} h, both policies, report and charts: {whole:.1f} s (target < 30 s)")


if __name__ == "__main__":
    main()
