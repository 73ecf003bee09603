"""The console's page and assets as the service serves them (the browser tests are in tests/e2e/)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from app.console import STATIC_DIR
from app.routers.console import CONTENT_SECURITY_POLICY

# XML namespace names look like URLs but are never fetched.
NAMESPACES = {"http://www.w3.org/2000/svg"}


def _assets() -> list[Path]:
    return sorted(p for p in STATIC_DIR.rglob("*") if p.is_file())


async def test_the_page_needs_no_token_and_may_load_nothing_from_elsewhere(client: httpx.AsyncClient) -> None:
    for path in ("/console", "/console/"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert 'src="/console/static/js/main.js"' in response.text
    # 'self' everywhere and nothing else: the browser itself refuses any other origin.
    for directive in CONTENT_SECURITY_POLICY.split(";"):
        sources = directive.split()[1:]
        assert set(sources) <= {"'self'", "'none'", "data:", "blob:"}, directive


async def test_every_asset_is_served_and_names_no_other_host(client: httpx.AsyncClient) -> None:
    assets = _assets()
    assert {"index.html", "style.css", "main.js", "en.json", "hi.json"} <= {p.name for p in assets}
    for path in assets:
        relative = path.relative_to(STATIC_DIR).as_posix()
        response = await client.get(f"/console/static/{relative}")
        assert response.status_code == 200, relative
        assert "content-security-policy" in response.headers
        urls = set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'`)]*", path.read_text())) - NAMESPACES
        assert not urls, f"{relative} refers to other hosts: {urls}"


async def test_district_outlines_are_the_seeded_geography(client: httpx.AsyncClient) -> None:
    response = await client.get("/console/geo/districts.geojson")
    assert response.status_code == 200
    names = {f["properties"]["name"] for f in response.json()["features"]}
    assert len(names) == 33
    assert {"Raipur", "Bastar"} <= names


def _keys_used() -> set[str]:
    keys = set()
    for path in _assets():
        text = path.read_text() if path.suffix in (".js", ".html") else ""
        keys |= set(re.findall(r'data-i18n="([\w.]+)"', text))
        keys |= set(re.findall(r'\bt\("([\w.]+)"', text))
        keys |= set(re.findall(r'"(detail\.[a-z_]+)"', text))
    return keys


def test_hindi_and_english_label_the_same_things_and_every_label_used_exists() -> None:
    english = json.loads((STATIC_DIR / "i18n" / "en.json").read_text())
    hindi = json.loads((STATIC_DIR / "i18n" / "hi.json").read_text())
    assert set(english) == set(hindi)
    assert all(re.search("[\u0900-\u097f]", v) for v in hindi.values()), "an untranslated Hindi label"
    used = _keys_used()
    assert used, "no labels found: the pattern no longer matches the code"
    assert used <= set(english), f"labels with no translation: {sorted(used - set(english))}"
    # Templated keys: every service, priority, status and unit type the API can send has a label.
    for prefix, values in {
        "service": ("police", "fire", "medical", "women", "child"),
        "priority": ("1", "2", "3"),
        "status": ("queued", "dispatched", "on_scene", "closed", "cancelled", "duplicate", "referred"),
        "unit_status": ("available", "dispatched", "en_route", "on_scene", "transporting", "at_hospital"),
        "unit_type": ("police_erv", "ambulance", "fire_tender", "women_safety", "child_protection"),
        "area": ("urban", "rural"),
    }.items():
        for value in values:
            assert f"{prefix}.{value}" in english, f"{prefix}.{value}"
