"""create_app(): lifespan, routers, error handlers — nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.config import Settings, get_settings
from app.database import create_pool
from app.errors import DomainError
from app.realtime.hub import FeedHub
from app.realtime.revocations import RevocationWatch
from app.routers import (
    access,
    analytics,
    cameras,
    console,
    health,
    incidents,
    oversight,
    seniors,
    tracking,
    triage,
    units,
)
from app.routers.openapi_errors import document_errors
from app.services.dispatcher import Dispatcher
from app.services.geography import load_gazetteer, load_service_area
from app.services.watchdog import watchdog


def _field(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    return JSONResponse({"detail": exc.detail, **exc.extra}, status_code=exc.status_code, headers=headers)


async def _transient_database_error(request: Request, exc: Exception) -> JSONResponse:
    # A deadlock victim or a lost connection rolled the whole unit of work back: nothing was written,
    # and the same request (with its Idempotency-Key) can simply be sent again.
    if isinstance(exc, asyncpg.DeadlockDetectedError | asyncpg.SerializationError):
        detail = "the request collided with a concurrent change and was rolled back; retry it"
    else:
        detail = "the database is unavailable; nothing was written; retry shortly"
    return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "1"})


async def _unstorable_value(request: Request, exc: Exception) -> JSONResponse:
    # A value that passed validation but that PostgreSQL cannot hold (a NUL character, a number or a
    # date out of range): the client's mistake, and the transaction has rolled back.
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return JSONResponse({"detail": f"a value in the request cannot be stored: {message}"}, status_code=422)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field(tuple(e.get("loc", ()))), "problem": str(e.get("msg", "invalid"))}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['problem']}" for e in errors)
    return JSONResponse({"detail": detail, "errors": errors}, status_code=422)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The Dial112 ASGI application."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.database_url:
            raise RuntimeError("DATABASE_URL is not set: start the service with `dial112 serve`")
        app.state.pool = await create_pool(settings.database_url, settings.db_pool_min, settings.db_pool_max)
        # Analytics reads go to a replica when one is configured, so heavy reports never slow intake.
        app.state.analytics_pool = app.state.pool
        try:
            if settings.analytics_database_url:
                app.state.analytics_pool = await create_pool(
                    settings.analytics_database_url, settings.db_pool_min, settings.db_pool_max
                )
            async with app.state.pool.acquire() as conn:
                app.state.area = await load_service_area(conn)
            if app.state.area is not None:
                gazetteer = load_gazetteer(settings.geography_dir)
                app.state.dispatcher = Dispatcher.build(settings, app.state.area, gazetteer)
            app.state.revocation_watch = RevocationWatch(
                app.state.pool, settings.database_url, settings.revocation_poll_seconds
            )
            await app.state.revocation_watch.start()
            app.state.hub = FeedHub(app.state.pool, settings.database_url)
            await app.state.hub.start()
            try:
                async with watchdog(
                    app.state.pool, app.state.dispatcher, settings.ack_check_interval_seconds
                ):
                    yield
            finally:
                await app.state.hub.stop()
                await app.state.revocation_watch.stop()
        finally:
            if app.state.analytics_pool is not app.state.pool:
                await app.state.analytics_pool.close()
            await app.state.pool.close()

    app = FastAPI(
        title="Dial112",
        version="0.1.0",
        description="Back end for India's 112 emergency control rooms.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.area = None
    app.state.dispatcher = None
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for unstorable in (asyncpg.exceptions.DataError, asyncpg.exceptions._base.DataError):
        app.add_exception_handler(unstorable, _unstorable_value)
    for transient in (
        asyncpg.DeadlockDetectedError,
        asyncpg.SerializationError,
        asyncpg.PostgresConnectionError,
        asyncpg.InterfaceError,
        asyncpg.CannotConnectNowError,
        ConnectionError,
    ):
        app.add_exception_handler(transient, _transient_database_error)
    app.include_router(health.router)
    app.include_router(units.router)
    app.include_router(triage.router)
    app.include_router(oversight.router)  # before incidents: /incidents/at-risk is not /incidents/{id}
    app.include_router(incidents.router)
    app.include_router(analytics.router)
    app.include_router(tracking.router)
    console.install(app)
    app.include_router(seniors.router)
    app.include_router(cameras.router)
    app.include_router(access.router)
    document_errors(app)
    return app
