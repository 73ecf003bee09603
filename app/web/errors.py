"""Error bodies: one handler per kind of failure, and their documentation in the OpenAPI.

Every error is JSON with a `detail` naming the field and the problem; a 422 also lists `errors`; every
503 carries Retry-After. A database that is down, restarting or frozen is a 503 ("nothing was written;
retry"), never a 500.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.database import TRANSIENT_ERRORS
from app.errors import DomainError
from app.observability.logs import current_request_id


class ErrorBody(BaseModel):
    """Any error: `detail` says what is wrong, naming the field."""

    model_config = ConfigDict(extra="allow")
    detail: str


class FieldProblem(BaseModel):
    """One invalid field of a request."""

    field: str
    problem: str


class ValidationErrorBody(BaseModel):
    """A request that is not well-formed: every problem, one per field."""

    detail: str = Field(description="all problems in one line")
    errors: list[FieldProblem]


def _error(description: str, model: type[BaseModel] = ErrorBody) -> dict[str, Any]:
    return {"description": description, "model": model}


# Documented on every operation (main.py passes it to each include_router); a route's own entry wins.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("The request cannot be taken as it is"),
    401: _error("No bearer token, or one that is invalid or expired"),
    403: _error("The caller's role, unit or district may not do this"),
    404: _error("The addressed record does not exist"),
    409: _error("The request clashes with the current state (the detail names it)"),
    413: _error("The request body is larger than the service accepts"),
    422: _error("A field is missing, malformed or out of range", ValidationErrorBody),
    503: _error(
        "The database is unavailable or too slow: nothing was written unless the detail says; "
        "retry after Retry-After seconds"
    ),
}


def _field(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI, retry_after: int) -> None:
    """Register the handlers that render every failure a client can meet."""
    unavailable_headers = {"Retry-After": str(retry_after)}

    async def domain_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        if exc.status_code == 503:
            headers = unavailable_headers
        body: dict[str, Any] = {"detail": exc.detail, **exc.extra}
        if exc.status_code == 422 and "errors" not in body:
            # The same shape as a malformed request: the field is what the detail names before its colon.
            field, _, problem = exc.detail.partition(": ")
            body["errors"] = [
                {"field": field, "problem": problem} if problem else {"field": "body", "problem": field}
            ]
        return JSONResponse(body, status_code=exc.status_code, headers=headers)

    async def transient_database_error(request: Request, exc: Exception) -> JSONResponse:
        # A deadlock victim, a lost connection, a statement cut by its timeout: the unit of work rolled back,
        # nothing was written, and the same request (with its Idempotency-Key) can simply be sent again.
        if isinstance(exc, asyncpg.DeadlockDetectedError | asyncpg.SerializationError):
            detail = "the request collided with a concurrent change and was rolled back; retry it"
        elif isinstance(exc, TimeoutError | asyncpg.exceptions.QueryCanceledError):
            detail = "the database did not answer in time; nothing was written; retry shortly"
        else:
            detail = "the database is unavailable; nothing was written; retry shortly"
        body = {"detail": detail, "request_id": current_request_id()}
        return JSONResponse(body, status_code=503, headers=unavailable_headers)

    async def unstorable_value(request: Request, exc: Exception) -> JSONResponse:
        # A value that passed validation but that PostgreSQL cannot hold (a NUL character, a number or a
        # date out of range): the client's mistake, and the transaction has rolled back.
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        body = {"detail": f"a value in the request cannot be stored: {message}", "errors": []}
        return JSONResponse(body, status_code=422)

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"field": _field(tuple(e.get("loc", ()))), "problem": str(e.get("msg", "invalid"))}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['problem']}" for e in errors)
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    for unstorable in (asyncpg.exceptions.DataError, asyncpg.exceptions._base.DataError):
        app.add_exception_handler(unstorable, unstorable_value)
    transient: list[type[Exception]] = [asyncpg.DeadlockDetectedError, asyncpg.SerializationError]
    transient += [t for t in TRANSIENT_ERRORS if issubclass(t, Exception) and not issubclass(t, DomainError)]
    for kind in transient:
        app.add_exception_handler(kind, transient_database_error)
