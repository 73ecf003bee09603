"""SQL for response-time and volume analytics: a raw scan, and the response rollup (migration 0004).

Statistic definitions (the same in both paths, so they give identical answers):
- an interval counts only when both of its stamps exist (never back-filled; no arrival → not counted);
- mean_s: exact mean (microsecond sums), rounded to 0.01 s;
- p50_s / p90_s: percentile_cont (linear interpolation at position q·(n−1)) over the interval in whole
  seconds (truncated), rounded to 0.01 s — exact to the second, which the rollup keeps;
- within_target_pct: share of arrivals within their incident's target, response only.
Days, weeks and months are calendar periods in India Standard Time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

WORK_MEM = "64MB"
TIMEZONE = "Asia/Kolkata"  # the rollup's day boundary; written into migration 0004's trigger as well

DIMENSIONS: tuple[str, ...] = (
    "district",
    "category",
    "area_type",
    "priority",
    "unit_type",
    "day",
    "week",
    "month",
)
FILTER_DIMENSIONS: tuple[str, ...] = ("district", "category", "area_type", "priority", "unit_type")
VOLUME_DIMENSIONS: tuple[str, ...] = ("district", "category", "area_type", "priority", "day", "week", "month")

# Each interval as rows of (received_at, district, category, area_type, priority, unit_type, x, within):
# x is the interval in seconds (numeric, microsecond-exact), within only for the response.
_SOURCES: dict[str, str] = {
    "response": """
        SELECT i.received_at, i.district, i.category, i.area_type, i.priority,
               i.first_unit_type AS unit_type, i.response_seconds::numeric AS x,
               floor(i.response_seconds)::integer AS sec,
               round(i.response_seconds * 1000000)::bigint AS us, i.within_target AS within
        FROM incidents i WHERE i.response_seconds IS NOT NULL {where}""",
    "processing": """
        SELECT i.received_at, i.district, i.category, i.area_type, i.priority, f.unit_type,
               extract(epoch FROM f.dispatched_at - i.received_at) AS x,
               NULL::integer AS sec, NULL::bigint AS us, NULL::boolean AS within
        FROM incidents i
        JOIN LATERAL (SELECT a.unit_type, a.dispatched_at FROM assignments a WHERE a.incident_id = i.id
                      ORDER BY a.dispatched_at, a.id LIMIT 1) f ON true
        WHERE true {where}""",
    "acknowledgement": """
        SELECT i.received_at, i.district, i.category, i.area_type, i.priority, a.unit_type,
               extract(epoch FROM a.acknowledged_at - a.dispatched_at) AS x,
               NULL::integer AS sec, NULL::bigint AS us, NULL::boolean AS within
        FROM assignments a JOIN incidents i ON i.id = a.incident_id
        WHERE a.acknowledged_at IS NOT NULL {where}""",
    "turnout": """
        SELECT i.received_at, i.district, i.category, i.area_type, i.priority, a.unit_type,
               extract(epoch FROM a.en_route_at - a.dispatched_at) AS x,
               NULL::integer AS sec, NULL::bigint AS us, NULL::boolean AS within
        FROM assignments a JOIN incidents i ON i.id = a.incident_id
        WHERE a.en_route_at IS NOT NULL {where}""",
    "travel": """
        SELECT i.received_at, i.district, i.category, i.area_type, i.priority, a.unit_type,
               extract(epoch FROM a.on_scene_at - a.en_route_at) AS x,
               NULL::integer AS sec, NULL::bigint AS us, NULL::boolean AS within
        FROM assignments a JOIN incidents i ON i.id = a.incident_id
        WHERE a.en_route_at IS NOT NULL AND a.on_scene_at IS NOT NULL {where}""",
}
INTERVALS: tuple[str, ...] = tuple(_SOURCES)

_LOCAL = f"(s.received_at AT TIME ZONE '{TIMEZONE}')"
_RAW_DIMENSION_SQL = {
    "district": "s.district",
    "category": "s.category",
    "area_type": "s.area_type",
    "priority": "s.priority",
    "unit_type": "s.unit_type",
    "day": f"{_LOCAL}::date",
    "week": f"date_trunc('week', {_LOCAL})::date",
    "month": f"date_trunc('month', {_LOCAL})::date",
}
_ROLLUP_DIMENSION_SQL = {
    "district": "r.district",
    "category": "r.category",
    "area_type": "r.area_type",
    "priority": "r.priority",
    "unit_type": "r.unit_type",
    "day": "r.day",
    "week": "date_trunc('week', r.day)::date",
    "month": "date_trunc('month', r.day)::date",
}
# Raw-source column of each filterable dimension, as written inside the sources above.
_SOURCE_FILTER_SQL = {
    "district": "i.district",
    "category": "i.category",
    "area_type": "i.area_type",
    "priority": "i.priority",
}
_SOURCE_UNIT_TYPE = {
    "response": "i.first_unit_type",
    "processing": "f.unit_type",
    "acknowledgement": "a.unit_type",
    "turnout": "a.unit_type",
    "travel": "a.unit_type",
}


@dataclass(frozen=True, slots=True)
class Slice:
    """What to aggregate: grouping, period [start, end) on received_at, and filters (dimension → values)."""

    group_by: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    filters: dict[str, tuple[Any, ...]] = field(default_factory=dict)


class _Params:
    """Positional parameters for one statement."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def _array_type(dimension: str) -> str:
    return "smallint[]" if dimension == "priority" else "text[]"


