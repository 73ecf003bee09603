"""Smart-city surveillance: the camera registry, alerts from surveillance gateways, the review queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from app.dispatch.surveillance import AlertKindName, AlertPlan, CameraKindName
from app.routers.deps import (
    Admin,
    Analyst,
    AnalyticsDb,
    Area,
    Db,
    Dispatch,
    Intake,
    Operator,
    OperatorOrSupervisor,
    SettingsDep,
)
from app.routers.scope import CameraAlertInScope, ScopedCameraCreate, ScopedDistrict
from app.schemas.cameras import (
    CameraAlertCreate,
    CameraAlertFilter,
    CameraAlertRead,
    CameraAlertStatsRow,
    CameraRead,
    ConfirmBody,
    DismissBody,
)
from app.security import utcnow
from app.services import camera_alerts
from app.services import cameras as cameras_service

router = APIRouter(prefix="/api/v1", tags=["smart-city surveillance"])


@router.post("/cameras", status_code=201)
async def create_camera(
    principal: Admin, body: ScopedCameraCreate, db: Db, area: Area, settings: SettingsDep
) -> CameraRead:
    """Register a camera or panic pole (admin); the district comes from the location when omitted."""
    return await cameras_service.register_camera(
        db, body, area=area, settings=settings, principal=principal, now=utcnow()
    )


@router.get("/cameras")
async def list_cameras(
    principal: OperatorOrSupervisor,
    scope: ScopedDistrict,
    db: Db,
    settings: SettingsDep,
    district: str | None = None,
    kind: CameraKindName | None = None,
    near: Annotated[str | None, Query(description="LAT,LON: cameras around it, nearest first")] = None,
    radius_m: Annotated[float | None, Query(gt=0, le=50_000)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[CameraRead]:
    """Cameras by code, or around `near` (within radius_m, default 500 m) nearest first."""
    return await cameras_service.list_cameras(
        db,
        district=scope,
        kind=kind,
        near=near,
        radius_m=radius_m,
        limit=limit,
        offset=offset,
        settings=settings,
    )


async def planned_alert(body: CameraAlertCreate, settings: SettingsDep, principal: Intake) -> AlertPlan:
    """Time checks and the kind's rules for the posted report, before a database connection is taken."""
    return camera_alerts.plan(body, settings, utcnow())


@router.post(
    "/camera-alerts",
    status_code=201,
    response_model=CameraAlertRead,
    responses={200: {"model": CameraAlertRead, "description": "a repeat of a report already taken"}},
)
async def post_camera_alert(
    body: CameraAlertCreate,
    principal: Intake,
    dispatcher: Dispatch,
    report: Annotated[AlertPlan, Depends(planned_alert)],
    db: Db,
    response: Response,
) -> dict[str, Any]:
    """A gateway's alert: folded into its burst, linked, dispatched at once, or queued for review."""
    alert, created = await camera_alerts.ingest_alert(
        db, dispatcher, body, report, principal=principal, now=utcnow()
    )
    if not created:
        response.status_code = 200
    return alert


@router.get("/camera-alerts", response_model=list[CameraAlertRead])
async def list_camera_alerts(
    principal: OperatorOrSupervisor,
    scope: ScopedDistrict,
    flt: Annotated[CameraAlertFilter, Query()],
    db: Db,
) -> list[dict[str, Any]]:
    """Alerts oldest first; status=pending_review is the operators' review queue."""
    return await camera_alerts.list_alerts(db, flt.model_copy(update={"district": scope}))


@router.get("/camera-alerts/{alert_id}", response_model=CameraAlertRead)
async def get_camera_alert(
    principal: OperatorOrSupervisor, alert_id: CameraAlertInScope, db: Db
) -> dict[str, Any]:
    """One alert with its camera and what was decided."""
    return await camera_alerts.read_alert(db, alert_id)


@router.post("/camera-alerts/{alert_id}/confirm", response_model=CameraAlertRead)
async def confirm_camera_alert(
    principal: Operator, alert_id: CameraAlertInScope, body: ConfirmBody, db: Db, dispatcher: Dispatch
) -> dict[str, Any]:
    """Confirm a waiting alert: its incident is created and dispatched (category and priority may change)."""
    return await camera_alerts.confirm_alert(
        db, dispatcher, alert_id, body, principal=principal, now=utcnow()
    )


@router.post("/camera-alerts/{alert_id}/dismiss", response_model=CameraAlertRead)
async def dismiss_camera_alert(
    principal: Operator, alert_id: CameraAlertInScope, body: DismissBody, db: Db
) -> dict[str, Any]:
    """Dismiss a waiting alert as a false alarm, with the reason."""
    return await camera_alerts.dismiss_alert(db, alert_id, body.reason, principal=principal, now=utcnow())


# Rows carry only the group keys asked for (as the other analytics endpoints do): exclude_unset.
@router.get(
    "/analytics/camera-alerts", response_model=list[CameraAlertStatsRow], response_model_exclude_unset=True
)
async def camera_alert_stats(
    principal: Analyst,
    scope: ScopedDistrict,
    db: AnalyticsDb,
    group_by: Annotated[str | None, Query(description="comma-separated: camera, kind, district")] = None,
    from_: Annotated[
        str | None, Query(alias="from", description="ISO date or date-time (IST if naive)")
    ] = None,
    to: Annotated[
        str | None, Query(description="exclusive date-time, or a date (that whole day included)")
    ] = None,
    kind: AlertKindName | None = None,
    district: str | None = None,
) -> list[dict[str, Any]]:
    """Alerts, confirmed, dismissed, dispatched at once, and the median time to an operator's decision."""
    return await camera_alerts.alert_stats(
        db, group_by=group_by, start=from_, end=to, kind=kind, district=scope
    )
