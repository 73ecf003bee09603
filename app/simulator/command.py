"""`dial112 simulate`: read the inputs, run every policy × fleet scale, write report.json and charts."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.config import Settings
from app.simulator.charts import write_charts
from app.simulator.fleet import demo, load_fleet
from app.simulator.report import summary_table, write_report
from app.simulator.runner import Run, simulate
from app.simulator.scenario import load_scenario
from app.simulator.world import load_world

MAX_HOURS = 24 * 31
SCALE_RANGE = (0.1, 5.0)


@dataclass(frozen=True)
class Outcome:
    """What a simulate command produced: the report, the runs, and the files written."""

    report: dict[str, Any]
    runs: list[Run]
    files: list[Path]


def parse_scales(text: str) -> list[float]:
    """`0.5,1,1.5` → [0.5, 1.0, 1.5]; a clear error for anything else."""
    scales: list[float] = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            raise ValueError(f"--fleet-scale: {part.strip()!r} is not a number") from None
        if not SCALE_RANGE[0] <= value <= SCALE_RANGE[1]:
            raise ValueError(f"--fleet-scale: {value:g} is outside {SCALE_RANGE[0]:g}..{SCALE_RANGE[1]:g}")
        if value not in scales:
            scales.append(value)
    return scales


def run_command(
    settings: Settings,
    *,
    hours: float,
    seed: int,
    policies: list[str],
    fleet_file: Path | None,
    scales: list[float],
    scenario_file: Path | None,
    stay_where_cleared: bool,
    out: Path,
    progress: Callable[[int, float], None] | None = None,
) -> Outcome:
    """Run the simulation the command line describes and write its outputs into `out`."""
    if not 0 < hours <= MAX_HOURS:
        raise ValueError(f"--hours: must be more than 0 and at most {MAX_HOURS}")
    world = load_world(settings.geography_dir)
    scenario = load_scenario(scenario_file)
    if stay_where_cleared:
        scenario = scenario.model_copy(update={"return_to_station": False})
    fleet = load_fleet(fleet_file, world) if fleet_file is not None else demo(world)
    report, runs = simulate(
        settings,
        world,
        fleet,
        scenario,
        hours=hours,
        seed=seed,
        policies=policies,
        scales=scales,
        on_progress=progress,
    )
    files = [write_report(report, out), *write_charts(runs, out)]
    return Outcome(report, runs, files)


def is_terminal() -> bool:
    """True when stdout is a terminal (the progress bar is drawn only then)."""
    return sys.stdout.isatty()


__all__ = ["Outcome", "is_terminal", "parse_scales", "run_command", "summary_table"]
