"""A simulated period in numbers: response statistics per district and area type, as analytics has."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from app.simulator.engine import IncidentRecord, SimResult


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks, as PostgreSQL's `percentile_cont` (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def stats(
    incidents: Iterable[IncidentRecord], busy_s: float, unit_count: int, hours: float
) -> dict[str, Any]:
    """count, mean_s, p50_s, p90_s, within_target_pct, late, utilisation and queue_wait_p90_s of incidents."""
    reached = [i for i in incidents if i.response_s is not None]
    times = [i.response_s for i in reached if i.response_s is not None]
    within = sum(1 for i in reached if i.response_s is not None and i.response_s <= i.target_s)
    waits = [w for i in reached for w in i.waits]
    capacity = unit_count * hours * 3600.0
    return {
        "count": len(times),
        "mean_s": round(sum(times) / len(times), 1) if times else 0.0,
        "p50_s": round(percentile(times, 0.5), 1),
        "p90_s": round(percentile(times, 0.9), 1),
        "within_target_pct": round(100.0 * within / len(times), 2) if times else 0.0,
        "late": len(times) - within,
        "utilisation": round(busy_s / capacity, 4) if capacity > 0 else 0.0,
        "queue_wait_p90_s": round(percentile(waits, 0.9), 1),
    }


def run_report(result: SimResult, policy: str, fleet_scale: float) -> dict[str, Any]:
    """One run's entry of report.json: the state, then each (district, area type)."""
    busy = sum(u.busy_s for u in result.units)
    by_district_busy: dict[str, float] = {}
    by_district_units: dict[str, int] = {}
    for u in result.units:
        by_district_busy[u.district] = by_district_busy.get(u.district, 0.0) + u.busy_s
        by_district_units[u.district] = by_district_units.get(u.district, 0) + 1
    groups: dict[tuple[str, str], list[IncidentRecord]] = {}
    for i in result.incidents:
        groups.setdefault((i.district, i.area_type), []).append(i)
    rows = []
    for district, area_type in sorted(groups):
        rows.append(
            {
                "district": district,
                "area_type": area_type,
                **stats(
                    groups[(district, area_type)],
                    by_district_busy.get(district, 0.0),
                    by_district_units.get(district, 0),
                    result.hours,
                ),
            }
        )
    by_area = [
        {
            "area_type": a,
            **stats([i for i in result.incidents if i.area_type == a], busy, len(result.units), result.hours),
        }
        for a in ("urban", "rural")
    ]
    by_type: dict[str, list[float]] = {}
    for u in result.units:
        by_type.setdefault(u.type, []).append(u.busy_s)
    capacity = result.hours * 3600.0
    utilisation_by_type = {t: round(sum(b) / (len(b) * capacity), 4) for t, b in sorted(by_type.items())}
    return {
        "policy": policy,
        "fleet_scale": fleet_scale,
        "units": len(result.units),
        "incidents": len(result.incidents),
        "duplicates_linked": result.duplicates,
        "referred": result.referred,
        "unreached": sum(1 for i in result.incidents if i.response_s is None),
        "state": stats(result.incidents, busy, len(result.units), result.hours),
        "utilisation_by_type": utilisation_by_type,
        "by_area_type": by_area,
        "by_district": rows,
    }


def write_report(report: dict[str, Any], out: Path) -> Path:
    """Write report.json (stable key order, no clock in it: the same seed gives the same bytes)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def summary_table(report: dict[str, Any]) -> str:
    """A plain-text table of every run: the state, and urban and rural apart."""
    head = (
        f"{'policy':<16} {'scale':>5} {'units':>5} {'incid.':>6}  {'area':<5} {'mean':>6} {'p50':>6} "
        f"{'p90':>6} {'in target':>9} {'late':>5} {'util.':>6} {'wait p90':>8}"
    )
    lines = [head, "-" * len(head)]
    for run in report["runs"]:
        parts = [("state", run["state"])] + [(a["area_type"], a) for a in run["by_area_type"]]
        for n, (label, s) in enumerate(parts):
            lead = (
                f"{run['policy']:<16} {run['fleet_scale']:>5g} {run['units']:>5} {run['incidents']:>6}"
                if n == 0
                else " " * 35
            )
            lines.append(
                f"{lead}  {label:<5} {s['mean_s'] / 60:>5.1f}m {s['p50_s'] / 60:>5.1f}m "
                f"{s['p90_s'] / 60:>5.1f}m "
                f"{s['within_target_pct']:>8.1f}% {s['late']:>5} {100 * s['utilisation']:>5.1f}% "
                f"{s['queue_wait_p90_s'] / 60:>7.1f}m"
            )
    return "\n".join(lines)
