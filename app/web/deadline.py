"""Every answer within a deadline: a request the database cannot serve in time gets 503 + Retry-After.

The request runs in a task of its own. If it has not started its response when the deadline passes, the
client gets 503 at once and the task is cancelled and left to unwind in the background: asyncpg returns a
cancelled query's connection to the pool through a shielded release that waits for the server, so waiting
for the task (what asyncio.timeout() would do) is no bound when the database is frozen. Streams are bound
until their response starts, then run freely. This is also the last resort for an exception no handler
took: a JSON 500 with the request id, never a plain-text one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.database import PROGRESS
from app.observability.logs import current_request_id

log = logging.getLogger(__name__)

_abandoned: set[asyncio.Task[None]] = set()


def _forget(task: asyncio.Task[None]) -> None:
    _abandoned.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.info("request abandoned at its deadline ended with %r", task.exception())


async def send_json(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    """Send a complete JSON response."""
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


class Deadline:
    """ASGI middleware: 503 + Retry-After for any request not answered within its budget."""

    def __init__(
        self, app: ASGIApp, budget: Callable[[str], float], retry_after: int, busy_limit: float
    ) -> None:
        self.app = app
        self.budget = budget
        self.retry_after = retry_after
        self.busy_limit = busy_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request with its deadline."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seconds = self.budget(scope["path"])
        started = taken_over = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if taken_over:
                return  # the client already has its 503
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        began = time.monotonic()
        wait = seconds
        try:
            while not (done := (await asyncio.wait({task}, timeout=wait))[0]):
                # A saturated but working database is a queue: keep the request's place while connections
                # keep coming back (up to the busy limit). A database that gives nothing back is an outage.
                if started or PROGRESS.stalled() or time.monotonic() - began >= self.busy_limit:
                    break
                wait = 0.1
        except asyncio.CancelledError:
            task.cancel()
            raise
        if not done:
            if started:
                await task  # a stream: its response is under way, it ends when the client goes
                return
            taken_over = True
            task.cancel()
            _abandoned.add(task)
            task.add_done_callback(_forget)
            outcome = (
                "nothing was changed; retry shortly"
                if scope["method"] in ("GET", "HEAD")
                else "the change may or may not have been applied: retry with the same Idempotency-Key"
            )
            await send_json(
                send,
                503,
                {
                    "detail": f"no answer within {time.monotonic() - began:.1f} s (the database is slow or "
                    "unreachable); " + outcome,
                    "request_id": current_request_id(),
                },
                {"Retry-After": str(self.retry_after)},
            )
            return
        error = task.exception()
        if error is None:
            return
        if started:
            raise error
        log.error("unhandled error", exc_info=error)
        await send_json(
            send,
            500,
            {"detail": "internal error; it has been logged", "request_id": current_request_id()},
        )
