"""A small open-loop HTTP/1.1 load generator on raw asyncio streams (cheap on CPU, unlike a full client).

Requests are sent at their scheduled times whatever earlier ones are doing (open loop); latency counts
from the scheduled time, so a stall shows up in the percentiles instead of hiding (coordinated omission).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

RequestMaker = Callable[[int], tuple[str, str, bytes, dict[str, str]]]  # n -> method, path, body, headers


@dataclass
class Result:
    """Latencies (ms from the scheduled time) and status codes of one run."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, raw: bytes) -> int:
        return (await self.exchange_body(raw))[0]

    async def exchange_body(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        body = await self.reader.readexactly(length) if length else b""
        return status, body


def _encode(host: str, method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


OnResponse = Callable[[int, int, bytes], None]  # n, status, body


async def open_loop(
    base: str,
    rate: float,
    seconds: float,
    make: RequestMaker,
    max_connections: int = 256,
    on_response: OnResponse | None = None,
) -> Result:
    """Send rate × seconds requests at a constant rate; returns latencies and statuses."""
    url = urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    idle: list[_Connection] = []
    open_count = 0
    result = Result()
    total = int(rate * seconds)
    start = time.monotonic() + 0.2

    async def one(n: int) -> None:
        nonlocal open_count
        scheduled = start + n / rate
        method, path, body, headers = make(n)
        raw = _encode(host, method, path, body, headers)
        await asyncio.sleep(max(0.0, scheduled - time.monotonic()))
        conn = idle.pop() if idle else None
        try:
            if conn is None:
                if open_count >= max_connections:
                    result.errors += 1
                    return
                open_count += 1
                conn = _Connection(*await asyncio.open_connection(host, port))
            status, answer = await conn.exchange_body(raw)
            if on_response is not None:
                on_response(n, status, answer)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.latencies_ms.append((time.monotonic() - scheduled) * 1000)
            idle.append(conn)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            result.errors += 1
            open_count -= 1

    await asyncio.gather(*(one(n) for n in range(total)))
    for conn in idle:
        conn.writer.close()
    return result


async def closed_loop(base: str, concurrency: int, requests: list[bytes]) -> tuple[float, dict[int, int]]:
    """Send pre-encoded requests over `concurrency` keep-alive connections as fast as answered.

    Returns (elapsed seconds, status counts).
    """
    url = urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    statuses: dict[int, int] = {}
    queue = list(reversed(requests))

    async def worker() -> None:
        conn = _Connection(*await asyncio.open_connection(host, port))
        while queue:
            status = await conn.exchange(queue.pop())
            statuses[status] = statuses.get(status, 0) + 1
        conn.writer.close()

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.monotonic() - started, statuses


def encode_request(base: str, method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """One raw HTTP/1.1 request for closed_loop."""
    url = urlsplit(base)
    return _encode(url.hostname or "127.0.0.1", method, path, body, headers)
