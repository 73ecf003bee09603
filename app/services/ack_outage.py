"""A mass lapse is a system fault: alert the supervisors and hold the assignments, never ground the fleet.

When one crew lets an offer lapse, the watchdog withdraws it, marks the unit out of service and sends
the next unit. When many units fall silent together (more than a few within minutes), the responder
app or its network is down: withdrawing would mark every vehicle out of service (318 in one outage)
and bounce each incident between units that cannot see it either. Instead the assignments stay with the
units that arrive first, every console gets one `system.ack_outage` alert (the control room confirms by
radio), and `system.ack_restored` follows when the silence ends; normal lapses then resume.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from app.config import Settings
from app.repositories import events as events_repo
from app.repositories import lapses as repo
from app.repositories.locks import ACK_OUTAGE_LOCK, wait_round_lock

ACTOR = "system:ack-watchdog"


async def ack_outage(conn: asyncpg.Connection, settings: Settings, now: datetime) -> bool:
    """True while lapses are a system fault; writes the alert when that starts and when it ends.

    One worker decides a change at a time (advisory lock), so each start and end is alerted once.
    """
    state = await _state(conn, settings, now)
    outage, in_alert = len(state[0]) >= settings.mass_lapse_units, state[1] == repo.OUTAGE
    if outage == in_alert:
        return outage
    await wait_round_lock(conn, ACK_OUTAGE_LOCK)
    units, last = await _state(conn, settings, now)  # another worker may have alerted meanwhile
    outage = len(units) >= settings.mass_lapse_units
    if outage != (last == repo.OUTAGE):
        await events_repo.append_event(
            conn,
            repo.OUTAGE if outage else repo.RESTORED,
            ACTOR,
            data={
                "units": units,
                "silent_units": len(units),
                "threshold": settings.mass_lapse_units,
                "window_seconds": settings.mass_lapse_window_seconds,
                "timeout_seconds": settings.ack_timeout_seconds,
                "detail": (
                    "many units stopped acknowledging at once: the responder app or its network is"
                    " likely down; assignments are held, confirm them by radio"
                    if outage
                    else "units acknowledge again; unanswered assignments lapse normally"
                ),
            },
        )
    return outage


async def _state(conn: asyncpg.Connection, settings: Settings, now: datetime) -> tuple[list[int], str | None]:
    return await repo.lapse_state(
        conn,
        timeout_seconds=settings.ack_timeout_seconds,
        window_seconds=settings.mass_lapse_window_seconds,
        now=now,
    )
