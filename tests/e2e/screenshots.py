"""Make the README's console screenshots: `make screenshots` (python -m tests.e2e.screenshots [OUT_DIR]).

Builds a throw-away database on DATABASE_URL's server, or the embedded one (migrations, geography,
demo fleet, a year of past incidents from `demo_history`), serves it, posts a dozen live calls through
the API, and saves docs/console-map.png and docs/console-analytics.png at 1366×768; the same views at
tablet size (820×1180) go to artifacts/screens/ for a look, not to the README.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from playwright.async_api import async_playwright

from app.database import asyncpg_dsn, database_name, database_url_or_embedded, with_database
from tests.conftest import ROOT_PATH, run_cli
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, TABLET, bearer
from tests.e2e.seeding import demo_history, post_call, write_past_incidents
from tests.integration.servers import serve

IST = ZoneInfo("Asia/Kolkata")
# (district, lat, lon, service, priority, minutes ago): a busy evening across the state.
LIVE_CALLS = [
    ("Raipur", 21.2514, 81.6296, "police", 2, 3),
    ("Raipur", 21.236, 81.66, "medical", 1, 14),
    ("Durg", 21.19, 81.28, "fire", 1, 6),
    ("Bilaspur", 22.08, 82.15, "women", 1, 11),
    ("Bastar", 19.07, 82.03, "medical", 1, 24),
    ("Korba", 22.35, 82.68, "police", 3, 1),
    ("Surguja", 23.12, 83.2, "child", 2, 9),
    ("Raigarh", 21.9, 83.4, "police", 2, 31),
    ("Dantewada", 18.9, 81.35, "medical", 2, 4),
    ("Kabirdham", 22.0, 81.23, "police", 1, 2),
    ("Rajnandgaon", 21.1, 81.03, "women", 2, 7),
    ("Mahasamund", 21.1, 82.1, "medical", 2, 19),
]


def _months_back(now: datetime, count: int) -> list[datetime]:
    out = []
    for k in range(count - 1, -1, -1):
        index = now.year * 12 + now.month - 1 - k
        out.append(datetime(index // 12, index % 12 + 1, 1, tzinfo=IST))
    return out


async def _populate(url: str, base: str) -> None:
    now = datetime.now(IST)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        districts = [r["name"] for r in await conn.fetch("SELECT name FROM districts ORDER BY name")]
        history = demo_history(districts, _months_back(now, 12))
        past = [p for p in history if p.received < now - timedelta(hours=1)]
        await write_past_incidents(conn, past)
    finally:
        await conn.close()
    headers = {"Authorization": f"Bearer {bearer('operator', subject='demo')}"}
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        for n, (_district, lat, lon, service, priority, ago) in enumerate(LIVE_CALLS):
            received = datetime.now(UTC) - timedelta(minutes=ago)
            when = received.isoformat()
            incident = await post_call(
                client, headers, lat, lon, category=service, priority=priority, received_at=when
            )
            # Some crews are already moving or there.
            if incident["assignments"] and n % 3 != 2:
                unit = incident["assignments"][0]["unit_id"]
                steps = ["en_route", "on_scene"] if n % 3 == 0 else ["en_route"]
                for step in steps:
                    await client.post(f"/api/v1/units/{unit}/status", json={"status": step}, headers=headers)


async def _shoot(base: str, out: Path) -> None:
    token = bearer("supervisor", subject="state-hq")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tablets = ROOT_PATH / "artifacts" / "screens"
        tablets.mkdir(parents=True, exist_ok=True)
        for folder, viewport in ((out, DESKTOP), (tablets, TABLET)):
            page = await browser.new_page(viewport=viewport)
            await page.goto(f"{base}/console#token={token}")
            await page.wait_for_selector("#board [data-incident-id]")
            await page.wait_for_selector("#map path[data-within-target-pct]")
            await page.wait_for_timeout(500)
            await page.screenshot(path=str(folder / "console-map.png"))
            await page.click('#tabs [data-view="analytics"]')
            await page.select_option("#period", "last_12_months")
            await page.wait_for_selector("#chart-districts [data-district]")
            await page.wait_for_timeout(500)
            await page.screenshot(path=str(folder / "console-analytics.png"))
            await page.close()
        await browser.close()


def main() -> None:
    """Build, serve, populate, shoot, drop."""
    with database_url_or_embedded(os.environ.get("DATABASE_URL"), ROOT_PATH / ".data" / "test") as server:
        _build_and_shoot(server)


def _build_and_shoot(server: str) -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT_PATH / "docs"
    out.mkdir(parents=True, exist_ok=True)
    name = f"{database_name(server)}_screens_{secrets.token_hex(3)}"
    admin = with_database(server, "postgres")

    async def sql(statement: str) -> None:
        conn = await asyncpg.connect(asyncpg_dsn(admin))
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(sql(f'CREATE DATABASE "{name}"'))
    url = with_database(server, name)
    try:
        for args in (("db", "upgrade"), ("seed", "--demo")):
            done = run_cli(url, *args)
            assert done.returncode == 0, done.stderr
        with serve(url) as (base, _process):
            asyncio.run(_populate(url, base))
            asyncio.run(_shoot(base, out))
    finally:
        asyncio.run(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
