"""Analytics for supervisors and analysts: response-time statistics and volumes, as JSON or CSV.

The seed's headline counts come from GET /analytics/volumes with no group_by (or grouped by month):
police help = police_helped, medical = medical_helped, fire = fire_helped, road accidents =
road_accidents_helped, children rescued = child_helped, women helped = women_helped — each the number
of incidents a unit of that service actually reached (a unit on scene), never merely dispatched.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from app.routers.deps import Analyst, AnalyticsDb
from app.routers.scope import ScopedDistrict
from app.schemas.analytics import ResponseTimeRow, VolumeRow
from app.services import analytics as service

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

CSV = "text/csv"
_DIMS = ", ".join(service.DIMENSIONS)


def _wants_csv(accept: str | None) -> bool:
    return accept is not None and CSV in accept.lower()


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...], name: str) -> Response:
    return Response(
        service.to_csv(rows, columns),
        media_type=f"{CSV}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _documented(model: Any) -> dict[int | str, dict[str, Any]]:
    """The 200 of an endpoint that answers JSON rows, or CSV on Accept: text/csv."""
    return {200: {"model": list[model], "content": {CSV: {"schema": {"type": "string"}}}}}


@router.get("/response-times", response_model=None, responses=_documented(ResponseTimeRow))
async def response_times(
    principal: Analyst,
    scope: ScopedDistrict,
    db: AnalyticsDb,
    group_by: Annotated[str | None, Query(description=f"comma-separated: {_DIMS}")] = None,
    from_: Annotated[
        str | None, Query(alias="from", description="ISO date or date-time (IST if naive)")
    ] = None,
    to: Annotated[
        str | None, Query(description="exclusive date-time, or a date (that whole day included)")
    ] = None,
    interval: Annotated[
        str, Query(description="response, processing, acknowledgement, turnout, travel")
    ] = "response",
    source: Annotated[str, Query(description="auto (rollup when it can answer), rollup or raw")] = "auto",
    district: str | None = None,
    category: str | None = None,
    area_type: str | None = None,
    priority: str | None = None,
    unit_type: str | None = None,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    """Count, mean, median, p90 (seconds) and % within target per group; CSV on Accept: text/csv."""
    filters = {
        "district": scope,
        "category": category,
        "area_type": area_type,
        "priority": priority,
        "unit_type": unit_type,
    }
    s = service.build_slice(group_by, from_, to, filters, service.DIMENSIONS, service.FILTER_DIMENSIONS)
    rows = await service.response_times(db, interval, s, source=source)
    if _wants_csv(accept):
        return _csv(rows, (*s.group_by, *service.STAT_COLUMNS), f"response-times-{interval}")
    return rows


@router.get("/volumes", response_model=None, responses=_documented(VolumeRow))
async def volumes(
    principal: Analyst,
    scope: ScopedDistrict,
    db: AnalyticsDb,
    group_by: Annotated[
        str | None, Query(description=f"comma-separated: {', '.join(service.VOLUME_DIMENSIONS)}")
    ] = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    district: str | None = None,
    category: str | None = None,
    area_type: str | None = None,
    priority: str | None = None,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    """Calls, incidents, duplicates, referred, cancelled and help given per service, by group and period."""
    filters = {"district": scope, "category": category, "area_type": area_type, "priority": priority}
    s = service.build_slice(
        group_by,
        from_,
        to,
        filters,
        service.VOLUME_DIMENSIONS,
        ("district", "category", "area_type", "priority"),
    )
    rows = await service.volumes(db, s)
    if _wants_csv(accept):
        return _csv(rows, (*s.group_by, *service.VOLUME_COLUMNS), "volumes")
    return rows
