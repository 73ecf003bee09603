"""Samarpan's pure rules: age on the day of application, E.164 numbers, IST days, visits, the bump."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from app.dispatch.gazetteer import Gazetteer
from app.dispatch.intake import CallFacts, IntakeRules, plan_call
from app.dispatch.samarpan import (
    EmergencyContact,
    MemberAtCall,
    age_on,
    caller_key,
    eligibility_problem,
    is_overdue,
    ist_day,
    next_visit_due,
    normalise_phone,
    raised_priority,
)
from app.errors import Invalid
from tests.unit.test_geography import area

# 00:30 IST on 29 November is still 28 November in UTC.
NOW = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)
RULES = IntakeRules(
    max_text_length=500,
    max_clock_skew_seconds=120,
    max_call_age_days=7,
    border_km=20,
    secondary_gets_unit=("police", "medical", "fire"),
    senior_priority_bump=True,
    senior_bump_services=("medical", "police"),
)
HOME = (21.2621, 81.5930)  # Tatibandh, Raipur
MEMBER = MemberAtCall(
    id=7,
    name="Kamla Bai",
    date_of_birth=date(1948, 11, 29),
    lives_alone=True,
    conditions=("diabetes",),
    mobility="walks with a stick",
    emergency_contacts=(EmergencyContact("Ramesh", "son", "+919425000000"),),
    home_lat=HOME[0],
    home_lon=HOME[1],
    address="House 12, Ward 4, Tatibandh, Raipur",
)


def test_the_ist_day_is_not_the_utc_day_after_six_thirty_in_the_evening_utc() -> None:
    assert ist_day(NOW) == date(2026, 11, 29)
    assert ist_day(NOW - timedelta(minutes=31)) == date(2026, 11, 28)
    with pytest.raises(ValueError):
        ist_day(datetime(2026, 11, 28, 19, 0))  # naive: no day can be told


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1966, 11, 29), date(2026, 11, 29), 60),  # the birthday itself
        (date(1966, 11, 30), date(2026, 11, 29), 59),  # the day before it
        (date(1964, 2, 29), date(2025, 2, 28), 60),  # a leap-day birthday in a common year: not yet
        (date(1964, 2, 29), date(2025, 3, 1), 61),
    ],
)
def test_age_counts_whole_years_completed_on_the_day(born: date, on: date, age: int) -> None:
    assert age_on(born, on) == age


def test_eligibility_is_judged_on_the_day_of_application() -> None:
    assert eligibility_problem(date(1966, 11, 29), date(2026, 11, 29)) is None
    too_young = eligibility_problem(date(1966, 11, 30), date(2026, 11, 29))
    assert too_young is not None and "59" in too_young
    assert eligibility_problem(date(2027, 1, 1), date(2026, 11, 29)) is not None
    assert eligibility_problem(date(1850, 1, 1), date(2026, 11, 29)) is not None


@pytest.mark.parametrize(
    "written",
    ["+91 98270 12345", "+91-98270-12345", "098270 12345", "9827012345", "+919827012345", " 98270-12345 "],
)
def test_indian_numbers_in_their_usual_written_forms_become_one_e164_number(written: str) -> None:
    assert normalise_phone(written) == "+919827012345"


@pytest.mark.parametrize(
    "bad", ["12345", "", "   ", "abcdefghij", "+91 98270", "9" * 31, "+91 55555 55555", "+91 98270 123456"]
)
def test_numbers_that_cannot_be_normalised_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        normalise_phone(bad)
    assert caller_key(bad) is None


def test_a_landline_with_its_std_code_and_a_foreign_number_are_kept() -> None:
    assert normalise_phone("0771 2345678") == "+917712345678"  # Raipur landline
    assert normalise_phone("+1 650 253 0000") == "+16502530000"


def test_visits_are_due_an_interval_after_verification_then_after_the_latest_visit() -> None:
    verified = date(2026, 11, 29)
    assert next_visit_due(verified, None, 7) == date(2026, 12, 6)
    assert next_visit_due(verified, date(2026, 12, 4), 7) == date(2026, 12, 11)
    assert next_visit_due(verified, date(2026, 12, 4), 14) == date(2026, 12, 18)
    # A visit before verification (the officer's own check) does not pull the schedule back.
    assert next_visit_due(verified, date(2026, 11, 27), 7) == date(2026, 12, 6)
    with pytest.raises(ValueError):
        next_visit_due(verified, None, 0)


def test_a_visit_is_overdue_only_after_its_due_day() -> None:
    due = date(2026, 12, 6)
    assert not is_overdue(due, date(2026, 12, 5))
    assert not is_overdue(due, due)
    assert is_overdue(due, date(2026, 12, 7))


@pytest.mark.parametrize(
    ("priority", "category", "raised"),
    [(3, "medical", 2), (2, "police", 1), (1, "medical", 1), (2, "fire", 2), (3, "women", 3)],
)
def test_a_members_medical_or_police_call_is_one_step_more_urgent(
    priority: int, category: str, raised: int
) -> None:
    assert raised_priority(priority, category, ("medical", "police")) == raised


def plan(member: MemberAtCall | None = MEMBER, rules: IntakeRules = RULES, **kw: object):  # type: ignore[no-untyped-def]
    fields: dict[str, object] = {
        "lat": None,
        "lon": None,
        "address": None,
        "received_at": None,
        "category": "medical",
        "priority": 3,
    } | kw
    facts = CallFacts("mai gir gayi hoon, uth nahi pa rahi", **fields)  # type: ignore[arg-type]
    return plan_call(facts, now=NOW, rules=rules, area=area(), gazetteer=Gazetteer([]), member=member)


def test_a_members_call_without_a_location_is_placed_at_the_registered_home() -> None:
    p = plan()
    assert (p.lat, p.lon, p.location_source, p.district) == (*HOME, "registered_home", "Raipur")
    assert p.senior is not None and p.senior.as_dict() == {
        "id": 7,
        "name": "Kamla Bai",
        "age": 78,  # the 29th in IST is her birthday: 78, though UTC still says the 28th
        "lives_alone": True,
        "conditions": ["diabetes"],
        "mobility": "walks with a stick",
        "emergency_contacts": [{"name": "Ramesh", "relation": "son", "phone": "+919425000000"}],
    }
    assert (p.priority, p.priority_before_bump) == (2, 3)


def test_a_members_call_with_a_location_keeps_it_and_a_non_member_without_one_is_refused() -> None:
    p = plan(lat=21.2514, lon=81.6296)
    assert (p.lat, p.lon, p.location_source) == (21.2514, 81.6296, "caller")
    with pytest.raises(Invalid) as caught:
        plan(member=None)
    assert caught.value.detail.startswith("location")
    other = plan(member=None, lat=21.2514, lon=81.6296)
    assert (other.senior, other.priority, other.priority_before_bump, other.location_source) == (
        None,
        3,
        None,
        "caller",
    )


def test_the_bump_can_be_switched_off_and_leaves_other_services_alone() -> None:
    p = plan(rules=_rules(senior_priority_bump=False))
    assert (p.priority, p.priority_before_bump) == (3, None) and p.senior is not None
    fire = plan(category="fire", priority=2)
    assert (fire.priority, fire.priority_before_bump) == (2, None)


def _rules(**changes: object) -> IntakeRules:
    return dataclasses.replace(RULES, **changes)  # type: ignore[arg-type]
