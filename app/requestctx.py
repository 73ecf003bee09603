"""The request id: one per request, from a trusted `X-Request-ID` or made here; stored with audit rows.

One place on purpose: a middleware that returns the id in a response header and logs it can set
`request.state.request_id` first, and everything here uses that value.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextvars import ContextVar

from fastapi import Request

HEADER = "X-Request-ID"
# The id goes into the database and into logs: short, printable, no quoting needed anywhere.
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

current_request_id: ContextVar[str | None] = ContextVar("dial112_request_id", default=None)


def request_id_for(given: str | None) -> str:
    """The client's id when it is a sane token, else a new random one."""
    if given is not None and _VALID.match(given):
        return given
    return uuid.uuid4().hex


async def request_id(request: Request) -> AsyncIterator[str]:
    """This request's id, also in `current_request_id` while the request runs (cleared after it)."""
    found = getattr(request.state, "request_id", None)
    if not isinstance(found, str):
        found = request_id_for(request.headers.get(HEADER))
        request.state.request_id = found
    current_request_id.set(found)
    try:
        yield found
    finally:
        # Not reset(token): the exit may run in another context; the next request sets its own anyway.
        current_request_id.set(None)
