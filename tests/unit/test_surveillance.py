"""The pure rules of smart-city surveillance, and the camera file parsers."""

from __future__ import annotations

import importlib.util
import json
import re
from datetime import UTC, datetime, timedelta
from types import ModuleType

import pytest

from app.config import Settings
from app.dispatch.registry import SERVICE_NAMES
from app.dispatch.surveillance import (
    ALERT_KIND_NAMES,
    ALERT_STATUS_NAMES,
    CAMERA_KIND_NAMES,
    KIND_RULES,
    AlertKind,
    SurveillanceRules,
    auto_dispatches,
    confirmed_service,
    describe,
    in_burst,
    plan_alert,
)
from app.errors import Invalid
from app.services.cameras import read_import_file, rows_from_csv, rows_from_geojson, validate_rows
from tests.conftest import ROOT_PATH
from tests.unit.test_geography import area

NOW = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)
RULES = SurveillanceRules.build(
    priorities={},
    auto_dispatch_confidence={"fire": 0.9, "smoke": 0.9},
    burst_window_seconds=120,
    max_clock_skew_seconds=120,
    max_age_days=7,
)
WINDOW = timedelta(minutes=2)


def test_every_kind_maps_to_a_service_and_a_priority() -> None:
    assert set(KIND_RULES) == set(AlertKind)
    for kind, rule in KIND_RULES.items():
        assert rule.category in SERVICE_NAMES and 1 <= rule.priority <= 3, kind
    assert (KIND_RULES[AlertKind.SOS_BUTTON].category, KIND_RULES[AlertKind.SOS_BUTTON].priority) == (
        "police",
        1,
    )
    assert KIND_RULES[AlertKind.FIRE].category == KIND_RULES[AlertKind.SMOKE].category == "fire"
    assert KIND_RULES[AlertKind.ACCIDENT].secondary == ("police",)


def test_a_panic_press_always_dispatches_at_once_whatever_the_settings() -> None:
    assert auto_dispatches(AlertKind.SOS_BUTTON, 0.0, {})
    plan = plan_alert(AlertKind.SOS_BUTTON, None, None, now=NOW, rules=RULES)
    assert (plan.auto_dispatch, plan.confidence, plan.category, plan.priority) == (True, 1.0, "police", 1)
    assert plan.at == NOW  # no time given: now


@pytest.mark.parametrize(
    ("kind", "confidence", "expected"),
    [
        (AlertKind.FIRE, 0.9, True),  # the threshold is inclusive
        (AlertKind.FIRE, 0.8999, False),
        (AlertKind.SMOKE, 1.0, True),
        (AlertKind.CROWD, 1.0, False),  # not listed: always reviewed
        (AlertKind.ACCIDENT, 0.99, False),
    ],
)
def test_video_alerts_dispatch_at_once_only_when_listed_and_confident(
    kind: AlertKind, confidence: float, expected: bool
) -> None:
    assert plan_alert(kind, confidence, NOW, now=NOW, rules=RULES).auto_dispatch is expected


def test_priorities_can_be_overridden_kind_by_kind() -> None:
    rules = SurveillanceRules.build(
        priorities={"crowd": 1},
        auto_dispatch_confidence={},
        burst_window_seconds=60,
        max_clock_skew_seconds=120,
        max_age_days=7,
    )
    assert plan_alert(AlertKind.CROWD, 0.5, NOW, now=NOW, rules=rules).priority == 1
    assert plan_alert(AlertKind.SMOKE, 0.99, NOW, now=NOW, rules=rules).priority == 2  # default kept
    assert plan_alert(AlertKind.SMOKE, 0.99, NOW, now=NOW, rules=rules).auto_dispatch is False


def test_settings_refuse_unknown_kinds_and_confidences_outside_0_to_1() -> None:
    with pytest.raises(ValueError, match="camera_auto_dispatch_confidence"):
        Settings(env="test", camera_auto_dispatch_confidence={"explosion": 0.5})
    with pytest.raises(ValueError, match="camera_auto_dispatch_confidence"):
        Settings(env="test", camera_auto_dispatch_confidence={"fire": 1.5})
    with pytest.raises(ValueError, match="camera_alert_priority"):
        Settings(env="test", camera_alert_priority={"fire": 4})


