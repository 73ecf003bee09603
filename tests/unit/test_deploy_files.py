"""docker-compose.yml and the Dockerfile agree with each other and the service (no Docker engine here)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.conftest import ROOT_PATH


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT_PATH / "docker-compose.yml").read_text(encoding="utf-8"))
    return data


def test_compose_has_api_waiting_for_a_healthy_postgres() -> None:
    compose = _compose()
    db, api = compose["services"]["db"], compose["services"]["api"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pgdata" in compose["volumes"]
    assert db["volumes"][0].startswith("pgdata:")


def test_compose_api_migrates_seeds_and_serves_on_all_interfaces() -> None:
    api = _compose()["services"]["api"]
    command = " ".join(api["command"])
    assert (
        command.index("dial112 db upgrade") < command.index("dial112 seed") < command.index("dial112 serve")
    )
    assert "--host 0.0.0.0" in command
    assert api["ports"] == ["8000:8000"]
    env = api["environment"]
    assert env["DATABASE_URL"].startswith("postgresql+asyncpg://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["DIAL112_ENV"] == "production"
    assert env["DIAL112_SECRET_KEY"].startswith("${DIAL112_SECRET_KEY:?")  # no default secret
    assert "/readyz" in " ".join(api["healthcheck"]["test"])


def test_compose_credentials_match_between_db_and_api() -> None:
    services = _compose()["services"]
    db_env, url = services["db"]["environment"], services["api"]["environment"]["DATABASE_URL"]
    match = re.match(r"postgresql\+asyncpg://([^:]+):([^@]+)@db:5432/(\w+)$", url)
    assert match is not None
    user, password, database = match.groups()
    assert (user, password, database) == (
        db_env["POSTGRES_USER"],
        db_env["POSTGRES_PASSWORD"],
        db_env["POSTGRES_DB"],
    )


def test_dockerfile_installs_the_project_with_migrations() -> None:
    dockerfile = (ROOT_PATH / "Dockerfile").read_text(encoding="utf-8")
    for needed in ("COPY app ./app", "COPY alembic ./alembic", "alembic.ini", "pip install"):
        assert needed in dockerfile
    assert (ROOT_PATH / "alembic.ini").exists()
