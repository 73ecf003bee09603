"""Samarpan's pure rules: age on a day, phone numbers in E.164, the IST day, visits, the priority bump.

Senior citizens who live alone register with their police station (docs/domain.md, "Samarpan
campaign"); when one of them calls 112 the call is flagged. No I/O and no clock here: every "today"
is an IST day computed from an instant passed in, never from the machine's zone.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

IST = ZoneInfo("Asia/Kolkata")
MIN_AGE = 60  # the campaign is for citizens of 60 and over, on the day they apply
MAX_AGE = 130  # an older date of birth is a typing error
DEFAULT_REGION = "IN"  # numbers without a country code are Indian
MAX_PHONE_LENGTH = 30  # the longest written form accepted (spaces and dashes included)

# How a call's location was found (`location_source` on every incident).
LOCATION_CALLER = "caller"
LOCATION_GAZETTEER = "gazetteer"
LOCATION_REGISTERED_HOME = "registered_home"
LOCATION_SOURCES = (LOCATION_CALLER, LOCATION_GAZETTEER, LOCATION_REGISTERED_HOME)


def ist_day(at: datetime) -> date:
    """The IST calendar day of an instant (the control room's day, whatever the machine's zone)."""
    if at.tzinfo is None:
        raise ValueError("an instant needs a time zone to have an IST day")
    return at.astimezone(IST).date()


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years completed on `day` (someone born on 29 February turns a year older on 1 March)."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def eligibility_problem(date_of_birth: date, applied_on: date) -> str | None:
    """Why a date of birth cannot be accepted on the day of application (None when it can)."""
    if date_of_birth >= applied_on:
        return f"{date_of_birth.isoformat()} is not before the day of application ({applied_on.isoformat()})"
    age = age_on(date_of_birth, applied_on)
    if age > MAX_AGE:
        return f"{date_of_birth.isoformat()} gives an age of {age}; check the date"
    if age < MIN_AGE:
        return (
            f"the applicant is {age} on {applied_on.isoformat()}, the day of application; "
            f"Samarpan is for citizens of {MIN_AGE} and over"
        )
    return None


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """A phone number in E.164 (`+919827012345`); `+91`, spaces, dashes and a leading 0 are accepted.

    Raises ValueError for anything that is not a valid number (too short, wrong length for India,
    letters).
    """
    text = raw.strip()
    if not text or len(text) > MAX_PHONE_LENGTH:
        raise ValueError(f"{raw!r} is not a phone number")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{raw!r} is not a phone number ({exc})") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def caller_key(raw: str | None) -> str | None:
    """The E.164 form of a caller's number to look a member up by; None when it cannot be read."""
    if raw is None:
        return None
    try:
        return normalise_phone(raw)
    except ValueError:
        return None  # an unreadable number is simply not a member's


def next_visit_due(verified_on: date, last_visit_on: date | None, interval_days: int) -> date:
    """The day the next welfare visit is due: the interval after the last visit, or after verification."""
    if interval_days < 1:
        raise ValueError("the visit interval is at least one day")
    start = verified_on if last_visit_on is None else max(verified_on, last_visit_on)
    return start + timedelta(days=interval_days)


def is_overdue(due_on: date, by: date) -> bool:
    """A visit due before the reference day is overdue on that day (due that very day is not yet)."""
    return due_on < by


def raised_priority(priority: int, category: str, services: Collection[str]) -> int:
    """One step more urgent for a member's call whose need is one of `services`; 1 stays 1."""
    if category in services:
        return max(1, priority - 1)
    return priority


@dataclass(frozen=True, slots=True)
class EmergencyContact:
    """Someone to tell: name, relation to the member, phone."""

    name: str
    relation: str
    phone: str

    def as_dict(self) -> dict[str, str]:
        """The contact as it appears on an incident."""
        return {"name": self.name, "relation": self.relation, "phone": self.phone}


@dataclass(frozen=True, slots=True)
class MemberAtCall:
    """What intake needs to know about a verified, active member who is calling."""

    id: int
    name: str
    date_of_birth: date
    lives_alone: bool
    conditions: tuple[str, ...]
    mobility: str | None
    emergency_contacts: tuple[EmergencyContact, ...]
    home_lat: float
    home_lon: float
    address: str | None = None

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> MemberAtCall:
        """From a registry row (id, name, date_of_birth, ..., lat, lon)."""
        return cls(
            id=row["id"],
            name=row["name"],
            date_of_birth=row["date_of_birth"],
            lives_alone=row["lives_alone"],
            conditions=tuple(row["conditions"]),
            mobility=row["mobility"],
            emergency_contacts=tuple(
                EmergencyContact(c["name"], c["relation"], c["phone"]) for c in row["emergency_contacts"]
            ),
            home_lat=row["lat"],
            home_lon=row["lon"],
            address=row["address"],
        )

    def summary(self, on: date) -> SeniorSummary:
        """The summary the call-taker sees, with the member's age on the day of the call."""
        return SeniorSummary(
            id=self.id,
            name=self.name,
            age=age_on(self.date_of_birth, on),
            lives_alone=self.lives_alone,
            conditions=self.conditions,
            mobility=self.mobility,
            emergency_contacts=self.emergency_contacts,
        )


@dataclass(frozen=True, slots=True)
class SeniorSummary:
    """The `senior` object of an incident: who is calling, their health needs, whom to tell."""

    id: int
    name: str
    age: int
    lives_alone: bool
    conditions: Sequence[str]
    mobility: str | None
    emergency_contacts: Sequence[EmergencyContact] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        """The summary as stored on the incident and returned by the API."""
        return {
            "id": self.id,
            "name": self.name,
            "age": self.age,
            "lives_alone": self.lives_alone,
            "conditions": list(self.conditions),
            "mobility": self.mobility,
            "emergency_contacts": [c.as_dict() for c in self.emergency_contacts],
        }
