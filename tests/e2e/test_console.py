"""The console in a real browser: sign-in, the live board and map fed by the operator feed, operator
actions, district scope, and the analytics page over seeded data."""

from __future__ import annotations

import csv
import io
import re
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from playwright.async_api import Browser, Page, ViewportSize, expect

from app.database import asyncpg_dsn
from tests.e2e.conftest import DESKTOP, TABLET, Console, bearer, open_page, screenshot
from tests.e2e.seeding import PastIncident, post_call, write_past_incidents

IST = ZoneInfo("Asia/Kolkata")
RAIPUR = (21.2514, 81.6296)
JAGDALPUR = (19.0748, 82.008)  # Bastar's headquarters


async def signed_in(browser: Browser, console: Console, token: str, viewport: ViewportSize = DESKTOP) -> Page:
    """A page signed in through /console#token=..., its feed connected."""
    page = await open_page(browser, console, viewport)
    await page.goto(f"{console.base}/console#token={token}")
    await expect(page.locator("#who")).to_be_visible()
    return page


async def live(page: Page) -> None:
    """Wait until the board is loaded, the units are drawn and the feed is connected."""
    await expect(page.locator("#feed-state")).to_have_attribute("data-state", "live")
    await expect(page.locator("#map [data-unit-id]").first).to_be_attached()


async def test_a_call_posted_through_the_api_reaches_board_and_map_within_2s_and_its_clock_runs(
    browser: Browser, console: Console
) -> None:
    page = await signed_in(browser, console, bearer("operator", subject="asha"))
    await live(page)
    async with console.api("operator") as api:
        units = (await api.get("/api/v1/units", params={"limit": 10000})).json()
        # Every unit of the fleet is a dot on the map, each carrying its id.
        drawn = await page.locator("#map [data-unit-id]").evaluate_all(
            "els => els.map(e => +e.dataset.unitId)"
        )
        assert sorted(drawn) == sorted(u["id"] for u in units)
        await expect(page.locator("#map path.district")).to_have_count(33)

        incident = await post_call(api, {}, *RAIPUR, text="two men fighting with sticks", category="police")
        posted = time.monotonic()
        card = page.locator(f'#board [data-incident-id="{incident["id"]}"]')
        marker = page.locator(f'#map [data-incident-id="{incident["id"]}"]')
        await expect(card).to_be_visible(timeout=2000)
        await expect(marker).to_be_attached(timeout=max(1, 2000 - (time.monotonic() - posted) * 1000))

    # The card says what a supervisor needs at a glance.
    assert await card.get_attribute("data-service") == "police"
    await expect(card).to_contain_text("Raipur")
    await expect(card).to_contain_text("Urban")
    callsign = incident["assignments"][0]["callsign"]
    await expect(card.locator(".card-units")).to_contain_text(callsign)
    await expect(card.locator(".card-units")).to_contain_text("Dispatched")

    # Its clock counts down against the 16-minute urban target, second by second.
    clock = card.locator(".clock")
    await expect(clock).to_have_text(re.compile(r"^\d+:\d\d left$"))
    first = await clock.text_content()
    first_elapsed = int(await clock.get_attribute("data-elapsed-s") or "0")
    await expect(clock).not_to_have_text(first or "", timeout=5000)
    assert int(await clock.get_attribute("data-elapsed-s") or "0") > first_elapsed
    await expect(card.locator(".target")).to_contain_text("16")

    await screenshot(page, "map-1366x768")
    await page.set_viewport_size(TABLET)
    await expect(card).to_be_visible()
    await screenshot(page, "map-tablet-820x1180")


