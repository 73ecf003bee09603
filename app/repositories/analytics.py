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


MONTH_TIER_MIN_DAYS = 28  # a period this long holds a whole month or nearly: read the month tier first
# The day tier's key index (uq_response_rollup_key) leads with these: groupings that hold all three can
# look up the seconds of one minute of one group directly.
_INDEXED_DIMENSIONS = ("district", "category", "area_type")
_TIERED_DIMENSIONS = frozenset((*FILTER_DIMENSIONS, "month"))


def rollup_response_times_sql(s: Slice) -> tuple[str, list[Any]]:
    """Response times from the rollup (migrations 0004 and 0005), exact; picks the cheaper plan.

    A grouping that holds district, category and area type (and otherwise only priority, unit type or
    month) over a period of a month or more reads the month tier's minute histogram, then only the
    seconds of the minutes that hold the percentile ranks; anything else reads the day tier.
    """
    if uses_month_tier(s):
        return _tiered_sql(s)
    return day_tier_response_times_sql(s)


def uses_month_tier(s: Slice) -> bool:
    """Whether rollup_response_times_sql reads the month tier for this slice."""
    if not set(_INDEXED_DIMENSIONS) <= set(s.group_by) or not set(s.group_by) <= _TIERED_DIMENSIONS:
        return False
    if s.start is None or s.end is None:
        return True
    return (_local_date(s.end) - _local_date(s.start)).days >= MONTH_TIER_MIN_DAYS


def _day_range(s: Slice, p: _Params) -> list[str]:
    where = []
    if s.start is not None:
        where.append(f"r.day >= {p.add(_local_date(s.start))}")
    if s.end is not None:
        where.append(f"r.day < {p.add(_local_date(s.end))}")
    return where


def _filters(s: Slice, p: _Params) -> dict[str, str]:
    """dimension → its parameter placeholder (shared by every table the statement reads)."""
    return {dim: f"{p.add(list(values))}::{_array_type(dim)}" for dim, values in s.filters.items()}


def day_tier_response_times_sql(s: Slice) -> tuple[str, list[Any]]:
    """Response times from the day tier: percentiles by cumulative counts per whole second (exact).

    percentile_cont at q over n sorted values is v[lo] + f·(v[hi] − v[lo]) with lo = ⌊q(n−1)⌋, hi = ⌈q(n−1)⌉;
    v[k] is the first second whose running count exceeds k. Positions are integer arithmetic (q = 5/10,
    9/10), so the result is exact and equals the raw scan's.
    """
    p = _Params()
    where = _day_range(s, p)
    where += [f"r.{dim} = ANY({ph})" for dim, ph in _filters(s, p).items()]
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


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


# The four ranks (0-based, of m + 1 values) percentile_cont reads for p50 and p90: ⌊q·m⌋ and ⌈q·m⌉.
_RANKS = (
    ("p50_lo", "g.m / 2"),
    ("p50_hi", "g.m / 2 + (g.m % 2 <> 0)::integer"),
    ("p90_lo", "9 * g.m / 10"),
    ("p90_hi", "9 * g.m / 10 + (9 * g.m % 10 <> 0)::integer"),
)


