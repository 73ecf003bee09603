"""The packaging metadata is in today's form: a clean `pip install -e .` prints no deprecation warning."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT_PATH


def test_license_is_an_spdx_expression_with_a_backend_that_reads_it() -> None:
    # setuptools deprecated the `license = {text = ...}` table (it stops building in 2027); the SPDX
    # string form needs setuptools 77 or later.
    pyproject = tomllib.loads((ROOT_PATH / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == "Apache-2.0"
    (backend,) = [r for r in pyproject["build-system"]["requires"] if r.startswith("setuptools")]
    found = re.fullmatch(r"setuptools>=(\d+)", backend)
    assert found and int(found.group(1)) >= 77
    assert "License ::" not in " ".join(pyproject["project"].get("classifiers", []))
