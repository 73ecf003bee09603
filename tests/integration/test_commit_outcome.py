"""A saved call is never answered 500: failures around COMMIT (issue 10).

The failures are injected on the client side of a real PostgreSQL: asyncpg's InternalClientError while a
connection goes back to the pool after COMMIT (seen 3 times in 5 database stops), and a connection lost
during COMMIT, with the transaction committed or not. Before the fix the first was a plain-text 500, which
invites a client without an Idempotency-Key to send the call again.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest
from asyncpg.transaction import Transaction

from tests.conftest import token
from tests.integration.helpers import post_call


async def _calls(conn: asyncpg.Connection) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM calls")
    return count


async def test_an_error_returning_the_connection_after_commit_does_not_turn_a_saved_call_into_a_500(
    client: httpx.AsyncClient, conn: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = asyncpg.Pool.release

    async def release_then_fail(self: asyncpg.Pool, connection: Any, **kw: Any) -> None:
        await release(self, connection, **kw)
        raise asyncpg.InternalClientError("cannot switch to state 15; another operation (2) is in progress")

    monkeypatch.setattr(asyncpg.Pool, "release", release_then_fail)
    accepted = await post_call(client)  # 201 with the real answer
    monkeypatch.undo()
    assert await _calls(conn) == 1
    assert await conn.fetchval("SELECT id FROM incidents") == accepted["incident"]["id"]


async def test_a_connection_lost_during_a_commit_that_went_through_still_gets_the_real_answer(
    client: httpx.AsyncClient, conn: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = Transaction.commit

    async def commit_then_lose_the_connection(self: Transaction) -> None:
        await commit(self)
        raise ConnectionResetError("connection lost while reading the COMMIT's answer")

    monkeypatch.setattr(Transaction, "commit", commit_then_lose_the_connection)
    accepted = await post_call(client)  # the database says the transaction committed: 201, not 503
    monkeypatch.undo()
    assert await conn.fetchval("SELECT id FROM incidents") == accepted["incident"]["id"]
    assert await _calls(conn) == 1


async def test_a_connection_lost_before_the_commit_took_is_a_503_that_says_nothing_was_written(
    client: httpx.AsyncClient, conn: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def lose_the_connection_instead(self: Transaction) -> None:
        await self.rollback()
        raise ConnectionResetError("connection lost before COMMIT reached the server")

    monkeypatch.setattr(Transaction, "commit", lose_the_connection_instead)
    response = await client.post(
        "/api/v1/calls",
        json={
            "caller_number": "+919876500001",
            "text": "fight",
            "lat": 21.25,
            "lon": 81.63,
            "category": "police",
        },
        headers=token("operator"),
    )
    monkeypatch.undo()
    assert response.status_code == 503 and response.headers["retry-after"]
    assert "nothing was written" in response.json()["detail"]
    assert await _calls(conn) == 0


async def test_a_commit_the_database_cannot_settle_in_time_is_a_503_that_says_the_outcome_is_unknown(
    client: httpx.AsyncClient, conn: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def lose_the_answer(self: Transaction) -> None:
        # The transaction stays open on its connection: asked on another one, the database says
        # "in progress" until the 2 s are up.
        raise ConnectionResetError("connection lost; COMMIT may or may not have been received")

    monkeypatch.setattr(Transaction, "commit", lose_the_answer)
    response = await client.post(
        "/api/v1/calls",
        json={
            "caller_number": "+919876500002",
            "text": "fight",
            "lat": 21.25,
            "lon": 81.63,
            "category": "police",
        },
        headers=token("operator") | {"Idempotency-Key": "unknown-outcome-1"},
    )
    monkeypatch.undo()
    assert response.status_code == 503 and response.headers["retry-after"]
    assert response.json()["outcome"] == "unknown" and "Idempotency-Key" in response.json()["detail"]
