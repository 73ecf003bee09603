"""Prometheus metrics at /metrics, summed over every worker process.

`dial112 serve` points PROMETHEUS_MULTIPROC_DIR at a fresh folder before the workers start, so each
worker writes its counters there and any worker can answer a scrape for all of them (prometheus-client's
multiprocess mode). Without it (tests, a single process) the default registry is used. Database figures
(queue length, incidents at risk) are read at scrape time: they are the same whichever worker answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.schemas.incidents import CallAccepted

import os
from pathlib import Path

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess

from app.database import DATABASE_ERRORS, connection, within
from app.repositories import oversight as oversight_repo

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "dial112_http_requests_total",
    "HTTP requests answered, by route template and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "dial112_http_request_duration_seconds",
    "Time to answer an HTTP request (to the first byte for streams), by route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DISPATCH = Counter(
    "dial112_dispatch_outcomes_total",
    "Calls taken, by what became of their incident (dispatched, queued, duplicate, referred, replayed)",
    ["outcome"],
)
STREAMS = Gauge(
    "dial112_event_streams_connected",
    "Server-sent event streams open now (unit feeds and console feeds)",
    multiprocess_mode="livesum",
)


def record_call_outcome(response: CallAccepted, created: bool) -> None:
    """Count one POST /calls by its outcome (an idempotent replay counts as `replayed`)."""
    outcome = response.incident.status if created else "replayed"
    DISPATCH.labels(outcome=str(outcome)).inc()


def _forget_dead_workers(folder: Path) -> None:
    # Live gauges (open streams) of a worker killed with -9 would otherwise count for ever.
    for path in folder.glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            prometheus_multiprocess.mark_process_dead(pid, str(folder))  # type: ignore[no-untyped-call]
        except PermissionError:
            pass


async def _database_figures(pool: asyncpg.Pool, seconds: float) -> dict[str, float] | None:
    async def read() -> dict[str, float]:
        async with connection(pool) as conn:
            row = await oversight_repo.queue_figures(conn)
        return {k: float(row[k]) for k in ("queued", "pending_services", "at_risk")}

    try:
        return await within(seconds, read())
    except DATABASE_ERRORS:
        return None


async def exposition(request: Request) -> PlainTextResponse:
    """Every worker's counters and the database's figures in Prometheus text format."""
    folder = os.environ.get(MULTIPROC_ENV)
    if folder:
        _forget_dead_workers(Path(folder))
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    scrape = CollectorRegistry()
    up = Gauge("dial112_database_up", "1 when the database answered this scrape", registry=scrape)
    figures = await _database_figures(request.app.state.pool, 2.0)
    up.set(0 if figures is None else 1)
    if figures is not None:
        gauges = {
            "queued": "dial112_queue_incidents",
            "pending_services": "dial112_queue_pending_services",
            "at_risk": "dial112_incidents_at_risk",
        }
        helps = {
            "queued": "Open incidents waiting for any unit",
            "pending_services": "Services of open incidents still waiting for a unit",
            "at_risk": "Open incidents flagged at risk of missing their target, not yet reached",
        }
        for key, name in gauges.items():
            Gauge(name, helps[key], registry=scrape).set(figures[key])
    return PlainTextResponse(text + generate_latest(scrape), media_type=CONTENT_TYPE_LATEST)


def install_metrics(app: FastAPI) -> None:
    """GET /metrics (no token, outside /api/v1)."""
    app.add_api_route("/metrics", exposition, methods=["GET"], include_in_schema=False)