def _tiered_sql(s: Slice) -> tuple[str, list[Any]]:
    """Response times from the month tier's minute histogram plus a few minutes of the day tier (exact).

    1. Coarse: per group and whole minute, counts and sums — whole IST months from the month tier, the
       days of partial months at the edges from the day tier. Count, mean and within come out exact here,
       and the running count per minute tells which minute holds each percentile rank k and how many
       values come before that minute.
    2. Fine: for those minutes only (≤ 4 per group), the day tier's counts per second, read through its key
       index (district, category, area_type, second, …) — v[k] is the first second whose running count
       (the values before the minute plus those within it) exceeds k, as in the day-tier plan.
    """
    p = _Params()
    dims = s.group_by
    start = _local_date(s.start) if s.start is not None else None
    end = _local_date(s.end) if s.end is not None else None
    whole_lo = start if start is None or start.day == 1 else _first_of_next_month(start)
    whole_hi = end.replace(day=1) if end is not None else None
    filters = _filters(s, p)

    edges: list[tuple[date, date]] = []  # [from, to) day ranges outside whole months, from the day tier
    whole_months = whole_lo is None or whole_hi is None or whole_lo < whole_hi
    if not whole_months:
        assert start is not None and end is not None
        edges.append((start, end))
    else:
        if start is not None and whole_lo is not None and start < whole_lo:
            edges.append((start, whole_lo))
        if end is not None and whole_hi is not None and whole_hi < end:
            edges.append((whole_hi, end))

    def cols(alias: str) -> str:
        return "".join(
            f"{alias}.{d} AS {d}, "
            if d != "month" or alias == "t"
            else f"date_trunc('month', {alias}.day)::date AS month, "
            for d in dims
        )

    coarse = []
    if whole_months:
        month_where: list[str] = []
        if whole_lo is not None:
            month_where.append(f"t.month >= {p.add(whole_lo)}")
        if whole_hi is not None:
            month_where.append(f"t.month < {p.add(whole_hi)}")
        month_where += [f"t.{dim} = ANY({ph})" for dim, ph in filters.items()]
        coarse.append(
            f"""SELECT {cols("t")}t.minute AS b, t.n, t.n_within, t.sum_us FROM response_rollup_month t
                {"WHERE " + " AND ".join(month_where) if month_where else ""}"""
        )
    for lo, hi in edges:
        where = [f"r.day >= {p.add(lo)}", f"r.day < {p.add(hi)}"]
        where += [f"r.{dim} = ANY({ph})" for dim, ph in filters.items()]
        coarse.append(
            f"""SELECT {cols("r")}floor(r.second / 60.0)::integer AS b, r.n, r.n_within, r.sum_us
                FROM response_rollup r WHERE {" AND ".join(where)}"""
        )

    # The fine look-up of one minute of one group: equalities on the index's leading columns (category
    # may be NULL: a second branch matches it with IS NULL, which the index also serves).
    fine_where = ["r.second >= n.b * 60", "r.second < n.b * 60 + 60"]
    fine_where += _day_range(s, p)
    fine_where += [f"r.{dim} = ANY({ph})" for dim, ph in filters.items()]
    for d in dims:
        if d == "priority":
            fine_where.append("r.priority = n.priority")
        elif d == "unit_type":
            fine_where.append("r.unit_type IS NOT DISTINCT FROM n.unit_type")
        elif d == "month":
            fine_where.append("r.day >= n.month AND r.day < (n.month + interval '1 month')::date")
    common = " AND ".join(["r.district = n.district", "r.area_type = n.area_type", *fine_where])

    keys = ", ".join(dims)
    g_keys = ", ".join(f"g.{d}" for d in dims)
    picks = ", ".join(
        f"min(b) FILTER (WHERE cum > {k}) AS b_{name}, min(cum - n) FILTER (WHERE cum > {k}) AS c_{name}"
        for name, k in _RANKS
    ).replace("g.m", "m")
    values = ", ".join(f"(g.b_{name}, g.c_{name})" for name, _ in _RANKS)
    fine_picks = ", ".join(
        f"min(f.second) FILTER (WHERE f.b = g.b_{name} AND f.cum > {k}) AS {name}" for name, k in _RANKS
    )
    sql = f"""
        WITH c AS (
            SELECT {keys}, b, sum(n)::bigint AS n, sum(n_within)::bigint AS w, sum(sum_us) AS us
            FROM ({" UNION ALL ".join(coarse)}) src
            GROUP BY {keys}, b
        ), running AS (
            SELECT c.*, sum(n) OVER (PARTITION BY {keys} ORDER BY b ROWS UNBOUNDED PRECEDING)::bigint AS cum,
                   sum(n) OVER (PARTITION BY {keys})::bigint - 1 AS m
            FROM c
        ), g AS (
            SELECT row_number() OVER () AS gid, {keys}, max(m) AS m, sum(w)::bigint AS w, sum(us) AS us,
                   {picks}
            FROM running GROUP BY {keys}
        ), need AS (
            SELECT DISTINCT g.gid, {g_keys}, v.b, v.base
            FROM g CROSS JOIN LATERAL (VALUES {values}) v(b, base)
        ), f AS (
            SELECT n.gid, n.b, x.second,
                   n.base + sum(x.n) OVER (PARTITION BY n.gid, n.b ORDER BY x.second ROWS UNBOUNDED PRECEDING)
                       AS cum
            FROM need n CROSS JOIN LATERAL (
                SELECT y.second, sum(y.n) AS n FROM (
                    SELECT r.second, r.n FROM response_rollup r
                    WHERE r.category = n.category AND {common}
                    UNION ALL
                    SELECT r.second, r.n FROM response_rollup r
                    WHERE n.category IS NULL AND r.category IS NULL AND {common}
                ) y GROUP BY y.second
            ) x
        ), pct AS (
            SELECT g.gid, {fine_picks}
            FROM f JOIN g ON g.gid = f.gid GROUP BY g.gid
        )
        SELECT {g_keys}, g.m + 1 AS count, round(g.us / (g.m + 1) / 1000000, 2) AS mean_s,
               round(pct.p50_lo + (g.m % 2) / 2.0 * (pct.p50_hi - pct.p50_lo), 2) AS p50_s,
               round(pct.p90_lo + (9 * g.m % 10) / 10.0 * (pct.p90_hi - pct.p90_lo), 2) AS p90_s,
               g.w AS n_within
        FROM g JOIN pct ON pct.gid = g.gid WHERE g.m + 1 > 0 ORDER BY {g_keys}"""
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
