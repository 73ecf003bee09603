"""One ASGI middleware gives every request its id (X-Request-ID), a JSON access-log line and its metrics."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.logs import bind_request_id, reset_request_id
from app.observability.metrics import LATENCY, REQUESTS

access = logging.getLogger("dial112.access")
HEADER = b"x-request-id"


def _route(scope: Scope) -> str:
    # The route template, not the path: /incidents/{incident_id}, so metrics do not grow with every id.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestObserver:
    """Request id in and out, one access-log line and the request metrics."""

    def __init__(self, app: ASGIApp, access_log: bool) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request inside its request-id context."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == HEADER), None)
        request_id, token = bind_request_id(given)
        started = time.perf_counter()
        status = 500
        first_byte: float | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status, first_byte
            if message["type"] == "http.response.start":
                status = message["status"]
                first_byte = time.perf_counter()
                message["headers"] = [*message.get("headers", []), (HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = (first_byte or time.perf_counter()) - started
            route, method = _route(scope), scope["method"]
            REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            LATENCY.labels(method=method, route=route).observe(elapsed)
            if self.access_log:
                access.info(
                    "%s %s %s",
                    method,
                    scope["path"],
                    status,
                    extra={"status": status, "route": route, "duration_ms": round(elapsed * 1000, 2)},
                )
            reset_request_id(token)
