"""Liveness and readiness probes (no token needed)."""

from __future__ import annotations

import asyncio

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.schemas.analytics import ReadyRead

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """200 while the process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None, responses={200: {"model": ReadyRead}, 503: {"model": ReadyRead}})
async def readyz(request: Request) -> dict[str, str] | JSONResponse:
    """200 when the database answers within 2 s, else 503."""
    pool: asyncpg.Pool = request.app.state.pool
    try:
        async with asyncio.timeout(2):
            async with pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
        return JSONResponse({"status": "unavailable", "detail": f"database: {exc}"}, status_code=503)
    if request.app.state.area is None:
        return JSONResponse(
            {"status": "unavailable", "detail": "geography not loaded: run `dial112 seed`"}, status_code=503
        )
    return {"status": "ready"}
