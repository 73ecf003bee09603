"""The `dial112` command: database, seed, serve, tokens, triage, simulate."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from app.config import ROOT, get_settings

cli = typer.Typer(add_completion=False, no_args_is_help=True, help="Dial112 emergency dispatch service.")
db_cli = typer.Typer(no_args_is_help=True, help="Database migrations.")
cli.add_typer(db_cli, name="db")
cameras_cli = typer.Typer(no_args_is_help=True, help="The smart-city camera and panic-pole registry.")
cli.add_typer(cameras_cli, name="cameras")


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


token_cli = typer.Typer(
    invoke_without_command=True, help="Print a signed bearer token (--role ...), or revoke tokens (revoke)."
)
cli.add_typer(token_cli, name="token")


@token_cli.callback()
def token(
    ctx: typer.Context,
    role: Annotated[
        str | None, typer.Option(help="operator, responder, supervisor, analyst, admin or gateway")
    ] = None,
    unit: Annotated[int | None, typer.Option(help="unit id (responder tokens)")] = None,
    district: Annotated[
        str | None, typer.Option(help="district the holder works for (limits what the token sees)")
    ] = None,
    subject: Annotated[str | None, typer.Option(help="who holds it (written into the event log)")] = None,
    ttl_hours: Annotated[float | None, typer.Option(help="lifetime in hours")] = None,
) -> None:
    """Print a signed bearer token."""
    from app.security import issue_token, utcnow

    if ctx.invoked_subcommand is not None:
        return
    if role is None:
        typer.echo("error: --role is required (or: dial112 token revoke ...)", err=True)
        raise typer.Exit(2)
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


async def _revoke(
    url: str, jti: str | None, unit: int | None, subject: str | None, reason: str | None
) -> str:
    import dataclasses
    import getpass

    from app.database import create_pool, transaction
    from app.security import utcnow
    from app.services.revocations import revoke

    pool = await create_pool(url, 1, 1)
    try:
        async with transaction(pool) as conn:
            done = await revoke(
                conn,
                jti=jti,
                unit_id=unit,
                subject=subject,
                reason=reason,
                actor=f"cli:{getpass.getuser()}",
                now=utcnow(),
            )
        return json.dumps(dataclasses.asdict(done), default=str)
    finally:
        await pool.close()


@token_cli.command("revoke")
def token_revoke(
    jti: Annotated[str | None, typer.Option(help="one token, by its jti")] = None,
    unit: Annotated[int | None, typer.Option(help="every token of a unit (a lost responder phone)")] = None,
    subject: Annotated[str | None, typer.Option(help="every token of a person")] = None,
    reason: Annotated[str | None, typer.Option(help="why (kept in the audit trail)")] = None,
) -> None:
    """Revoke tokens issued until now: every worker refuses them within seconds (prints the revocation)."""
    from app.database import database_url_or_embedded
    from app.errors import DomainError

    given = [name for name, value in (("--jti", jti), ("--unit", unit), ("--subject", subject)) if value]
    if len(given) != 1:
        typer.echo("error: give exactly one of --jti, --unit, --subject", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    with database_url_or_embedded(settings.database_url, settings.data_dir) as url:
        try:
            typer.echo(asyncio.run(_revoke(url, jti, unit, subject, reason)))
        except DomainError as exc:
            typer.echo(f"error: {exc.detail}", err=True)
            raise typer.Exit(1) from exc


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


@cli.command()
def simulate(
    hours: Annotated[float, typer.Option(help="simulated hours of calls (from midnight)")] = 24.0,
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same report.json")] = 7,
    policy: Annotated[
        list[str] | None,
        typer.Option(help="built-in name (fastest_arrival, coverage_aware) or module:Class; repeatable"),
    ] = None,
    fleet: Annotated[
        Path | None, typer.Option(help="JSON list of POST /units bodies (default: the demo fleet)")
    ] = None,
    fleet_scale: Annotated[str, typer.Option(help="fleet size factors, e.g. 0.5,1,1.5")] = "1",
    scenario: Annotated[
        Path | None, typer.Option(help="YAML/JSON overriding call volume, mix, times on scene, ...")
    ] = None,
    stay_where_cleared: Annotated[
        bool, typer.Option("--stay-where-cleared", help="units wait where they cleared (default: return)")
    ] = False,
    out: Annotated[Path, typer.Option(help="folder for report.json and the PNG charts")] = Path("simulation"),
) -> None:
    """Replay a simulated day with the service's own dispatch core; compare policies and fleet sizes."""
    from app.dispatch.policy import BUILT_IN_POLICIES
    from app.simulator.command import is_terminal, parse_scales, run_command, summary_table

    policies = policy or list(BUILT_IN_POLICIES)
    try:
        scales = parse_scales(fleet_scale)
        total = hours * len(policies) * len(scales)
        with contextlib.ExitStack() as stack:
            advance: Callable[[int, float], None] | None = None
            if is_terminal():  # a progress bar for people; logs and pipes get the table alone
                bar = stack.enter_context(typer.progressbar(length=max(1, round(total)), label="simulating"))
                shown = [0]

                def advance(run: int, t: float) -> None:
                    position = round(min(total, run * hours + min(hours, t / 3600.0)))
                    if position > shown[0]:
                        bar.update(position - shown[0])
                        shown[0] = position

            outcome = run_command(
                get_settings(),
                hours=hours,
                seed=seed,
                policies=policies,
                fleet_file=fleet,
                scales=scales,
                scenario_file=scenario,
                stay_where_cleared=stay_where_cleared,
                out=out,
                progress=advance,
            )
    except (ValueError, OSError, ImportError, AttributeError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(summary_table(outcome.report))
    for path in outcome.files:
        typer.echo(f"wrote {path}")


async def _import_cameras(
    url: str, path: Path, rows: list[tuple[str, dict[str, Any]]], skip_invalid: bool
) -> tuple[str, int]:
    from app.database import create_pool, transaction
    from app.security import utcnow
    from app.services.cameras import import_cameras
    from app.services.geography import load_service_area

    pool = await create_pool(url, 1, 2)
    try:
        async with transaction(pool) as conn:
            area = await load_service_area(conn)
            if area is None:
                return "error: no geography loaded: run `dial112 seed` first", 2
            report = await import_cameras(
                conn,
                rows,
                area=area,
                border_km=get_settings().border_km,
                actor=f"cli:cameras-import:{path.name}",
                now=utcnow(),
                skip_invalid=skip_invalid,
            )
    finally:
        await pool.close()
    lines = [f"error: {e}" for e in report.errors[:50]]
    if len(report.errors) > 50:
        lines.append(f"error: ... and {len(report.errors) - 50} more")
    if report.errors and not skip_invalid:
        lines.append(
            f"{len(report.errors)} invalid row(s) of {report.read}: nothing imported"
            " (--skip-invalid imports the rest)"
        )
        return "\n".join(lines), 1
    lines.append(
        f"read {report.read}: {report.inserted} inserted, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.errors)} skipped"
    )
    return "\n".join(lines), 0


@cameras_cli.command("import")
def cameras_import(
    file: Annotated[
        Path, typer.Argument(help="CSV (code,name,kind,lat,lon[,district][,live_url]) or GeoJSON")
    ],
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="import the valid rows even when others are invalid")
    ] = False,
) -> None:
    """Insert or update cameras and panic poles by code (idempotent); any invalid row stops the import."""
    from app.database import database_url_or_embedded
    from app.services.cameras import read_import_file

    try:
        rows = read_import_file(file.name, file.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        typer.echo(f"error: {file}: {exc}", err=True)
        raise typer.Exit(2) from exc
    settings = get_settings()
    with database_url_or_embedded(settings.database_url, settings.data_dir) as url:
        message, code = asyncio.run(_import_cameras(url, file, rows, skip_invalid))
    typer.echo(message, err=code != 0)
    if code:
        raise typer.Exit(code)


def main() -> None:
    """Entry point of the console script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        get_settings()
    except ValueError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise SystemExit(2) from exc
    cli()
