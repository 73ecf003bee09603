"""Reusable dependencies: the unit of work, the caller, and role checks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app import requestctx
from app.config import Settings
from app.database import as_connection, transaction
from app.dispatch.geography import ServiceArea
from app.errors import DomainError, Forbidden, Unavailable
from app.realtime.revocations import RevocationWatch
from app.routers.openapi_errors import raises
from app.security import InvalidToken, Principal, read_token
from app.services.dispatcher import Dispatcher

_bearer = HTTPBearer(auto_error=False)


class Unauthorized(DomainError):
    """No token, or a token we did not sign / that expired."""

    status_code = 401


# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def` dependency in a
# thread pool, and that hop costs more than the dependency itself on every request.


async def settings_dep(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(settings_dep)]


@raises(401, 503)
async def current_principal(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller named by the bearer token; 401 without a valid one, or for a revoked one.

    Nothing here touches the database (revocations are in memory), so a flood of bad tokens cannot
    hold pool connections: every connection dependency depends on this one.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer token (Authorization: Bearer <token>)")
    try:
        principal = read_token(settings.signing_key, credentials.credentials)
    except InvalidToken as exc:
        raise Unauthorized(f"invalid token: {exc}") from exc
    watch: RevocationWatch | None = getattr(request.app.state, "revocation_watch", None)
    if watch is not None and not watch.loaded:
        raise Unavailable("revoked tokens not loaded yet (database unreachable); retry shortly")
    if watch is not None and (revoked := watch.revocations.revoked_at(principal)) is not None:
        raise Unauthorized(f"invalid token: revoked at {revoked.isoformat()}")
    return principal


def require(*roles: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that admits only the given roles (403 otherwise)."""

    @raises(403)
    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"role {principal.role!r} may not do this; allowed: {', '.join(roles)}")
        return principal

    check.allowed_roles = roles  # type: ignore[attr-defined]  # read by the access tests
    return check


@raises(503)
async def unit_of_work(
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
    request_id: Annotated[str, Depends(requestctx.request_id)],
) -> AsyncIterator[asyncpg.Connection]:
    """One transaction per request, committed before the response is sent (scope="function").

    Taken only after the caller is authenticated (it depends on current_principal). A write tags the
    transaction with the request id, which every event it appends records (events.request_id's default),
    and learns whether its COMMIT went through even if the connection drops during it (app/database.py).
    """
    write = request.method not in ("GET", "HEAD")
    async with transaction(request.app.state.pool, verify_commit=write) as conn:
        if write:
            await conn.execute("SELECT set_config('dial112.request_id', $1, true)", request_id)
        yield conn


Db = Annotated[asyncpg.Connection, Depends(unit_of_work, scope="function")]


@raises(503)
async def analytics_connection(
    request: Request, principal: Annotated[Principal, Depends(current_principal)]
) -> AsyncIterator[asyncpg.Connection]:
    """A read-only snapshot on the analytics pool (a replica when DIAL112_ANALYTICS_DATABASE_URL is set)."""
    pool: asyncpg.Pool = getattr(request.app.state, "analytics_pool", None) or request.app.state.pool
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        yield as_connection(conn)


AnalyticsDb = Annotated[asyncpg.Connection, Depends(analytics_connection, scope="function")]
Operator = Annotated[Principal, Depends(require("operator", "admin"))]
OperatorOrSupervisor = Annotated[Principal, Depends(require("operator", "supervisor", "admin"))]
Supervisor = Annotated[Principal, Depends(require("supervisor", "admin"))]
Analyst = Annotated[Principal, Depends(require("supervisor", "analyst", "admin"))]
Admin = Annotated[Principal, Depends(require("admin"))]
AnyRole = Annotated[Principal, Depends(current_principal)]
# Posting calls and camera alerts: call-takers, and machine gateways, which may do this and nothing else
# (every other dependency above leaves `gateway` out, so each read answers it 403).
Intake = Annotated[Principal, Depends(require("operator", "gateway", "admin"))]


@raises(503)
async def service_area(request: Request) -> ServiceArea:
    """The loaded geography; 503 until `dial112 seed` has run."""
    area: ServiceArea | None = request.app.state.area
    if area is None:
        raise Unavailable("geography not loaded: run `dial112 seed`")
    return area


Area = Annotated[ServiceArea, Depends(service_area)]


@raises(503)
async def dispatcher(request: Request) -> Dispatcher:
    """The dispatcher built at start-up; 503 until the geography is loaded."""
    found: Dispatcher | None = request.app.state.dispatcher
    if found is None:
        raise Unavailable("geography not loaded: run `dial112 seed`")
    return found


Dispatch = Annotated[Dispatcher, Depends(dispatcher)]


@raises(403)
async def responder_or_operator(
    unit_id: int, principal: Annotated[Principal, Depends(current_principal)]
) -> Principal:
    """A unit-scoped action: the unit's own responder, or an operator; 403 for any other unit's token."""
    if principal.role == "responder":
        if principal.unit_id != unit_id:
            raise Forbidden(f"this responder token is bound to unit {principal.unit_id}, not unit {unit_id}")
        return principal
    if principal.role not in ("operator", "admin"):
        raise Forbidden(f"role {principal.role!r} may not act for a unit")
    return principal


responder_or_operator.allowed_roles = ("responder", "operator", "admin")  # type: ignore[attr-defined]
UnitActor = Annotated[Principal, Depends(responder_or_operator)]


@raises(503)
async def direct_connection(
    request: Request, principal: Annotated[Principal, Depends(current_principal)]
) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection in autocommit, for use cases whose only write is one statement (GPS fixes)."""
    # BEGIN and COMMIT would double the round trips of the hottest endpoint for no added atomicity.
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        yield as_connection(conn)


DbDirect = Annotated[asyncpg.Connection, Depends(direct_connection, scope="function")]
