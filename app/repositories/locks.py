"""Advisory lock keys: database-wide mutual exclusion for work that one worker at a time should do."""

from __future__ import annotations

import asyncpg

PUBLISHER_LOCK = 112_000_001  # numbering the event log (held until the publishing transaction commits)
RISK_LOCK = 112_000_003  # a round of at-risk / breach flagging
ACK_OUTAGE_LOCK = 112_000_004  # deciding that a mass lapse started or ended (its alert is written once)
POSITIONS_LOCK = 112_000_005  # a round of position-history partition upkeep


async def try_round_lock(conn: asyncpg.Connection, key: int) -> bool:
    """Take a transaction-scoped advisory lock if it is free."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", key))


async def wait_round_lock(conn: asyncpg.Connection, key: int) -> None:
    """Take a transaction-scoped advisory lock, waiting for the worker that holds it."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", key)
