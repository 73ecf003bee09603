"""The control-room console: its page, its static assets and the district outlines its map draws.

The page needs no token: it signs in with a bearer token (pasted, or `/console#token=JWT`, a fragment
the browser never sends) and then uses the same API as any other client. Everything it loads is served
here; the Content-Security-Policy lets the browser fetch nothing from anywhere else.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from app.console import STATIC_DIR
from app.errors import NotFound
from app.routers.deps import SettingsDep

# 'self' only: a control room on a closed network must work without the internet, and a page that can
# reach nowhere else cannot leak a token or an incident to a third party either.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    # Revalidate every time (ETag/Last-Modified make it cheap): an upgraded server never runs old scripts.
    "Cache-Control": "no-cache",
}

router = APIRouter(tags=["console"], include_in_schema=False)


class ConsoleAssets(StaticFiles):
    """StaticFiles with the console's security and caching headers on every file."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        """The file, with the console's headers."""
        response = super().file_response(*args, **kwargs)
        response.headers.update(PAGE_HEADERS)
        return response


@router.get("/console")
@router.get("/console/")
async def console_page() -> FileResponse:
    """The console's single page; it signs in with a bearer token client-side."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=PAGE_HEADERS)


@router.get("/console/geo/districts.geojson")
async def district_outlines(settings: SettingsDep) -> FileResponse:
    """The district polygons the service was seeded with (DIAL112_GEOGRAPHY_DIR), for the state map."""
    path = settings.geography_dir / "districts.geojson"
    if not path.is_file():
        raise NotFound(f"no districts.geojson in {settings.geography_dir.name}")
    return FileResponse(path, media_type="application/geo+json", headers=PAGE_HEADERS)


def install(app: FastAPI) -> None:
    """Add the console's page, outlines and static assets to the app."""
    app.include_router(router)
    app.mount("/console/static", ConsoleAssets(directory=STATIC_DIR), name="console-static")