async def test_the_board_follows_the_feed_and_an_operator_closes_an_incident_from_it(
    browser: Browser, console: Console
) -> None:
    page = await signed_in(browser, console, bearer("operator", subject="asha"))
    await live(page)
    async with console.api("operator") as api:
        incident = await post_call(api, {}, *RAIPUR, text="aag lag gayi hai", category="fire", priority=1)
        unit_id = incident["assignments"][0]["unit_id"]
        card = page.locator(f'#board [data-incident-id="{incident["id"]}"]')
        await expect(card).to_be_visible(timeout=2000)
        dot = page.locator(f'#map [data-unit-id="{unit_id}"]')
        await expect(dot).to_have_attribute("data-status", "dispatched")

        # A responder's step arrives through the feed: the unit's chip and its dot change, no reload.
        moved = await api.post(f"/api/v1/units/{unit_id}/status", json={"status": "en_route"})
        assert moved.status_code == 200, moved.text
        await expect(card.locator(".card-units")).to_contain_text("En route")
        await expect(dot).to_have_attribute("data-status", "en_route")

    # Click the incident on the map: it opens, with the operator's actions.
    await page.locator(f'#map [data-incident-id="{incident["id"]}"]').click()
    drawer = page.locator("#detail")
    await expect(drawer).to_be_visible()
    await expect(drawer).to_have_attribute("data-incident-id", str(incident["id"]))
    await expect(drawer.locator("[data-operator-actions]")).to_be_visible()
    await screenshot(page, "incident-detail-1366x768")

    await drawer.get_by_role("button", name="Close incident").click()
    await expect(card).to_have_count(0, timeout=5000)
    await expect(page.locator(f'#map [data-incident-id="{incident["id"]}"]')).to_have_count(0)
    async with console.api("operator") as api:
        closed = (await api.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert closed["status"] == "closed"
    assert closed["disposition"] == "resolved"


async def test_a_supervisor_watches_but_has_no_operator_actions(browser: Browser, console: Console) -> None:
    async with console.api("operator") as api:
        incident = await post_call(api, {}, *RAIPUR, text="accident hua hai", category="medical")
    page = await signed_in(browser, console, bearer("supervisor", subject="sp-raipur"))
    await live(page)
    card = page.locator(f'#board [data-incident-id="{incident["id"]}"]')
    await card.click()
    drawer = page.locator("#detail")
    await expect(drawer).to_have_attribute("data-incident-id", str(incident["id"]))
    await expect(drawer.locator("table.assignments")).to_be_visible()
    await expect(drawer.locator("[data-operator-actions]")).to_have_count(0)
    await expect(page.locator('#tabs [data-view="analytics"]')).to_be_visible()


async def test_a_district_token_sees_only_its_district(browser: Browser, console: Console) -> None:
    page = await signed_in(browser, console, bearer("operator", subject="bastar-desk", district="Bastar"))
    await live(page)
    await expect(page.locator("#who")).to_contain_text("Bastar")
    statuses = await page.locator("#map [data-unit-id]").evaluate_all(
        "els => els.map(e => e.dataset.district)"
    )
    assert statuses
    assert set(statuses) == {"Bastar"}
    async with console.api("operator") as api:
        elsewhere = await post_call(api, {}, *RAIPUR, category="police")
        here = await post_call(api, {}, *JAGDALPUR, category="medical")
    await expect(page.locator(f'#board [data-incident-id="{here["id"]}"]')).to_be_visible(timeout=2000)
    # The feed is in order: by the time Bastar's call is shown, Raipur's (posted first) was passed over.
    await expect(page.locator(f'[data-incident-id="{elsewhere["id"]}"]')).to_have_count(0)
    await expect(page.locator("#filter-district")).to_be_disabled()


async def test_the_token_stays_out_of_the_address_bar_and_the_server_logs(
    browser: Browser, console: Console
) -> None:
    token = bearer("operator", subject="asha")
    page = await signed_in(browser, console, token)
    await live(page)
    assert token not in page.url
    assert token not in console.log.read_text()
    # A reload keeps the session (sessionStorage), still without the token in the URL.
    await page.reload()
    await live(page)
    assert token not in page.url

    other = await open_page(browser, console)
    await other.goto(f"{console.base}/console#token=not-a-token")
    await expect(other.locator("#signin-error")).to_be_visible()
    await expect(other.locator("#view-live")).to_be_hidden()
    genuine = bearer("operator", subject="asha")
    await other.fill("#token-input", genuine[:-4] + "AAAA")  # a forged signature: the server says 401
    await other.click("#signin-form button[type=submit]")
    await expect(other.locator("#signin-error")).to_be_visible(timeout=5000)


async def test_analytics_chart_the_seeded_period(browser: Browser, console: Console, db_url: str) -> None:
    # Two months of closed incidents at fixed IST times: Bastar (rural, 28 min) and Raipur (urban, 16 min).
    feb, mar = datetime(2026, 2, 10, 9, 0, tzinfo=IST), datetime(2026, 3, 12, 22, 15, tzinfo=IST)
    seeded = [
        PastIncident(feb, "Raipur", "urban", "police", 10),
        PastIncident(feb, "Raipur", "urban", "medical", 30),
        PastIncident(mar, "Raipur", "urban", "police", 12),
        PastIncident(mar, "Raipur", "urban", "women", 15.5),
        PastIncident(mar, "Raipur", "urban", "police", 21),
        PastIncident(feb, "Bastar", "rural", "medical", 20),
        PastIncident(mar, "Bastar", "rural", "police", 35),
        PastIncident(mar, "Bastar", "rural", "fire", 41),
        PastIncident(mar, "Bastar", "rural", "police", None),
    ]
    # Outside the period picked below: must not be counted.
    seeded_outside = [PastIncident(datetime(2026, 4, 1, 0, 5, tzinfo=IST), "Bastar", "rural", "police", 5)]
    conn = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        await write_past_incidents(conn, seeded + seeded_outside)
    finally:
        await conn.close()

    page = await signed_in(browser, console, bearer("analyst", subject="hq-analyst"))
    # An analyst has no live view: the console opens on analytics.
    await expect(page.locator("#view-analytics")).to_be_visible()
    await page.select_option("#period", "custom")
    await page.fill("#from", "2026-02-01")
    await page.fill("#to", "2026-03-31")
    await page.locator("#to").dispatch_event("change")

    arrivals: dict[str, list[bool]] = defaultdict(list)
    by_month: dict[str, list[bool]] = defaultdict(list)
    for p in seeded:
        if p.within is not None:
            arrivals[p.district].append(p.within)
            by_month[p.received.strftime("%Y-%m-01")].append(p.within)
    for district, within in arrivals.items():
        bar = page.locator(f'#chart-districts [data-district="{district}"]')
        await expect(bar).to_have_attribute("data-value", f"{100 * sum(within) / len(within):.2f}")
        await expect(bar).to_have_attribute("data-count", str(len(within)))
    for month, within in by_month.items():
        point = page.locator(f'#chart-trend [data-series="within_target_pct"] [data-x="{month}"]')
        await expect(point).to_have_attribute("data-y", f"{100 * sum(within) / len(within):.2f}")
    urban = [p for p in seeded if p.area_type == "urban" and p.within is not None]
    await expect(page.locator('#chart-distribution [data-key="urban"]')).to_have_attribute(
        "data-count", str(len(urban))
    )
    await expect(page.locator('[data-kpi="calls"] b')).to_have_text(str(len(seeded)))
    helped_police = sum(1 for p in seeded if p.category == "police" and p.within is not None)
    await expect(page.locator('#chart-volumes [data-volume="police_helped"]')).to_have_attribute(
        "data-count", str(helped_police)
    )
    await screenshot(page, "analytics-1366x768")

    async with page.expect_download() as waiting:
        await page.locator('#chart-districts [data-csv="district"]').click()
    download = await waiting.value
    saved = await download.path()
    rows = list(csv.DictReader(io.StringIO(Path(saved).read_text())))  # noqa: ASYNC240 (a small local file)
    assert {r["district"]: float(r["within_target_pct"]) for r in rows} == {
        d: round(100 * sum(w) / len(w), 2) for d, w in arrivals.items()
    }

    await page.set_viewport_size(TABLET)
    await screenshot(page, "analytics-tablet-820x1180")