@pytest.mark.parametrize(
    ("at", "confidence", "field"),
    [
        (NOW + timedelta(seconds=121), 0.5, "at:"),
        (NOW - timedelta(days=7, seconds=1), 0.5, "at:"),
        (NOW, None, "confidence:"),
    ],
)
def test_bad_reports_are_refused_naming_the_field(at: datetime, confidence: float | None, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        plan_alert(AlertKind.CROWD, confidence, at, now=NOW, rules=RULES)
    assert refused.value.detail.startswith(field)


def test_a_time_within_the_skew_is_accepted_and_sets_the_burst_window() -> None:
    at = NOW + timedelta(seconds=120)
    plan = plan_alert(AlertKind.CROWD, 0.5, at, now=NOW, rules=RULES)
    assert (plan.window_start, plan.window_end) == (at - WINDOW, at + WINDOW)


def test_the_burst_window_slides_with_each_report_and_takes_stragglers() -> None:
    first, last = NOW, NOW + timedelta(minutes=5)  # a burst that has been going on for 5 minutes
    assert in_burst(first, last, last + WINDOW, WINDOW)
    assert not in_burst(first, last, last + WINDOW + timedelta(seconds=1), WINDOW)
    assert in_burst(first, last, first - WINDOW, WINDOW)  # reported late, seen just before the first
    assert not in_burst(first, last, first - WINDOW - timedelta(seconds=1), WINDOW)
    assert in_burst(first, last, first + timedelta(minutes=2), WINDOW)


def test_confirming_keeps_the_kinds_companions_only_with_its_own_service() -> None:
    assert confirmed_service(AlertKind.ACCIDENT, RULES, None, None) == ("medical", ("police",), 1)
    assert confirmed_service(AlertKind.ACCIDENT, RULES, "police", 2) == ("police", (), 2)
    assert confirmed_service(AlertKind.FIGHT, RULES, "women", 1) == ("women", (), 1)
    assert confirmed_service(AlertKind.CROWD, RULES, None, None) == ("police", (), 2)


def test_the_call_record_names_the_camera_and_what_it_saw() -> None:
    assert (
        describe(AlertKind.SOS_BUTTON, "P-1", "Jaistambh", 1.0)
        == "Panic pole P-1 (Jaistambh): panic button pressed"
    )
    # "road accident" is the phrase the volumes report counts as road-accident help.
    assert "road accident" in describe(AlertKind.ACCIDENT, "C-1", "Ring road", 0.8)
    assert describe(AlertKind.FIRE, "C-2", "Market", 0.934).endswith("fire detected, confidence 0.93")


def _migration() -> ModuleType:
    path = next((ROOT_PATH / "alembic" / "versions").glob("*-0010_smart_city_surveillance.py"))
    spec = importlib.util.spec_from_file_location("migration_0010", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migrations_lists_are_the_codes() -> None:
    m = _migration()

    def names(sql_list: str) -> tuple[str, ...]:
        return tuple(re.findall(r"'([a-z_]+)'", sql_list))

    assert names(m.CAMERA_KINDS) == CAMERA_KIND_NAMES
    assert names(m.ALERT_KINDS) == ALERT_KIND_NAMES
    assert names(m.ALERT_STATUSES) == ALERT_STATUS_NAMES


# ------------------------------------------------------------------------------------------ camera files


def test_csv_rows_keep_their_line_numbers_and_skip_blank_lines() -> None:
    rows = rows_from_csv(
        "code,name,kind,lat,lon,district,notes\n"
        "A-1,One,fixed,21.25,81.63,,ignored column\n"
        ",,,,,,\n"
        "A-2,Two,ptz,21.26,81.64,Raipur,\n"
    )
    assert rows == [
        ("line 2", {"code": "A-1", "name": "One", "kind": "fixed", "lat": "21.25", "lon": "81.63"}),
        (
            "line 4",
            {
                "code": "A-2",
                "name": "Two",
                "kind": "ptz",
                "lat": "21.26",
                "lon": "81.64",
                "district": "Raipur",
            },
        ),
    ]
    with pytest.raises(ValueError, match="missing column"):
        rows_from_csv("code,name\nA,B\n")


def test_geojson_features_need_a_point() -> None:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [81.63, 21.25]},
                "properties": {"code": "G-1", "name": "One", "kind": "anpr", "owner": "ICCC"},
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[81.6, 21.2], [81.7, 21.3]]},
                "properties": {"code": "G-2", "name": "Two", "kind": "fixed"},
            },
        ],
    }
    rows = rows_from_geojson(collection)
    assert rows[0] == (
        "feature 0",
        {"code": "G-1", "name": "One", "kind": "anpr", "lat": 21.25, "lon": 81.63},
    )
    good, errors = validate_rows(rows, area(), border_km=20)
    assert [g[0] for g in good] == ["G-1"] and good[0][5] == "Raipur"
    assert errors == ["feature 1: geometry: a Point [lon, lat] is required"]
    assert read_import_file("x.csv", json.dumps(collection))[0][0] == "feature 0"  # JSON content wins
    with pytest.raises(ValueError, match="FeatureCollection"):
        rows_from_geojson({"type": "Feature"})


def test_rows_are_checked_like_the_api_does() -> None:
    rows = [
        ("line 2", {"code": "OK-1", "name": "Fine", "kind": "fixed", "lat": "21.25", "lon": "81.63"}),
        ("line 3", {"code": "OK-2", "name": "Fine", "kind": "dome", "lat": "21.25", "lon": "81.63"}),
        ("line 4", {"code": "OK-3", "name": "Far", "kind": "fixed", "lat": "19.07", "lon": "72.88"}),
        (
            "line 5",
            {
                "code": "OK-4",
                "name": "Fine",
                "kind": "fixed",
                "lat": "21.25",
                "lon": "81.63",
                "district": "X",
            },
        ),
        ("line 6", {"code": "OK-1", "name": "Again", "kind": "fixed", "lat": "21.25", "lon": "81.63"}),
        ("line 7", {"code": "OK-5", "name": "Fine", "kind": "fixed", "lat": "north", "lon": "81.63"}),
    ]
    good, errors = validate_rows(rows, area(), border_km=20)
    assert [g[0] for g in good] == ["OK-1"]
    assert [e.split(":")[0] + ":" + e.split(":")[1] for e in errors] == [
        "line 3: kind",
        "line 4: lat/lon",
        "line 5: district",
        "line 6: code",
        "line 7: lat",
    ]
