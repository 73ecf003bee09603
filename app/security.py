"""Bearer tokens: signed JWTs carrying role, expiry, and for responders the unit they are bound to."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt

# `gateway`: a machine client (a surveillance platform, the Samarpan application gateway behind the
# WhatsApp number and e-mail address, an SMS gateway) that may post calls, camera alerts and Samarpan
# applications, and read nothing (app/routers/deps.py admits it to those endpoints only).
Role = Literal["operator", "responder", "supervisor", "analyst", "admin", "gateway"]
ROLES: tuple[str, ...] = ("operator", "responder", "supervisor", "analyst", "admin", "gateway")
ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The token is missing, malformed, expired or not signed by us."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: every write in the event log names this token's subject."""

    subject: str
    role: str
    unit_id: int | None = None
    district: str | None = None
    token_id: str = ""
    issued_at: datetime | None = None

    @property
    def actor(self) -> str:
        """The name written into the event log for this caller's writes."""
        return f"{self.role}:{self.subject}#{self.token_id}"

    @property
    def user(self) -> str:
        """Who holds the token, whichever token they use (role and subject); idempotency keys are theirs."""
        return f"{self.role}:{self.subject}"


def issue_token(
    secret: str,
    role: str,
    *,
    ttl: timedelta,
    now: datetime,
    unit_id: int | None = None,
    district: str | None = None,
    subject: str | None = None,
) -> str:
    """Sign a token for a role; a responder token must name its unit."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role == "responder" and unit_id is None:
        raise ValueError("a responder token must be bound to a unit (--unit)")
    claims: dict[str, Any] = {
        "sub": subject or role,
        "role": role,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": secrets.token_hex(8),
    }
    if unit_id is not None:
        claims["unit"] = unit_id
    if district:
        claims["district"] = district
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(secret: str, token: str) -> Principal:
    """Verify signature and expiry and return the caller."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    role = claims.get("role")
    if role not in ROLES:
        raise InvalidToken("token has no valid role")
    unit = claims.get("unit")
    if role == "responder" and not isinstance(unit, int):
        raise InvalidToken("responder token is not bound to a unit")
    district = claims.get("district")
    if district is not None and not isinstance(district, str):
        raise InvalidToken("token has an invalid district")
    try:
        iat = claims.get("iat")
        issued_at = datetime.fromtimestamp(iat, UTC) if isinstance(iat, int | float) else None
    except (OverflowError, OSError, ValueError) as exc:
        raise InvalidToken("token has an invalid issue time") from exc
    return Principal(
        subject=str(claims["sub"]),
        role=role,
        unit_id=unit if isinstance(unit, int) else None,
        district=district or None,
        token_id=str(claims.get("jti", "")),
        issued_at=issued_at,
    )


def utcnow() -> datetime:
    """The current time, timezone-aware (the one place outside dispatch/ that reads the clock)."""
    return datetime.now(UTC)
