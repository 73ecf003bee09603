"""Domain errors carry their HTTP status; one handler in main.py renders them as {"detail": ...}."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """An error a client can cause, with the status it maps to."""

    status_code = 400

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    """The addressed resource does not exist."""

    status_code = 404


class Conflict(DomainError):
    """The request clashes with the current state (duplicate, wrong state, reused key)."""

    status_code = 409


class Invalid(DomainError):
    """The payload is well-formed but its content cannot be accepted."""

    status_code = 422


class Forbidden(DomainError):
    """The caller's role or unit may not do this."""

    status_code = 403


class Unavailable(DomainError):
    """The service cannot answer right now (not seeded, database down)."""

    status_code = 503
