"""The `dial112` command: database, seed, serve, tokens, triage."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from app.config import ROOT, get_settings

cli = typer.Typer(add_completion=False, no_args_is_help=True, help="Dial112 emergency dispatch service.")
db_cli = typer.Typer(no_args_is_help=True, help="Database migrations.")
cli.add_typer(db_cli, name="db")


def _alembic(action: str, revision: str) -> None:
    from alembic.config import Config

    from alembic import command
    from app.database import database_url_or_embedded

    settings = get_settings()
    with database_url_or_embedded(settings.database_url, settings.data_dir) as url:
        config = Config(str(ROOT / "alembic.ini"))
        config.set_main_option("script_location", str(ROOT / "alembic"))
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        getattr(command, action)(config, revision)


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default head)."""
    _alembic("upgrade", revision)


@db_cli.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()] = "base") -> None:
    """Revert migrations down to REVISION (default base)."""
    _alembic("downgrade", revision)


async def _seed(url: str, geography_dir: Path, demo: bool) -> str:
    from app.database import create_pool, transaction
    from app.repositories import units as units_repo
    from app.services.demo_fleet import demo_fleet
    from app.services.geography import read_collection, seed_geography

    pool = await create_pool(url, 1, 2)
    try:
        async with transaction(pool) as conn:
            n_districts, n_zones = await seed_geography(conn, geography_dir)
            message = f"seeded {n_districts} districts, {n_zones} urban zones"
            if demo:
                districts = read_collection(geography_dir / "districts.geojson")["features"]
                zones_path = geography_dir / "urban_zones.geojson"
                zones = read_collection(zones_path)["features"] if zones_path.exists() else []
                fleet = demo_fleet(districts, zones)
                await units_repo.upsert_demo_units(
                    conn, [(u.callsign, u.type, u.district, u.lat, u.lon) for u in fleet]
                )
                message += f", {len(fleet)} demo units"
        return message
    finally:
        await pool.close()


@cli.command()
def seed(
    demo: Annotated[bool, typer.Option("--demo", help="also load the demo fleet")] = False,
) -> None:
    """Load districts, urban zones and default targets (idempotent); --demo adds a demo fleet."""
    from app.database import database_url_or_embedded

    settings = get_settings()
    with database_url_or_embedded(settings.database_url, settings.data_dir) as url:
        typer.echo(asyncio.run(_seed(url, settings.geography_dir, demo)))


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="worker processes sharing one database")] = 1,
) -> None:
    """Serve the API (embedded PostgreSQL when DATABASE_URL is unset).

    Workers start whether or not the database answers (they serve 503 until it does); a worker that dies
    is replaced. The exit status is non-zero when a worker could not start, so a supervisor restarts us.
    """
    import os
    import shutil
    import tempfile

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from app.database import database_url_or_embedded
    from app.observability.logs import logging_config
    from app.observability.metrics import MULTIPROC_ENV

    settings = get_settings()
    metrics_dir = None
    if settings.metrics_enabled and not os.environ.get(MULTIPROC_ENV):
        # Every worker writes its metrics here and any of them answers /metrics for all (fresh per start).
        metrics_dir = tempfile.mkdtemp(prefix="dial112-metrics-")
        os.environ[MULTIPROC_ENV] = metrics_dir
    try:
        with database_url_or_embedded(settings.database_url, settings.data_dir):
            get_settings.cache_clear()  # workers and this process must see the embedded DATABASE_URL
            config = uvicorn.Config(
                "app.main:create_app",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                loop="uvloop",
                http="httptools",
                access_log=False,  # the service writes its own access log, with request ids
                log_config=logging_config(settings.log_format),
                timeout_graceful_shutdown=5,
            )
            if workers == 1:
                server = uvicorn.Server(config)
                server.run()
                if not server.started:
                    raise SystemExit(3)
                return
            supervisor = Multiprocess(config, sockets=[config.bind_socket()])
            supervisor.run()
            # uvicorn's supervisor stops everything, and returns normally, when a worker cannot start.
            failed = [p.exitcode for p in supervisor.processes if p.exitcode not in (0, None, -15)]
            if any(code == 3 for code in failed):
                raise SystemExit(3)
    finally:
        if metrics_dir:
            os.environ.pop(MULTIPROC_ENV, None)
            shutil.rmtree(metrics_dir, ignore_errors=True)


@cli.command()
def token(
    role: Annotated[str, typer.Option(help="operator, responder, supervisor, analyst or admin")],
    unit: Annotated[int | None, typer.Option(help="unit id (responder tokens)")] = None,
    district: Annotated[str | None, typer.Option(help="district the holder works for")] = None,
    subject: Annotated[str | None, typer.Option(help="who holds it (written into the event log)")] = None,
    ttl_hours: Annotated[float | None, typer.Option(help="lifetime in hours")] = None,
) -> None:
    """Print a signed bearer token."""
    from app.security import issue_token, utcnow

    settings = get_settings()
    try:
        value = issue_token(
            settings.signing_key,
            role,
            ttl=timedelta(hours=ttl_hours or settings.token_ttl_hours),
            now=utcnow(),
            unit_id=unit,
            district=district,
            subject=subject,
        )
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(value)


@cli.command()
def triage(
    text: Annotated[str | None, typer.Argument(help="the caller's words")] = None,
    jsonl: Annotated[Path | None, typer.Option("--jsonl", help="file of JSON lines with `text`")] = None,
) -> None:
    """Print the triage of TEXT, or of every line of a JSONL file (one output line per input line)."""
    from app.dispatch.triage import classify

    if jsonl is None and text is None:
        typer.echo("error: give TEXT or --jsonl FILE", err=True)
        raise typer.Exit(2)
    if jsonl is None:
        assert text is not None
        typer.echo(json.dumps(classify(text).to_dict(), ensure_ascii=False))
        return
    source = sys.stdin if str(jsonl) == "-" else jsonl.open(encoding="utf-8")
    with source:
        for n, line in enumerate(source, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                    raise ValueError("each line must be an object with a string `text`")
            except ValueError as exc:
                out = {"line": n, "error": str(exc)}
            else:
                out = {"id": item.get("id"), **classify(item["text"]).to_dict()}
            typer.echo(json.dumps(out, ensure_ascii=False))


def main() -> None:
    """Entry point of the console script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        get_settings()
    except ValueError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise SystemExit(2) from exc
    cli()