def _raw_where(interval: str, s: Slice, p: _Params) -> str:
    parts = []
    if s.start is not None:
        parts.append(f"i.received_at >= {p.add(s.start)}")
    if s.end is not None:
        parts.append(f"i.received_at < {p.add(s.end)}")
    for dim, values in s.filters.items():
        column = _SOURCE_UNIT_TYPE[interval] if dim == "unit_type" else _SOURCE_FILTER_SQL[dim]
        parts.append(f"{column} = ANY({p.add(list(values))}::{_array_type(dim)})")
    return "".join(f" AND {c}" for c in parts)


def _select_dims(dims: tuple[str, ...], sql: dict[str, str]) -> tuple[str, str]:
    select = "".join(f"{sql[d]} AS {d}, " for d in dims)
    group = ", ".join(str(n) for n in range(1, len(dims) + 1))
    return select, group


def raw_response_times_sql(interval: str, s: Slice) -> tuple[str, list[Any]]:
    """The plain scan: percentile_cont over every matching row (the reference and the fallback)."""
    p = _Params()
    source = _SOURCES[interval].format(where=_raw_where(interval, s, p))
    select, group = _select_dims(s.group_by, _RAW_DIMENSION_SQL)
    group_clause = f"GROUP BY {group}" if group else ""
    order_clause = f"ORDER BY {group}" if group else ""
    sql = f"""
        WITH s AS (
            SELECT q.*, coalesce(q.sec, floor(q.x)::integer) AS whole,
                   coalesce(q.us, (q.x * 1000000)::bigint) AS micros
            FROM ({source}) q
        )
        SELECT {select}count(*) AS count,
               round(sum(s.micros)::numeric / count(*) / 1000000, 2) AS mean_s,
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY s.whole) AS pcts,
               count(*) FILTER (WHERE s.within) AS n_within
        FROM s {group_clause} HAVING count(*) > 0 {order_clause}"""
    return sql, p.values


def rollup_response_times_sql(s: Slice) -> tuple[str, list[Any]]:
    """Response times from the rollup: percentiles by cumulative counts per whole second (exact).

    percentile_cont at q over n sorted values is v[lo] + f·(v[hi] − v[lo]) with lo = ⌊q(n−1)⌋, hi = ⌈q(n−1)⌉;
    v[k] is the first second whose running count exceeds k. Positions are integer arithmetic (q = 5/10,
    9/10), so the result is exact and equals the raw scan's.
    """
    p = _Params()
    where = []
    if s.start is not None:
        where.append(f"r.day >= {p.add(_local_date(s.start))}")
    if s.end is not None:
        where.append(f"r.day < {p.add(_local_date(s.end))}")
    for dim, values in s.filters.items():
        where.append(f"r.{dim} = ANY({p.add(list(values))}::{_array_type(dim)})")
    where_clause = ("WHERE " + " AND ".join(where)) if where else ""
    dims = s.group_by
    select, group = _select_dims(dims, _ROLLUP_DIMENSION_SQL)
    keys = ", ".join(dims)
    lead = keys + ", " if dims else ""
    partition = f"PARTITION BY {keys}" if dims else ""
    outer_group = f"GROUP BY {keys}" if dims else ""
    order_clause = f"ORDER BY {keys}" if dims else ""
    h_group = f"GROUP BY {group}, r.second" if dims else "GROUP BY r.second"
    sql = f"""
        WITH h AS (
            SELECT {select}r.second AS sec, sum(r.n)::integer AS n, sum(r.n_within)::integer AS w,
                   sum(r.sum_us) AS us
            FROM response_rollup r {where_clause} {h_group}
        ), running AS (
            SELECT h.*, sum(h.n) OVER ({partition} ORDER BY h.sec ROWS UNBOUNDED PRECEDING) AS cum,
                   sum(h.n) OVER ({partition}) - 1 AS m
            FROM h
        ), g AS (
            SELECT {lead}max(m) + 1 AS total, sum(w) AS w, sum(us) AS us, max(m) AS m,
                   min(sec) FILTER (WHERE cum > m / 2) AS p50_lo,
                   min(sec) FILTER (WHERE cum > m / 2 + (m % 2 <> 0)::integer) AS p50_hi,
                   min(sec) FILTER (WHERE cum > 9 * m / 10) AS p90_lo,
                   min(sec) FILTER (WHERE cum > 9 * m / 10 + (9 * m % 10 <> 0)::integer) AS p90_hi
            FROM running {outer_group}
        )
        SELECT {lead}total AS count, round(us / total / 1000000, 2) AS mean_s,
               round(p50_lo + (m % 2) / 2.0 * (p50_hi - p50_lo), 2) AS p50_s,
               round(p90_lo + (9 * m % 10) / 10.0 * (p90_hi - p90_lo), 2) AS p90_s,
               w AS n_within
        FROM g WHERE total > 0 {order_clause}"""
    return sql, p.values


