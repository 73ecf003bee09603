"""Request and response models for Samarpan: applications, members, verification, welfare visits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from app.dispatch.samarpan import normalise_phone
from app.schemas.common import Id, Latitude, Longitude

ApplicationChannel = Literal["station", "whatsapp", "email", "web"]
MemberStatus = Literal["pending", "verified", "rejected"]
LocationSource = Literal["caller", "gazetteer", "registered_home"]


def _e164(value: str) -> str:
    # ValueError becomes a 422 naming the field (e.g. `phones.0`) with this message.
    return normalise_phone(value)


def _need_kind(value: str) -> str:
    kind = " ".join(value.split()).lower()
    if not kind:
        raise ValueError("a need's kind cannot be blank")
    return kind


Phone = Annotated[
    str,
    Field(max_length=30, description="+91, spaces, dashes and a leading 0 accepted; stored in E.164"),
    AfterValidator(_e164),
]
Text = Annotated[str, Field(min_length=1, max_length=200)]
IntervalDays = Annotated[int, Field(ge=1, le=365, description="days between welfare visits")]


class Consent(BaseModel):
    """The member's consent to be registered: when, and through which channel."""

    model_config = ConfigDict(extra="forbid")
    given_at: AwareDatetime
    channel: ApplicationChannel


class EmergencyContact(BaseModel):
    """Someone to tell when the member calls 112."""

    model_config = ConfigDict(extra="forbid")
    name: Text
    relation: Annotated[str, Field(min_length=1, max_length=60)]
    phone: Phone


class SeniorCreate(BaseModel):
    """An application, posted by a station officer (walk-in) or the WhatsApp / e-mail gateway."""

    model_config = ConfigDict(extra="forbid")

    name: Text
    date_of_birth: date = Field(description="60 or over on the day of application")
    phones: list[Phone] = Field(min_length=1, max_length=5)
    address: Annotated[str, Field(min_length=2, max_length=300)]
    lat: Latitude | None = Field(default=None, description="home; without it the address must resolve")
    lon: Longitude | None = None
    district: Annotated[str, Field(min_length=1, max_length=100)]
    lives_alone: bool
    conditions: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=20
    )
    mobility: Annotated[str, Field(max_length=200)] | None = None
    emergency_contacts: list[EmergencyContact] = Field(default_factory=list, max_length=5)
    consent: Consent
    channel: ApplicationChannel
    station_id: Id | None = Field(default=None, description="the station responsible; default the district's")
    visit_interval_days: IntervalDays | None = Field(default=None, description="default: the configured one")

    @model_validator(mode="after")
    def _home_given_together(self) -> SeniorCreate:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        return self


class SeniorUpdate(BaseModel):
    """Changes to a member; fields left out stay as they are. `active: false` deactivates."""

    model_config = ConfigDict(extra="forbid")

    name: Text | None = None
    date_of_birth: date | None = None
    phones: list[Phone] | None = Field(default=None, min_length=1, max_length=5)
    address: Annotated[str, Field(min_length=2, max_length=300)] | None = Field(
        default=None, description="the text only: the home moves with lat and lon"
    )
    lat: Latitude | None = None
    lon: Longitude | None = None
    district: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    station_id: Id | None = None
    lives_alone: bool | None = None
    conditions: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        default=None, max_length=20
    )
    mobility: Annotated[str, Field(max_length=200)] | None = None
    emergency_contacts: list[EmergencyContact] | None = Field(default=None, max_length=5)
    visit_interval_days: IntervalDays | None = Field(default=None, description="null: back to the default")
    active: bool | None = Field(default=None, description="false deactivates the member; true reactivates")

    @model_validator(mode="after")
    def _no_null_for_required(self) -> SeniorUpdate:
        nullable = {"mobility", "visit_interval_days"}
        for name in self.model_fields_set - nullable:
            if getattr(self, name) is None:
                raise ValueError(f"{name}: cannot be null (leave it out to keep it)")
        if ("lat" in self.model_fields_set) != ("lon" in self.model_fields_set):
            raise ValueError("lat and lon must be given together")
        return self


