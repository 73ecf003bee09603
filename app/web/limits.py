"""Request bodies are bounded: beyond DIAL112_MAX_BODY_BYTES the answer is 413, before the body is read.

A declared Content-Length over the limit is refused without reading a byte; a chunked body is counted as
it arrives and refused the moment it passes the limit, so no worker ever holds a 200 MB body in memory.
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.deadline import send_json


def _too_large(limit: int) -> str:
    return f"body: larger than the limit of {limit} bytes"


class BodyLimit:
    """ASGI middleware: 413 for a request body over `limit` bytes."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse or count the body, then serve."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await send_json(send, 400, {"detail": "Content-Length: not a number"})
                return
            if size > self.limit:
                await send_json(send, 413, {"detail": _too_large(self.limit)}, {"Connection": "close"})
                return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # FastAPI lets an HTTPException from reading the body through to its handler.
                    raise HTTPException(413, _too_large(self.limit))
            return message

        await self.app(scope, counted, send)
