"""PNG charts of a simulation: response-time curves against the targets, compliance, fleet size."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# Figures are built with matplotlib's object API and written by its Agg renderer: no pyplot, no
# global backend or window state, so charts draw the same on a server, in CI and in tests.
from matplotlib.figure import Figure

from app.dispatch.targets import DEFAULT_TARGET_MINUTES
from app.simulator.runner import Run

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
# PNGs without a creation time or software version, so the same run writes the same bytes.
PNG_METADATA: dict[str, str | None] = {"Software": None}


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=110, metadata=PNG_METADATA)
    return path


def _at_scale(runs: Sequence[Run], scale: float) -> list[Run]:
    return [r for r in runs if r.fleet_scale == scale]


def response_curves(runs: Sequence[Run], path: Path) -> Path:
    """Share of incidents reached within each minute, urban and rural, per policy, with the target lines."""
    fig = Figure(figsize=(10, 4.2))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, area in zip(axes, ("urban", "rural"), strict=True):
        target = DEFAULT_TARGET_MINUTES[area]
        for n, run in enumerate(runs):
            minutes = sorted(
                i.response_s / 60.0
                for i in run.result.incidents
                if i.area_type == area and i.response_s is not None
            )
            if not minutes:
                continue
            shares = [100.0 * (k + 1) / len(minutes) for k in range(len(minutes))]
            within = 100.0 * sum(1 for m in minutes if m <= target) / len(minutes)
            label = f"{run.policy} ×{run.fleet_scale:g}: {within:.1f}% in {target:g} min"
            ax.step(minutes, shares, where="post", color=COLOURS[n % len(COLOURS)], label=label, lw=1.4)
        for line in sorted(set(DEFAULT_TARGET_MINUTES.values())):
            ax.axvline(line, color="black" if line == target else "grey", ls="--", lw=1)
            ax.text(line + 0.5, 3, f"{line:g} min", fontsize=8)
        ax.axhline(90, color="grey", ls=":", lw=1)
        ax.set_xlim(0, 120)
        ax.set_ylim(0, 100)
        ax.set_title(f"{area} calls (target {target:g} min)")
        ax.set_xlabel("minutes from call to first unit on scene")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    axes[0].set_ylabel("% of incidents reached")
    fig.tight_layout()
    return _save(fig, path)


def compliance_by_district(runs: Sequence[Run], path: Path) -> Path:
    """% of incidents reached within target in each district, one bar per policy, best district on top."""
    policies = [r.policy for r in runs]
    table: dict[str, dict[str, float]] = {}
    for run in runs:
        counts: dict[str, list[int]] = {}
        for row in run.report["by_district"]:
            c = counts.setdefault(row["district"], [0, 0])
            c[0] += row["count"] - row["late"]
            c[1] += row["count"]
        for district, (within, count) in counts.items():
            table.setdefault(district, {})[run.policy] = 100.0 * within / count if count else 0.0
    districts = sorted(table, key=lambda d: (table[d].get(policies[0], 0.0), d))
    height = max(4.0, 0.28 * len(districts) + 1.2)
    fig = Figure(figsize=(8, height))
    ax = fig.subplots()
    bar = 0.8 / max(1, len(policies))
    for n, policy in enumerate(policies):
        ys = [k + n * bar for k in range(len(districts))]
        ax.barh(
            ys, [table[d].get(policy, 0.0) for d in districts], height=bar, label=policy, color=COLOURS[n]
        )
    ax.set_yticks([k + bar * (len(policies) - 1) / 2 for k in range(len(districts))], districts, fontsize=7)
    ax.axvline(90, color="grey", ls=":", lw=1)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of incidents reached within target (16 min urban, 28 min rural)")
    scale = runs[0].fleet_scale if runs else 1.0
    ax.set_title(f"Compliance by district, fleet ×{scale:g}")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def fleet_sweep(runs: Sequence[Run], path: Path) -> Path:
    """% within target against the number of units, urban and rural, one line per policy."""
    fig = Figure(figsize=(10, 4.2))
    axes = fig.subplots(1, 2, sharey=True)
    policies = list(dict.fromkeys(r.policy for r in runs))
    for ax, area in zip(axes, ("urban", "rural"), strict=True):
        for n, policy in enumerate(policies):
            mine = sorted((r for r in runs if r.policy == policy), key=lambda r: r.fleet_scale)
            xs = [r.report["units"] for r in mine]
            ys = [
                next(a for a in r.report["by_area_type"] if a["area_type"] == area)["within_target_pct"]
                for r in mine
            ]
            ax.plot(xs, ys, marker="o", color=COLOURS[n % len(COLOURS)], label=policy)
            for r, x, y in zip(mine, xs, ys, strict=True) if n == 0 else ():
                ax.annotate(
                    f"×{r.fleet_scale:g}", (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7
                )
        ax.axhline(90, color="grey", ls=":", lw=1)
        ax.set_ylim(0, 100)
        ax.set_title(f"{area} calls within {DEFAULT_TARGET_MINUTES[area]:g} min")
        ax.set_xlabel("units in the fleet")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    axes[0].set_ylabel("% of incidents reached within target")
    fig.tight_layout()
    return _save(fig, path)


def write_charts(runs: Sequence[Run], out: Path) -> list[Path]:
    """All charts for these runs into `out`; the fleet-size chart only when more than one scale ran."""
    out.mkdir(parents=True, exist_ok=True)
    scales = list(dict.fromkeys(r.fleet_scale for r in runs))
    base = 1.0 if 1.0 in scales else scales[0]
    written = [
        response_curves(_at_scale(runs, base), out / "response_times.png"),
        compliance_by_district(_at_scale(runs, base), out / "compliance_by_district.png"),
    ]
    if len(scales) > 1:
        written.append(fleet_sweep(runs, out / "fleet_scale.png"))
    return written
