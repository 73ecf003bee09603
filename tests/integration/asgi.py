"""Drive the ASGI app directly: the status of any request, streams included (which httpx would wait on)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI


async def status_of(
    app: FastAPI, method: str, path: str, headers: dict[str, str], body: Any = None
) -> tuple[int, bytes]:
    """(status, first body chunk) of one request; a stream is disconnected once it has started."""
    payload = b"" if body is None else json.dumps(body).encode()
    started, disconnected = asyncio.Event(), asyncio.Event()
    answer: dict[str, Any] = {"body": b""}
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": payload, "more_body": False}
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] = answer["body"] or message.get("body", b"")
            started.set()

    all_headers = {"content-type": "application/json", **headers} if body is not None else headers
    path_only, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path_only,
        "raw_path": path_only.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in all_headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    task = asyncio.create_task(app(scope, receive, send))  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(started.wait(), 20)
    finally:
        disconnected.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), 5)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return answer["status"], answer["body"]


class Stream:
    """A streaming response read in the background: its status and the text received so far."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.text = ""
        self.started = asyncio.Event()
        self.changed = asyncio.Event()
        self.ended = asyncio.Event()  # the server finished the response

    async def wait_for(self, needle: str, seconds: float = 10) -> None:
        """Until `needle` has arrived (fails after `seconds`)."""
        async with asyncio.timeout(seconds):
            while needle not in self.text:
                self.changed.clear()
                await self.changed.wait()


@contextlib.asynccontextmanager
async def streaming(app: FastAPI, path: str, headers: dict[str, str]) -> AsyncIterator[Stream]:
    """GET a stream; yields once its first bytes arrived; disconnects on exit."""
    stream, disconnected = Stream(), asyncio.Event()
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            stream.status = message["status"]
        elif message["type"] == "http.response.body":
            stream.text += message.get("body", b"").decode()
            stream.started.set()
            stream.changed.set()
            if not message.get("more_body", False):
                stream.ended.set()

    path_only, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path_only,
        "raw_path": path_only.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50001),
        "server": ("test", 80),
    }
    task = asyncio.create_task(app(scope, receive, send))  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(stream.started.wait(), 10)
        yield stream
    finally:
        disconnected.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), 5)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
