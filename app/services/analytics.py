"""Analytics use cases: response-time statistics (rollup when it can answer, else a raw scan), volumes."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from app.dispatch.registry import SERVICE_NAMES, UNIT_TYPE_NAMES
from app.errors import Invalid
from app.repositories import analytics as repo
from app.repositories.analytics import DIMENSIONS, FILTER_DIMENSIONS, INTERVALS, VOLUME_DIMENSIONS, Slice

IST = ZoneInfo(repo.TIMEZONE)
STAT_COLUMNS = ("count", "mean_s", "p50_s", "p90_s", "within_target_pct")
VOLUME_COLUMNS = (
    "calls",
    "incidents",
    "duplicates",
    "referred",
    "cancelled",
    "helped",
    "police_helped",
    "medical_helped",
    "fire_helped",
    "women_helped",
    "child_helped",
    "road_accidents_helped",
)
_ALLOWED_VALUES: dict[str, tuple[str, ...]] = {
    "category": SERVICE_NAMES,
    "area_type": ("urban", "rural"),
    "unit_type": UNIT_TYPE_NAMES,
    "priority": ("1", "2", "3"),
}


def parse_group_by(value: str | None, allowed: Sequence[str]) -> tuple[str, ...]:
    """Comma-separated dimensions, each known and given once; 422 naming group_by otherwise."""
    if value is None or not value.strip():
        return ()
    dims = tuple(d.strip() for d in value.split(","))
    for d in dims:
        if d not in allowed:
            raise Invalid(f"group_by: unknown dimension {d!r} (allowed: {', '.join(allowed)})")
    if len(set(dims)) != len(dims):
        raise Invalid("group_by: a dimension is repeated")
    return dims


_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def parse_instant(name: str, value: str | None, *, end: bool) -> datetime | None:
    """An ISO date or date-time; a date means IST midnight (for `to`, the end of that day); naive is IST."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            at = datetime.combine(day + timedelta(days=1 if end else 0), time(), IST)
        else:
            at = datetime.fromisoformat(value)
            at = at if at.tzinfo is not None else at.replace(tzinfo=IST)
        # Bounded so that no later arithmetic (a day added, a zone applied) can overflow into a 500.
        in_range = _EARLIEST <= at <= _LATEST
    except ValueError as exc:
        raise Invalid(f"{name}: {value!r} is not an ISO 8601 date or date-time") from exc
    except OverflowError:
        in_range = False
    if not in_range:
        raise Invalid(f"{name}: {value!r} is out of range ({_EARLIEST.year} to {_LATEST.year - 1})")
    return at


def parse_filters(raw: dict[str, str | None], allowed: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """Comma-separated values per dimension, checked against the known values; 422 naming the parameter."""
    out: dict[str, tuple[Any, ...]] = {}
    for dim in allowed:
        value = raw.get(dim)
        if value is None or value == "":
            continue
        values = tuple(v.strip() for v in value.split(",") if v.strip())
        known = _ALLOWED_VALUES.get(dim)
        for v in values:
            if known is not None and v not in known:
                raise Invalid(f"{dim}: unknown value {v!r} (allowed: {', '.join(known)})")
        out[dim] = tuple(int(v) for v in values) if dim == "priority" else values
    return out


def build_slice(
    group_by: str | None,
    start: str | None,
    end: str | None,
    filters: dict[str, str | None],
    dimensions: Sequence[str],
    filter_dimensions: Sequence[str],
) -> Slice:
    """Validate the query parameters into a Slice; every problem is a 422 naming its parameter."""
    dims = parse_group_by(group_by, dimensions)
    s, e = parse_instant("from", start, end=False), parse_instant("to", end, end=True)
    if s is not None and e is not None and s > e:
        raise Invalid(f"from: {start} is after to ({end})")
    return Slice(dims, s, e, parse_filters(filters, filter_dimensions))


def _is_ist_midnight(at: datetime | None) -> bool:
    if at is None:
        return True
    local = at.astimezone(IST)
    return local.time() == time() and local.utcoffset() == local.astimezone(IST).utcoffset()


def rollup_can_answer(interval: str, s: Slice) -> bool:
    """The rollup holds response times per IST day, so it answers whole-day periods of that interval."""
    return interval == "response" and _is_ist_midnight(s.start) and _is_ist_midnight(s.end)


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


async def response_times(
    conn: asyncpg.Connection, interval: str, s: Slice, *, source: str = "auto"
) -> list[dict[str, Any]]:
    """Rows of the group keys with count, mean_s, p50_s, p90_s, within_target_pct (response only)."""
    if interval not in INTERVALS:
        raise Invalid(f"interval: unknown interval {interval!r} (allowed: {', '.join(INTERVALS)})")
    if source not in ("auto", "rollup", "raw"):
        raise Invalid(f"source: unknown source {source!r} (allowed: auto, rollup, raw)")
    can = rollup_can_answer(interval, s)
    if source == "rollup" and not can:
        raise Invalid("source: the rollup answers only interval=response over whole IST days")
    rows = await repo.response_times(conn, interval, s, use_rollup=can and source != "raw")
    out = []
    for r in rows:
        n, within = r["count"], r["n_within"]
        row = {d: _number(r[d]) for d in s.group_by}
        row.update(
            count=n,
            mean_s=_number(r["mean_s"]),
            p50_s=_number(r["p50_s"]),
            p90_s=_number(r["p90_s"]),
            within_target_pct=round(100.0 * within / n, 2) if interval == "response" else None,
        )
        out.append(row)
    return out


async def volumes(conn: asyncpg.Connection, s: Slice) -> list[dict[str, Any]]:
    """Rows of the group keys with call, incident, duplicate, referral and help counts."""
    return [
        {d: _number(r[d]) for d in s.group_by} | {c: int(r[c]) for c in VOLUME_COLUMNS}
        for r in await repo.volumes(conn, s)
    ]


def to_csv(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    """Rows as CSV with a header line; None becomes an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return buffer.getvalue()


__all__ = ["DIMENSIONS", "FILTER_DIMENSIONS", "INTERVALS", "VOLUME_DIMENSIONS"]
