"""Fuzz runs (schemathesis) start a real server: `make fuzz` runs them, `make test` not."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a fuzz run (deselected by default, see pyproject's addopts)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.fuzz)
