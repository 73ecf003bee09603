"""Browser tests of the console: Debian's Chromium, headless, driven by Playwright against a real server.

No browser is downloaded (Playwright's own builds are not reachable here): the tests launch the system's
/usr/bin/chromium (`apt-get install chromium`; .ci/run installs it). Every request the page makes is
recorded, and each test fails if one left the machine. Screenshots go to artifacts/e2e/.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, async_playwright

from app.security import issue_token, utcnow
from tests.conftest import ROOT_PATH, TEST_SECRET, run_cli
from tests.integration.servers import log_path, serve

CHROMIUM = os.environ.get("DIAL112_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT_PATH / "artifacts" / "e2e"
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
TABLET: ViewportSize = {"width": 820, "height": 1180}


def bearer(role: str, **claims: object) -> str:
    """A signed token for the test server (same secret)."""
    return issue_token(TEST_SECRET, role, ttl=timedelta(hours=1), now=utcnow(), **claims)  # type: ignore[arg-type]


@dataclass
class Console:
    """A running server on the test's database, and what its browser pages asked for."""

    base: str
    log: Path
    requests: list[str] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)

    def api(self, role: str = "operator", **claims: object) -> httpx.AsyncClient:
        """An API client with a token of that role."""
        headers = {"Authorization": f"Bearer {bearer(role, **claims)}"}
        return httpx.AsyncClient(base_url=self.base, headers=headers, timeout=10)

    def foreign_requests(self) -> list[str]:
        """Requests that went anywhere but this server (blob: and data: URLs never leave the browser)."""
        here = urlsplit(self.base).netloc
        out = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("blob", "data"):
                continue
            if parts.scheme not in ("http", "https", "ws", "wss") or parts.netloc != here:
                out.append(url)
        return out


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, for the whole run."""
    if not Path(CHROMIUM).is_file():  # noqa: ASYNC240 (once per run, before anything runs)
        message = f"{CHROMIUM} not found: apt-get install chromium (or set DIAL112_CHROMIUM)"
        # CI must run them (it sets DIAL112_REQUIRE_BROWSER); a newcomer's machine without a browser
        # and without root to install one still gets a green `make test` for everything else.
        if os.environ.get("DIAL112_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def console(db_url: str) -> AsyncIterator[Console]:
    """`dial112 serve` on this test's database with the demo fleet, and the requests its pages make."""
    done = run_cli(db_url, "seed", "--demo")
    assert done.returncode == 0, done.stderr
    with serve(db_url) as (base, _process):
        found = Console(base, log_path(urlsplit(base).port or 80))
        try:
            yield found
        finally:
            for context in found.contexts:
                await context.close()
        if found.contexts:
            # The recorder saw the page's own loads, so an empty foreign list means something.
            assert f"{base}/console/static/js/main.js" in found.requests
        assert not found.foreign_requests(), f"requests left the machine: {found.foreign_requests()}"


async def open_page(browser: Browser, console: Console, viewport: ViewportSize = DESKTOP) -> Page:
    """A fresh browser context (no shared storage) whose every request is recorded."""
    context: BrowserContext = await browser.new_context(viewport=viewport, accept_downloads=True)
    console.contexts.append(context)
    context.on("request", lambda request: console.requests.append(request.url))
    page = await context.new_page()
    return page


async def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot under artifacts/e2e/ and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path))
    return path
