"""create_app(): lifespan, middleware, routers, error handlers — nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.config import Settings, get_settings
from app.observability.metrics import install_metrics
from app.observability.middleware import RequestObserver
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
from app.runtime import running
from app.web.deadline import Deadline
from app.web.docs import install_offline_docs
from app.web.errors import ERROR_RESPONSES, install_error_handlers
from app.web.limits import BodyLimit

# Reports may scan months of data: they get the analytics budget, everything else the request budget.
LONG_RUNNING = ("/api/v1/analytics/", "/api/v1/oversight/lapses")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The Dial112 ASGI application."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(app, settings):
            yield

    app = FastAPI(
        title="Dial112",
        version="0.1.0",
        description="Back end for India's 112 emergency control rooms.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.area = None
    app.state.dispatcher = None
    install_error_handlers(app, settings.retry_after_seconds)

    def budget(path: str) -> float:
        if path.startswith(LONG_RUNNING):
            return settings.analytics_timeout_seconds
        return settings.request_timeout_seconds

    # Added innermost first: the observer sees every answer, the deadline covers the body limit's too.
    app.add_middleware(
        Deadline,
        budget=budget,
        retry_after=settings.retry_after_seconds,
        busy_limit=settings.busy_timeout_seconds,
    )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(RequestObserver, access_log=settings.access_log)

    for router in (
        health.router,
        units.router,
        triage.router,
        oversight.router,  # before incidents: /incidents/at-risk is not /incidents/{id}
        incidents.router,
        analytics.router,
        tracking.router,
        seniors.router,
        cameras.router,
        access.router,
    ):
        app.include_router(router, responses=ERROR_RESPONSES)
    console.install(app)
    # Per operation, the error statuses its dependencies can answer (401/403/404/503), on top of the
    # shared error shapes above.
    document_errors(app)
    install_offline_docs(app)
    if settings.metrics_enabled:
        install_metrics(app)
    return app
