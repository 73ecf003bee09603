"""The control-room web console: static files (plain ES modules, SVG drawn by its own code, no CDN)."""

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
