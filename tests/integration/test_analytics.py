"""The response clock and analytics over real PostgreSQL, with fixed timestamps.

Expected numbers are computed here in Python from the same rows the test writes, with the service's
definitions: an interval needs both of its stamps (no arrival → not counted, never zero); mean_s is the
exact mean rounded half-up to 0.01 s; p50_s/p90_s are percentile_cont — linear interpolation at position
q·(n−1) of the sorted values — over whole seconds (truncated); within_target_pct = 100·within/n.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from app.repositories import incidents as incidents_repo
from app.repositories.analytics import DIMENSIONS, FILTER_DIMENSIONS, uses_month_tier
from app.services.analytics import build_slice
from tests.conftest import token
from tests.integration.helpers import RAIPUR, add_unit, move, offset, post_call

IST = ZoneInfo("Asia/Kolkata")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=IST)  # a Monday morning


def sup() -> dict[str, str]:
    """A supervisor's header, minted on the test's clock."""
    return token("supervisor")


@dataclass
class Stamp:
    """One assignment's stamps as the test writes them."""

    unit_type: str
    service: str
    dispatched: datetime
    acknowledged: datetime | None = None
    en_route: datetime | None = None
    on_scene: datetime | None = None


@dataclass
class Case:
    """One incident as the test writes it."""

    received: datetime
    district: str
    category: str | None
    area_type: str
    priority: int
    target_minutes: float
    stamps: list[Stamp] = field(default_factory=list)
    id: int = 0


async def _unit(conn: asyncpg.Connection, unit_type: str, district: str) -> int:
    unit_id: int = await conn.fetchval(
        """INSERT INTO units (callsign, type, district, lat, lon, status)
           VALUES ('U-' || gen_random_uuid(), $1, $2, 21.25, 81.63, 'on_scene') RETURNING id""",
        unit_type,
        district,
    )
    return unit_id


async def write_case(conn: asyncpg.Connection, case: Case) -> int:
    """Write an incident and its assignments with fixed stamps; arrival recorded by the service's own SQL."""
    case.id = await conn.fetchval(
        """INSERT INTO incidents (status, category, priority, district, area_type, target_minutes, lat, lon,
                                  received_at, created_by)
           VALUES ('dispatched', $1, $2, $3, $4, $5, 21.25, 81.63, $6, 'test') RETURNING id""",
        case.category,
        case.priority,
        case.district,
        case.area_type,
        case.target_minutes,
        case.received,
    )
    for s in case.stamps:
        unit_id = await _unit(conn, s.unit_type, case.district)
        await conn.execute(
            """INSERT INTO assignments (incident_id, unit_id, unit_type, service, dispatched_at,
                                        acknowledged_at, en_route_at, on_scene_at, cleared_at, created_by)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'test')""",
            case.id,
            unit_id,
            s.unit_type,
            s.service,
            s.dispatched,
            s.acknowledged,
            s.en_route,
            s.on_scene,
            s.on_scene,
        )
    arrivals = sorted(s.on_scene for s in case.stamps if s.on_scene is not None)
    if arrivals:
        await incidents_repo.mark_first_on_scene(conn, case.id, arrivals[0])
    return case.id


# ---------------------------------------------------------------------------------- Python reference stats


def _first(stamps: Sequence[Stamp], attr: str) -> Stamp | None:
    present = [s for s in stamps if getattr(s, attr) is not None]
    return min(present, key=lambda s: getattr(s, attr)) if present else None


def values_of(case: Case, interval: str) -> list[tuple[str | None, float, bool | None]]:
    """(unit_type, seconds, within) of each value a case contributes to an interval."""
    if interval == "response":
        first = _first(case.stamps, "on_scene")
        if first is None:
            return []
        assert first.on_scene is not None
        seconds = (first.on_scene - case.received).total_seconds()
        return [(first.unit_type, seconds, seconds <= case.target_minutes * 60)]
    if interval == "processing":
        first = _first(case.stamps, "dispatched")
        return (
            []
            if first is None
            else [(first.unit_type, (first.dispatched - case.received).total_seconds(), None)]
        )
    out: list[tuple[str | None, float, bool | None]] = []
    for s in case.stamps:
        start, end = {
            "acknowledgement": (s.dispatched, s.acknowledged),
            "turnout": (s.dispatched, s.en_route),
            "travel": (s.en_route, s.on_scene),
        }[interval]
        if start is not None and end is not None:
            out.append((s.unit_type, (end - start).total_seconds(), None))
    return out