class VerificationBody(BaseModel):
    """The station's decision on a pending application."""

    model_config = ConfigDict(extra="forbid")
    outcome: Literal["verified", "rejected"]
    reason: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="required to reject"
    )


class ConsentRead(BaseModel):
    """Consent as recorded."""

    given_at: datetime
    channel: str


class EmergencyContactRead(BaseModel):
    """An emergency contact."""

    name: str
    relation: str
    phone: str


class SeniorRead(BaseModel):
    """A member's profile (every read of one is written to the audit trail)."""

    id: int
    status: MemberStatus
    active: bool
    name: str
    date_of_birth: date
    age: int = Field(description="whole years today (IST)")
    phones: list[str]
    address: str
    lat: float
    lon: float
    district: str
    station_id: int
    lives_alone: bool
    conditions: list[str]
    mobility: str | None
    emergency_contacts: list[EmergencyContactRead]
    consent: ConsentRead
    channel: str
    applied_at: datetime
    decided_at: datetime | None
    decision_reason: str | None
    verified_on: date | None
    visit_interval_days: int = Field(description="days between welfare visits (the member's or the default)")
    last_visit_on: date | None
    next_visit_due: date | None = Field(description="IST day; null until verified, or when inactive")
    deactivated_at: datetime | None


class SeniorListItem(BaseModel):
    """A member in a list: enough to find them, no health or contact data (open the profile for that)."""

    id: int
    name: str
    status: MemberStatus
    active: bool
    district: str
    station_id: int
    channel: str
    applied_at: datetime
    next_visit_due: date | None


class SeniorFilter(BaseModel):
    """Query filters for the member list."""

    district: str | None = None
    status: MemberStatus | None = None
    station_id: Id | None = None
    active: bool | None = None
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)


class SeniorOnIncident(BaseModel):
    """The calling member, as the call-taker sees them on the incident."""

    id: int
    name: str
    age: int
    lives_alone: bool
    conditions: list[str]
    mobility: str | None
    emergency_contacts: list[EmergencyContactRead]


class NeedIn(BaseModel):
    """A need raised at a visit (groceries, medicine, complaint, health_check, ...) and whether it is met."""

    model_config = ConfigDict(extra="forbid")
    kind: Annotated[str, Field(min_length=1, max_length=60), AfterValidator(_need_kind)]
    met: bool


class VisitCreate(BaseModel):
    """A welfare visit by the member's station."""

    model_config = ConfigDict(extra="forbid")
    visited_at: AwareDatetime
    outcome: Annotated[str, Field(min_length=1, max_length=500)]
    needs: list[NeedIn] = Field(default_factory=list, max_length=20)


class NeedRead(BaseModel):
    """A need as recorded at a visit."""

    kind: str
    met: bool


class VisitRead(BaseModel):
    """A recorded welfare visit and the member's next due day."""

    id: int
    member_id: int
    station_id: int
    visited_at: datetime
    outcome: str
    needs: list[NeedRead]
    next_visit_due: date


class DueFilter(BaseModel):
    """Query filters for the visits due."""

    by: date | None = Field(default=None, description="IST day; default today")
    district: str | None = None
    station_id: Id | None = None
    limit: int = Field(default=500, ge=1, le=5000)


class DueVisit(BaseModel):
    """A member whose next welfare visit is due on or before the `by` day."""

    member_id: int
    name: str
    station_id: int
    district: str
    due_on: date
    overdue: bool


class DistrictCounts(BaseModel):
    """Counts of one district's members (no personal data: what analysts see)."""

    district: str
    pending: int
    verified: int = Field(description="verified and active")
    rejected: int
    inactive: int
    visits_overdue: int = Field(description="verified, active members whose visit is overdue today (IST)")
    unmet_needs: int = Field(description="members with a need still unmet")


class SeniorStats(BaseModel):
    """Samarpan in numbers, per district and in total."""

    on: date = Field(description="the IST day the counts are for")
    districts: list[DistrictCounts]
    total: DistrictCounts


class ErasureRead(BaseModel):
    """The receipt of an erasure: the member's data is gone; the erasure is in the audit trail."""

    id: int
    erased: bool
    erased_at: datetime
