"""Request and response models for token revocation and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from app.schemas.common import Id

Text = Annotated[str, Field(min_length=1, max_length=200)]
TARGETS = ("jti", "unit_id", "subject")


class RevocationCreate(BaseModel):
    """Exactly one of: a token's `jti`, a `unit_id` (every token of that unit), a `subject` (a person)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"oneOf": [{"required": [name]} for name in TARGETS]},
    )

    # Absent, never null: the schema's oneOf counts the keys that are present.
    jti: Text | SkipJsonSchema[None] = None
    unit_id: Id | SkipJsonSchema[None] = None
    subject: Text | SkipJsonSchema[None] = None
    reason: Annotated[str, Field(max_length=500)] | SkipJsonSchema[None] = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                if value is None and name in cls.model_fields:
                    raise ValueError(f"{name}: leave it out rather than null")
        return data

    @model_validator(mode="after")
    def _exactly_one_target(self) -> RevocationCreate:
        given = [name for name in TARGETS if getattr(self, name) is not None]
        if len(given) != 1:
            named = ", ".join(given) or "none"
            raise ValueError(f"give exactly one of {', '.join(TARGETS)} (given: {named})")
        return self


class RevocationRead(BaseModel):
    """A revocation in force: tokens issued at or before `revoked_at` that match it get 401."""

    id: int
    jti: str | None
    unit_id: int | None
    subject: str | None
    revoked_at: datetime
    revoked_by: str
    reason: str | None


class AuditEntry(BaseModel):
    """One write (or audited read): when, who (the token's actor), what, on what, in which request."""

    id: int
    at: datetime
    actor: str
    action: str
    incident_id: int | None
    unit_id: int | None
    member_id: int | None
    district: str | None
    request_id: str | None
    data: dict[str, Any]