def _key(case: Case, unit_type: str | None, dims: Sequence[str]) -> tuple[Any, ...]:
    local = case.received.astimezone(IST).date()
    period = {
        "day": local.isoformat(),
        "week": (local - timedelta(days=local.weekday())).isoformat(),
        "month": local.replace(day=1).isoformat(),
    }
    attrs = {
        "district": case.district,
        "category": case.category,
        "area_type": case.area_type,
        "priority": case.priority,
        "unit_type": unit_type,
    }
    return tuple(period[d] if d in period else attrs[d] for d in dims)


def _percentile(ordered: list[int], q: str) -> float:
    position = Fraction(q) * (len(ordered) - 1)
    lo, hi = math.floor(position), math.ceil(position)
    return round(float(ordered[lo] + (position - lo) * (ordered[hi] - ordered[lo])), 2)


def expected_rows(cases: Sequence[Case], interval: str, dims: Sequence[str]) -> list[dict[str, Any]]:
    """The statistics the API must return, computed in Python."""
    groups: dict[tuple[Any, ...], list[tuple[float, bool | None]]] = defaultdict(list)
    for case in cases:
        for unit_type, seconds, within in values_of(case, interval):
            groups[_key(case, unit_type, dims)].append((seconds, within))
    rows = []
    for key in sorted(groups, key=lambda k: tuple((v is None, v) for v in k)):
        values = groups[key]
        n = len(values)
        micros = sum(round(v * 1_000_000) for v, _ in values)
        mean = (Decimal(micros) / Decimal(n) / Decimal(1_000_000)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        whole = sorted(math.floor(v) for v, _ in values)
        n_within = sum(1 for _, w in values if w)
        row: dict[str, Any] = dict(zip(dims, key, strict=True))
        row.update(
            count=n,
            mean_s=float(mean),
            p50_s=_percentile(whole, "0.5"),
            p90_s=_percentile(whole, "0.9"),
            within_target_pct=round(100.0 * n_within / n, 2) if interval == "response" else None,
        )
        rows.append(row)
    return rows


def _sorted(rows: list[dict[str, Any]], dims: Sequence[str]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: tuple((r[d] is None, r[d]) for d in dims))


def random_cases(rng: random.Random, n: int) -> list[Case]:
    """A mixed month: two districts, urban and rural, all services, late and on-time, some never reached."""
    cases = []
    types = {"police": "police_erv", "medical": "ambulance", "fire": "fire_tender", "women": "women_safety"}
    for _ in range(n):
        category = rng.choice(["police", "police", "medical", "fire", "women", "child"])
        area = rng.choice(["urban", "rural"])
        target = 16.0 if area == "urban" else 28.0
        received = T0 + timedelta(days=rng.randrange(0, 40), seconds=rng.randrange(0, 86_400))
        case = Case(received, rng.choice(["Raipur", "Durg"]), category, area, rng.randint(1, 3), target)
        for k in range(rng.choice([0, 1, 1, 1, 2])):
            dispatched = received + timedelta(
                seconds=rng.randrange(5, 240), microseconds=rng.randrange(10**6)
            )
            stamp = Stamp(types.get(category, "police_erv") if k == 0 else "ambulance", category, dispatched)
            if rng.random() < 0.85:
                stamp.acknowledged = dispatched + timedelta(seconds=rng.randrange(1, 50))
            if rng.random() < 0.8:
                stamp.en_route = dispatched + timedelta(seconds=rng.randrange(10, 150))
            if rng.random() < 0.75:  # some never arrive: the incident stays open for the clock
                base = stamp.en_route or dispatched
                stamp.on_scene = base + timedelta(seconds=rng.gauss(target * 45, 300) // 1 % 4000 + 30)
            case.stamps.append(stamp)
        cases.append(case)
    return cases


def boundary_cases() -> list[Case]:
    """Arrivals either side of IST midnights that end a month (and a UTC month), one with no category."""
    out = []
    for k, received in enumerate(
        [
            datetime(2026, 3, 31, 23, 59, 59, 500_000, tzinfo=IST),  # 18:29:59.5 UTC on 31 March
            datetime(2026, 4, 1, 0, 0, tzinfo=IST),  # 18:30 UTC on 31 March: April in IST
            datetime(2026, 4, 1, 4, 0, tzinfo=IST),  # 22:30 UTC on 31 March
            datetime(2026, 3, 1, 2, 0, tzinfo=IST),  # 28 February in UTC
            datetime(2026, 4, 30, 23, 0, tzinfo=IST),
        ]
    ):
        for category in ("police", None):
            seconds = 600 + 37 * k + (0 if category else 5)
            out.append(
                Case(
                    received,
                    "Raipur",
                    category,
                    "urban",
                    2,
                    16.0,
                    [
                        Stamp(
                            "police_erv",
                            "police",
                            received + timedelta(seconds=20),
                            on_scene=received + timedelta(seconds=seconds, microseconds=250_000),
                        )
                    ],
                )
            )
    return out


def _isoday(d: date) -> str:
    return d.isoformat()


# ---------------------------------------------------------------------------------------------------- tests


async def test_every_interval_of_an_incident_and_its_assignments(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    t = T0
    case = Case(
        t,
        "Raipur",
        "medical",
        "urban",
        1,
        16.0,
        [
            Stamp(
                "ambulance",
                "medical",
                t + timedelta(seconds=45),
                acknowledged=t + timedelta(seconds=60),
                en_route=t + timedelta(seconds=90),
                on_scene=t + timedelta(seconds=570),
            ),
            # A second unit sent later that never reported en route: no turnout, no travel, never zero.
            Stamp("police_erv", "police", t + timedelta(seconds=120), on_scene=t + timedelta(seconds=1500)),
        ],
    )
    await write_case(conn, case)
    open_case = Case(
        t, "Raipur", "police", "rural", 2, 28.0, [Stamp("police_erv", "police", t + timedelta(seconds=30))]
    )
    await write_case(conn, open_case)

    clock = (await client.get(f"/api/v1/incidents/{case.id}/clock", headers=sup())).json()
    assert clock["processing_s"] == 45 and clock["response_s"] == 570
    assert clock["within_target"] is True and clock["open"] is False
    first, second = clock["assignments"]
    assert (first["acknowledgement_s"], first["turnout_s"], first["travel_s"]) == (15, 45, 480)
    assert first["notified_to_scene_s"] == 525
    assert (second["acknowledgement_s"], second["turnout_s"], second["travel_s"]) == (None, None, None)
    assert second["notified_to_scene_s"] == 1380

    still_open = (await client.get(f"/api/v1/incidents/{open_case.id}/clock", headers=sup())).json()
    assert still_open["response_s"] is None and still_open["within_target"] is None and still_open["open"]
    assert still_open["processing_s"] == 30

    row = await conn.fetchrow(
        "SELECT response_seconds, within_target, first_unit_type FROM incidents WHERE id = $1", case.id
    )
    assert row is not None and tuple(row) == (570.0, True, "ambulance")

    # The open incident is not in the response statistics at all (not as zero): one arrival counted.
    [stats] = (await client.get("/api/v1/analytics/response-times", headers=sup())).json()
    assert stats["count"] == 1 and stats["mean_s"] == 570 and stats["within_target_pct"] == 100
    [processing] = (
        await client.get("/api/v1/analytics/response-times?interval=processing", headers=sup())
    ).json()
    assert (
        processing["count"] == 2 and processing["mean_s"] == 37.5 and processing["within_target_pct"] is None
    )


async def test_within_target_is_measured_against_the_incident_target(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    for seconds in (960, 961):  # exactly 16 min is within; one second more is not
        await write_case(
            conn,
            Case(
                T0,
                "Raipur",
                "police",
                "urban",
                2,
                16.0,
                [
                    Stamp(
                        "police_erv",
                        "police",
                        T0 + timedelta(seconds=30),
                        on_scene=T0 + timedelta(seconds=seconds),
                    )
                ],
            ),
        )
    flags = [r["within_target"] for r in await conn.fetch("SELECT within_target FROM incidents ORDER BY id")]
    assert flags == [True, False]
    [row] = (await client.get("/api/v1/analytics/response-times", headers=sup())).json()
    assert row["within_target_pct"] == 50.0 and row["p50_s"] == 960.5


GROUPINGS = [
    (),
    ("district", "category", "area_type"),
    ("priority",),
    ("unit_type", "area_type"),
    ("day",),
    ("week", "district"),
    ("month", "category"),
]


async def test_statistics_match_python_for_every_interval_and_grouping(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    cases = random_cases(random.Random(112), 260)
    for case in cases:
        await write_case(conn, case)
    for interval in ("response", "processing", "acknowledgement", "turnout", "travel"):
        for dims in GROUPINGS:
            url = f"/api/v1/analytics/response-times?interval={interval}&group_by={','.join(dims)}"
            got = (await client.get(url, headers=sup())).json()
            assert _sorted(got, dims) == expected_rows(cases, interval, dims), (interval, dims)


async def test_rollup_and_raw_scan_give_identical_answers(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    cases = random_cases(random.Random(7), 300) + boundary_cases()
    for case in cases:
        await write_case(conn, case)
    queries = [
        "group_by=district,category,area_type",
        "group_by=priority,unit_type&category=police,women",
        "group_by=day&from=2026-03-05&to=2026-03-20",
        "group_by=month,area_type&district=Durg",
        "",
    ]
    # Groupings the month tier answers (its minutes, then the day tier's seconds): whole months, partial
    # months at either edge, open ends, filters on dimensions not grouped, and the month itself.
    tiered = [
        "group_by=district,category,area_type&from=2026-03-01&to=2026-03-31",
        "group_by=district,category,area_type&from=2026-04-01&to=2026-04-30",
        "group_by=area_type,district,category,month&from=2026-03-05&to=2026-04-08",
        "group_by=district,category,area_type,priority,unit_type&from=2026-03-10",
        "group_by=district,category,area_type&to=2026-03-31&priority=2,3",
        "group_by=category,district,area_type,unit_type&from=2026-03-20&to=2026-04-30&unit_type=police_erv",
        "group_by=district,category,area_type,month",
    ]
    for q in tiered:
        params = dict(part.split("=") for part in q.split("&"))
        s = build_slice(
            params.get("group_by"),
            params.get("from"),
            params.get("to"),
            {d: params.get(d) for d in FILTER_DIMENSIONS},
            DIMENSIONS,
            FILTER_DIMENSIONS,
        )
        assert uses_month_tier(s), q
    for q in queries + tiered:
        rollup = await client.get(f"/api/v1/analytics/response-times?{q}&source=rollup", headers=sup())
        raw = await client.get(f"/api/v1/analytics/response-times?{q}&source=raw", headers=sup())
        auto = await client.get(f"/api/v1/analytics/response-times?{q}", headers=sup())
        assert rollup.status_code == raw.status_code == 200, (rollup.text, raw.text)
        assert rollup.json() == raw.json() == auto.json() and raw.json(), q
    # A period that does not start at an IST midnight can only be answered by the raw scan.
    odd = "from=2026-03-05T10:30:00%2B05:30&to=2026-03-20"
    assert (
        await client.get(f"/api/v1/analytics/response-times?{odd}&source=rollup", headers=sup())
    ).status_code == 422
    got = (
        await client.get(f"/api/v1/analytics/response-times?{odd}&group_by=district", headers=sup())
    ).json()
    start = datetime(2026, 3, 5, 10, 30, tzinfo=IST)
    end = datetime(2026, 3, 21, tzinfo=IST)
    inside = [c for c in cases if start <= c.received < end]
    assert _sorted(got, ("district",)) == expected_rows(inside, "response", ("district",))


async def test_rollup_stays_exactly_consistent_with_incidents(conn: asyncpg.Connection) -> None:
    cases = random_cases(random.Random(3), 150) + boundary_cases()
    for case in cases:
        await write_case(conn, case)
    await _assert_rollup_consistent(conn)
    # Edits of what the rollup is keyed on move the counts with them.
    await conn.execute("UPDATE incidents SET category = 'women' WHERE id % 7 = 0")
    await conn.execute("UPDATE incidents SET received_at = received_at - interval '1 day' WHERE id % 5 = 0")
    await conn.execute("UPDATE incidents SET status = 'closed' WHERE id % 3 = 0")  # no rollup change
    # Across the IST month boundary, by a second, both ways; a response moved into another minute.
    await conn.execute(
        """UPDATE incidents SET received_at = received_at + interval '1 second'
           WHERE received_at = '2026-03-31 23:59:59.5+05:30'"""
    )
    await conn.execute(
        """UPDATE incidents SET received_at = received_at - interval '1 second'
           WHERE received_at = '2026-04-01 04:00:00+05:30'"""
    )
    await conn.execute(
        """UPDATE incidents SET response_seconds = response_seconds + 45, within_target = NOT within_target
           WHERE id % 11 = 0 AND response_seconds IS NOT NULL"""
    )
    await _assert_rollup_consistent(conn)
    await conn.execute("DELETE FROM assignments WHERE incident_id % 4 = 0")
    await conn.execute("DELETE FROM incidents WHERE id % 4 = 0")
    await _assert_rollup_consistent(conn)


async def _assert_rollup_consistent(conn: asyncpg.Connection) -> None:
    """Both tiers equal the same aggregation recomputed from the incidents."""
    recomputed = await conn.fetch(
        """SELECT (received_at AT TIME ZONE 'Asia/Kolkata')::date AS day, district, category, area_type,
                  priority, first_unit_type AS unit_type, floor(response_seconds)::int AS second,
                  count(*)::int AS n,
                  (count(*) FILTER (WHERE within_target))::int AS n_within,
                  sum(round(response_seconds * 1000000)::bigint)::bigint AS sum_us
           FROM incidents WHERE response_seconds IS NOT NULL
           GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7"""
    )
    rollup = await conn.fetch(
        """SELECT day, district, category, area_type, priority, unit_type, second, n, n_within, sum_us
           FROM response_rollup ORDER BY 1, 2, 3, 4, 5, 6, 7"""
    )
    assert [tuple(r) for r in rollup] == [tuple(r) for r in recomputed] and rollup
    by_month = await conn.fetch(
        """SELECT date_trunc('month', received_at AT TIME ZONE 'Asia/Kolkata')::date AS month, district,
                  category, area_type, priority, first_unit_type AS unit_type,
                  floor(floor(response_seconds) / 60)::int AS minute, count(*)::int AS n,
                  (count(*) FILTER (WHERE within_target))::int AS n_within,
                  sum(round(response_seconds * 1000000)::bigint)::bigint AS sum_us
           FROM incidents WHERE response_seconds IS NOT NULL
           GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7"""
    )
    month_tier = await conn.fetch(
        """SELECT month, district, category, area_type, priority, unit_type, minute, n, n_within, sum_us
           FROM response_rollup_month ORDER BY 1, 2, 3, 4, 5, 6, 7"""
    )
    assert [tuple(r) for r in month_tier] == [tuple(r) for r in by_month] and month_tier
    assert {date(2026, 3, 1), date(2026, 4, 1)} <= {r["month"] for r in month_tier}
    # The tier is the day tier summed by month and minute.
    assert sum(r["n"] for r in month_tier) == sum(r["n"] for r in rollup)


async def test_api_call_to_arrival_is_counted(client: httpx.AsyncClient) -> None:
    unit = await add_unit(client, *offset(*RAIPUR, north_km=1))
    incident = (await post_call(client))["incident"]
    await move(client, unit["id"], "en_route")
    await move(client, unit["id"], "on_scene")
    closed = await client.post(
        f"/api/v1/incidents/{incident['id']}/close",
        json={"disposition": "resolved"},
        headers=token("operator"),
    )
    assert closed.status_code == 200
    rows = (
        await client.get(
            "/api/v1/analytics/response-times?group_by=district,category,area_type", headers=sup()
        )
    ).json()
    assert [(r["district"], r["category"], r["area_type"], r["count"]) for r in rows] == [
        ("Raipur", "police", "urban", 1)
    ]
    assert rows[0]["within_target_pct"] == 100.0
    by_unit = (await client.get("/api/v1/analytics/response-times?group_by=unit_type", headers=sup())).json()
    assert by_unit[0]["unit_type"] == "police_erv"


async def test_roles_and_strict_validation(client: httpx.AsyncClient) -> None:
    base = "/api/v1/analytics/response-times"
    assert (await client.get(base, headers=token("operator"))).status_code == 403
    assert (await client.get("/api/v1/analytics/volumes", headers=token("operator"))).status_code == 403
    assert (await client.get(base)).status_code == 401
    for role in ("supervisor", "analyst", "admin"):
        assert (await client.get(base, headers=token(role))).status_code == 200
    for query, field_name in [
        ("group_by=district,colour", "group_by"),
        ("interval=arrival", "interval"),
        ("from=2026-03-10&to=2026-03-01", "from"),
        ("from=yesterday", "from"),
        ("category=plumbing", "category"),
        ("priority=7", "priority"),
        ("group_by=day,day", "group_by"),
    ]:
        r = await client.get(f"{base}?{query}", headers=sup())
        assert r.status_code == 422 and r.json()["detail"].startswith(field_name), (query, r.text)
    r = await client.get("/api/v1/analytics/volumes?group_by=unit_type", headers=sup())
    assert r.status_code == 422 and "group_by" in r.json()["detail"]


async def test_csv_parses_and_matches_json(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    for case in random_cases(random.Random(5), 80):
        await write_case(conn, case)
    for path in (
        "/api/v1/analytics/response-times?group_by=district,category,area_type",
        "/api/v1/analytics/response-times?group_by=unit_type&interval=turnout",
        "/api/v1/analytics/volumes?group_by=month,category",
    ):
        as_json = (await client.get(path, headers=sup())).json()
        response = await client.get(path, headers=sup() | {"Accept": "text/csv"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        parsed = list(csv.DictReader(io.StringIO(response.text)))
        assert len(parsed) == len(as_json) > 0
        for row, expected in zip(parsed, as_json, strict=True):
            assert list(row) == list(expected)
            assert row == {k: "" if v is None else str(v) for k, v in expected.items()}


async def test_volumes_answer_the_headline_counts(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    ambulance = await add_unit(client, "ambulance", *offset(*RAIPUR, north_km=1))
    police = await add_unit(client, "police_erv", *offset(*RAIPUR, north_km=1.2))
    accident = (
        await post_call(
            client, category=None, text="road accident, truck hit a bike, two people badly injured"
        )
    )["incident"]
    assert {a["unit_id"] for a in accident["assignments"]} == {ambulance["id"], police["id"]}
    await move(client, ambulance["id"], "on_scene")
    await move(client, police["id"], "on_scene")
    women = (await post_call(client, category="women", lat=21.30, lon=81.70))["incident"]  # queued: no unit
    await post_call(client, category="women", lat=21.30, lon=81.70)  # a repeat call: duplicate
    await post_call(client, lat=25.5, lon=85.0)  # far outside the state: referred
    [total] = (await client.get("/api/v1/analytics/volumes", headers=sup())).json()
    assert (
        total["calls"] == 4
        and total["incidents"] == 3
        and total["duplicates"] == 1
        and total["referred"] == 1
    )
    assert total["helped"] == 1 and total["medical_helped"] == 1 and total["police_helped"] == 1
    assert total["road_accidents_helped"] == 1 and total["women_helped"] == 0 and total["child_helped"] == 0
    by_category = {
        r["category"]: r
        for r in (await client.get("/api/v1/analytics/volumes?group_by=category", headers=sup())).json()
    }
    assert by_category["women"]["incidents"] == 1 and by_category["women"]["duplicates"] == 1
    assert women["status"] == "queued"


async def test_targets_history_and_roles(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/targets", headers=token("operator"))).status_code == 403
    body = {"area_type": "urban", "district": "Raipur", "category": "medical", "minutes": 12}
    assert (await client.post("/api/v1/targets", json=body, headers=sup())).status_code == 403
    created = await client.post("/api/v1/targets", json=body, headers=token("admin"))
    assert created.status_code == 201 and created.json()["set_by"].startswith("admin:")
    again = await client.post("/api/v1/targets", json=body | {"minutes": 10}, headers=token("admin"))
    assert again.status_code == 201
    rows = [
        r
        for r in (await client.get("/api/v1/targets", headers=token("admin"))).json()
        if r["district"] == "Raipur" and r["category"] == "medical"
    ]
    assert [(r["minutes"], r["current"]) for r in rows] == [(10, True), (12, False)]
    bad = await client.post("/api/v1/targets", json=body | {"district": "Atlantis"}, headers=token("admin"))
    assert bad.status_code == 422 and bad.json()["detail"].startswith("district")
    await add_unit(client, "ambulance", *offset(*RAIPUR, north_km=1))
    incident = (await post_call(client, category="medical", text="unconscious, not breathing"))["incident"]
    assert incident["target_minutes"] == 10


@pytest.mark.parametrize("value", ["2026-03-01", "2026-03-01T00:00:00+05:30"])
async def test_whole_day_periods_use_the_rollup(value: str) -> None:
    from app.services.analytics import build_slice, rollup_can_answer

    s = build_slice(None, value, "2026-03-31", {}, ("day",), ())
    assert rollup_can_answer("response", s) and not rollup_can_answer("turnout", s)
    assert s.end == datetime(2026, 4, 1, tzinfo=IST).astimezone(UTC)