def _local_date(at: datetime) -> date:
    """The IST calendar date of an instant (callers pass only IST midnights to the rollup)."""
    return at.astimezone(ZoneInfo(TIMEZONE)).date()


async def response_times(
    conn: asyncpg.Connection, interval: str, s: Slice, *, use_rollup: bool
) -> list[dict[str, Any]]:
    """Rows of group keys with count, mean_s, p50_s, p90_s and n_within."""
    if conn.is_in_transaction():
        # Reports sort and window hundreds of thousands of rows: let them do it in memory, this query only.
        await conn.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    if use_rollup:
        sql, args = rollup_response_times_sql(s)
        rows = await conn.fetch(sql, *args)
        return [dict(r) for r in rows]
    sql, args = raw_response_times_sql(interval, s)
    out = []
    for r in await conn.fetch(sql, *args):
        row = dict(r)
        pcts = row.pop("pcts")
        row["p50_s"] = round(pcts[0], 2)
        row["p90_s"] = round(pcts[1], 2)
        out.append(row)
    return out


async def explain(conn: asyncpg.Connection, sql: str, args: list[Any]) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) lines of a statement (for the benchmark)."""
    rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
    return [r[0] for r in rows]


# Triage evidence that marks a road accident (the lexicon's accident phrases, in its scripts and spellings).
ROAD_ACCIDENT_PATTERN = (
    "accid|acident|eksident|aksident|durghatn|दुर्घटन|एक्सीड|एक्सिड|ऐक्सीड|takkar|takar|टक्कर|collid|collision"
)

_VOLUME_DIMENSION_SQL = {
    "district": "i.district",
    "category": "i.category",
    "area_type": "i.area_type",
    "priority": "i.priority",
    "day": f"(i.received_at AT TIME ZONE '{TIMEZONE}')::date",
    "week": f"date_trunc('week', i.received_at AT TIME ZONE '{TIMEZONE}')::date",
    "month": f"date_trunc('month', i.received_at AT TIME ZONE '{TIMEZONE}')::date",
}


async def volumes(conn: asyncpg.Connection, s: Slice) -> list[dict[str, Any]]:
    """Calls, incidents, duplicates, referred, cancelled, helped (a unit arrived) and help by service."""
    p = _Params()
    where = []
    if s.start is not None:
        where.append(f"i.received_at >= {p.add(s.start)}")
    if s.end is not None:
        where.append(f"i.received_at < {p.add(s.end)}")
    for dim, values in s.filters.items():
        where.append(f"{_VOLUME_DIMENSION_SQL[dim]} = ANY({p.add(list(values))}::{_array_type(dim)})")
    where_clause = ("WHERE " + " AND ".join(where)) if where else ""
    select, group = _select_dims(s.group_by, _VOLUME_DIMENSION_SQL)
    group_clause = f"GROUP BY {group}" if group else ""
    order_clause = f"ORDER BY {group}" if group else ""
    pattern = p.add(ROAD_ACCIDENT_PATTERN)
    helped_by = "".join(
        f"count(*) FILTER (WHERE '{svc}' = ANY(h.services)) AS {svc}_helped, "
        for svc in ("police", "medical", "fire", "women", "child")
    )
    sql = f"""
        SELECT {select}coalesce(sum(c.n), 0)::bigint AS calls,
               count(*) FILTER (WHERE i.status <> 'duplicate') AS incidents,
               count(*) FILTER (WHERE i.status = 'duplicate') AS duplicates,
               count(*) FILTER (WHERE i.status = 'referred') AS referred,
               count(*) FILTER (WHERE i.status = 'cancelled') AS cancelled,
               count(*) FILTER (WHERE i.first_on_scene_at IS NOT NULL) AS helped,
               {helped_by}
               count(*) FILTER (WHERE i.first_on_scene_at IS NOT NULL AND EXISTS (
                   SELECT 1 FROM jsonb_array_elements_text(coalesce(i.triage->'evidence', '[]'::jsonb)) e
                   WHERE e ~* {pattern})) AS road_accidents_helped
        FROM incidents i
        LEFT JOIN LATERAL (SELECT count(*) AS n FROM calls c WHERE c.incident_id = i.id) c ON true
        LEFT JOIN LATERAL (SELECT array_agg(DISTINCT a.service) AS services FROM assignments a
                           WHERE a.incident_id = i.id AND a.on_scene_at IS NOT NULL) h ON true
        {where_clause} {group_clause} HAVING count(*) > 0 {order_clause}"""
    return [dict(r) for r in await conn.fetch(sql, *p.values)]
