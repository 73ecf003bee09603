"""Liveness and readiness probes (no token needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.runtime import readiness_problem
from app.schemas.analytics import ReadyRead

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """200 while the process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None, responses={200: {"model": ReadyRead}, 503: {"model": ReadyRead}})
async def readyz(request: Request) -> dict[str, str] | JSONResponse:
    """200 when the database answers within 2 s and the service area is loaded, else 503 saying why."""
    problem = await readiness_problem(request.app)
    if problem is not None:
        headers = {"Retry-After": str(request.app.state.settings.retry_after_seconds)}
        return JSONResponse({"status": "unavailable", "detail": problem}, status_code=503, headers=headers)
    return {"status": "ready"}
