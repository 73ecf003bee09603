"""Error responses in the OpenAPI, derived from what each route's dependencies can answer.

A dependency that can refuse a request says so with `@raises(401)`, `@raises(403, 404)`...; every
operation that uses it (directly or through another dependency) documents those statuses with the
error body. Statuses a use case decides are declared on the route: `responses=CONFLICT` (409),
`NOT_FOUND` (404 from the use case itself).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from app.web.errors import ErrorBody

F = TypeVar("F", bound=Callable[..., Any])

DESCRIPTIONS = {
    401: "no bearer token, or one that is invalid, expired or revoked",
    403: "the token's role, unit or district may not do this",
    404: "the addressed record does not exist",
    409: "the request clashes with the record's current state (named in `detail`)",
    503: "the database is unavailable or the geography is not loaded; nothing was written, retry",
}


# One error shape for the whole API (app/web/errors.py): `detail`, and on a 422 also `errors`.
ErrorRead = ErrorBody


CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": ErrorRead, "description": DESCRIPTIONS[409]}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorRead, "description": DESCRIPTIONS[404]}}


def raises(*statuses: int) -> Callable[[F], F]:
    """Mark a dependency with the error statuses it can answer (documented on every route using it)."""

    def mark(dependency: F) -> F:
        dependency.__dict__["error_statuses"] = statuses
        return dependency

    return mark


def dependencies_in_order(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    """The dependencies of a route in the order FastAPI runs them (sub-dependencies first)."""
    for sub in dependant.dependencies:
        yield from dependencies_in_order(sub)
        if sub.call is not None:
            yield sub.call


def api_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """Every API route of the app with its full path."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path is not None:
            yield context.path, route


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    if status == 503:
        response["headers"] = {"Retry-After": {"schema": {"type": "string"}}}
    return response


def document_errors(app: FastAPI) -> None:
    """Make the app's OpenAPI list, per operation, the error statuses its dependencies can answer."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("ErrorBody", ErrorBody.model_json_schema())
        for path, route in api_routes(app):
            statuses = {
                status
                for call in dependencies_in_order(route.dependant)
                for status in getattr(call, "error_statuses", ())
            }
            for method in route.methods or ():
                operation = schema["paths"].get(path, {}).get(method.lower())
                if operation is None:
                    continue
                for status in sorted(statuses):
                    operation["responses"].setdefault(str(status), _error_response(status))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
