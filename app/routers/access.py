"""Access control's own endpoints: revoke tokens (admin) and read the audit trail (supervisor, admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from app.repositories.audit import AuditFilter
from app.routers.deps import Admin, Db, Supervisor
from app.routers.scope import ScopedDistrict, ScopedRevocation
from app.schemas.access import AuditEntry, RevocationRead
from app.schemas.common import Id
from app.security import utcnow
from app.services import audit as audit_service
from app.services import revocations as revocation_service

router = APIRouter(prefix="/api/v1", tags=["access"])


@router.post("/revocations", status_code=201, response_model=RevocationRead)
async def revoke(principal: Admin, body: ScopedRevocation, db: Db) -> Any:
    """Revoke tokens by jti, unit or subject: every matching token issued until now gets 401 everywhere."""
    return await revocation_service.revoke(
        db,
        jti=body.jti,
        unit_id=body.unit_id,
        subject=body.subject,
        reason=body.reason,
        actor=principal.actor,
        now=utcnow(),
    )


@router.get("/audit", response_model=list[AuditEntry])
async def audit(
    principal: Supervisor,
    scope: ScopedDistrict,
    db: Db,
    actor: Annotated[
        str | None, Query(max_length=300, description="the actor, its `role:subject`, or the subject")
    ] = None,
    incident_id: Id | None = None,
    unit_id: Id | None = None,
    member_id: Id | None = None,
    action: Annotated[
        str | None, Query(max_length=100, description="e.g. `incident.closed`, or `incident.` for all")
    ] = None,
    from_: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    to: Annotated[AwareDatetime | None, Query(description="exclusive")] = None,
    district: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Every write (and audited read) with who, when, what and the request id, newest first.

    Read-only: nothing in the API changes or deletes the trail (the table refuses it too).
    """
    f = AuditFilter(
        actor=actor,
        incident_id=incident_id,
        unit_id=unit_id,
        member_id=member_id,
        action=action,
        start=from_,
        end=to,
        district=scope,
        limit=limit,
    )
    return await audit_service.audit_entries(db, f)
