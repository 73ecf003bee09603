"""Repeat and hoax callers are flagged on the incident for the call-taker, never refused.

Fake and repeat calls are a large share of 112 traffic (docs/domain.md), but a hoaxer's next call
can be real: the service counts and shows, and always takes the call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from app.config import Settings
from app.repositories import callers as repo


async def caller_history(
    conn: asyncpg.Connection, number: str | None, at: datetime, settings: Settings
) -> dict[str, Any] | None:
    """`{calls_24h, calls_7d, hoax_7d, flagged}` for the caller (this call included); None without a number.

    `flagged` when the number called `repeat_caller_calls_24h` times in 24 h, or an incident of its calls
    in the last 7 days was closed or cancelled as a hoax (a disposition naming one of `hoax_words`).
    """
    if number is None:
        return None
    patterns = [f"%{word}%" for word in settings.hoax_words]
    row = await repo.caller_counts(conn, number, at, patterns)
    calls_24h, calls_7d, hoax_7d = row["calls_24h"] + 1, row["calls_7d"] + 1, row["hoax_7d"]
    return {
        "calls_24h": calls_24h,
        "calls_7d": calls_7d,
        "hoax_7d": hoax_7d,
        "flagged": calls_24h >= settings.repeat_caller_calls_24h or hoax_7d > 0,
    }
