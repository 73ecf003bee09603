"""`dial112 simulate` end to end on a short day, and its answers to bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings, get_settings
from app.simulator import command
from app.simulator.fleet import load_fleet
from app.simulator.scenario import load_scenario
from app.simulator.world import load_world

WORLD = load_world(Settings(env="test").geography_dir)


@pytest.fixture(autouse=True)
def test_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command reads settings from the environment, as the CLI does; here a test one."""
    monkeypatch.setenv("DIAL112_ENV", "test")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_simulate_writes_report_and_charts_and_prints_the_table(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    done = CliRunner().invoke(
        cli, ["simulate", "--hours", "2", "--seed", "3", "--fleet-scale", "0.5,1", "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert "fastest_arrival" in done.output and "coverage_aware" in done.output
    assert "simulating" not in done.output  # not a terminal: no progress bar
    report = json.loads((out / "report.json").read_text())
    assert (report["seed"], report["hours"]) == (3, 2.0)
    assert [(r["policy"], r["fleet_scale"]) for r in report["runs"]] == [
        ("fastest_arrival", 0.5),
        ("coverage_aware", 0.5),
        ("fastest_arrival", 1.0),
        ("coverage_aware", 1.0),
    ]
    assert report["runs"][0]["units"] < report["runs"][2]["units"]
    for name in ("response_times.png", "compliance_by_district.png", "fleet_scale.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_progress_bar_only_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command, "is_terminal", lambda: True)
    done = CliRunner().invoke(
        cli, ["simulate", "--hours", "1", "--policy", "fastest_arrival", "--out", str(tmp_path)]
    )
    assert done.exit_code == 0, done.output
    assert "simulating" in done.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fleet-scale", "0.5,abc"], "--fleet-scale: 'abc' is not a number"),
        (["--fleet-scale", "0"], "--fleet-scale: 0 is outside"),
        (["--hours", "0"], "--hours: must be more than 0"),
        (["--policy", "app.dispatch.policy:NoSuchPolicy"], "NoSuchPolicy"),
    ],
)
def test_bad_arguments_exit_2_naming_the_option(tmp_path: Path, args: list[str], message: str) -> None:
    done = CliRunner().invoke(cli, ["simulate", "--out", str(tmp_path), *args])
    assert done.exit_code == 2
    assert message in done.output


def test_fleet_file_errors_name_the_unit_and_field(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    good = {"callsign": "A-1", "type": "police_erv", "district": "Raipur", "lat": 21.25, "lon": 81.63}
    path.write_text(json.dumps({"units": [good]}))
    assert [u.callsign for u in load_fleet(path, WORLD)] == ["A-1"]
    for units, message in [
        ([good, good | {"type": "tank"}], "units.1.type"),
        ([good, good | {"district": "Atlantis"}], "units.1.district: unknown district 'Atlantis'"),
        ([good, good], "units.1.callsign: 'A-1' appears twice"),
        ([], "no units"),
    ]:
        path.write_text(json.dumps(units))
        with pytest.raises(ValueError, match=message.replace(".", r"\.")):
            load_fleet(path, WORLD)


def test_scenario_file_overrides_defaults_and_rejects_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(
        "calls_per_day: 1000\nurban_share: 0.2\non_scene:\n  police: {median_minutes: 45, sigma: 0.3}\n"
    )
    scenario = load_scenario(path)
    assert (scenario.calls_per_day, scenario.urban_share) == (1000, 0.2)
    assert scenario.on_scene["police"].median_minutes == 45
    path.write_text("calls_per_dya: 1000\n")
    with pytest.raises(ValueError, match="calls_per_dya"):
        load_scenario(path)
    path.write_text("hourly_profile: [1, 2]\n")
    with pytest.raises(ValueError, match="hourly_profile"):
        load_scenario(path)
