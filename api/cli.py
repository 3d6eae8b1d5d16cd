"""The `quorum` command: serve, worker, beat, migrate and traces import."""

import json
from pathlib import Path
from typing import Annotated

import typer

from workflow.kernel.db import make_engine, unit_of_work
from workflow.kernel.errors import QuorumError
from workflow.kernel.settings import get_settings
from workflow.models.migrations import upgrade
from workflow.traces.store import register_traces

app = typer.Typer(help="Quorum: several annotators' expectations in, one trusted ground truth out.")
traces_app = typer.Typer(help="Register traces.")
app.add_typer(traces_app, name="traces")


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema to the latest migration."""
    settings = get_settings()
    upgrade(make_engine(settings.database_url))
    typer.echo(f"database at {_safe_url(settings.database_url)} is up to date")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default: QUORUM_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: QUORUM_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="API processes (>1 needs a broker).")] = 1,
    no_migrate: Annotated[bool, typer.Option(help="Skip migrations on start.")] = False,
) -> None:
    """Run the API and pages; with no broker configured, an in-process worker too."""
    import uvicorn

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    if workers > 1 and not settings.broker_url:
        raise typer.BadParameter("several API processes need QUORUM_BROKER_URL (Redis)")
    if not no_migrate:
        upgrade(make_engine(settings.database_url))
    mode = f"broker {settings.broker_url}" if settings.broker_url else "in-process worker"
    typer.echo(f"Quorum on http://{host}:{port}/ ({mode}, {_safe_url(settings.database_url)})")
    typer.echo(f"  MLFLOW_TRACKING_URI=http://{host}:{port}")
    uvicorn.run(
        "api.main:app", host=host, port=port, workers=workers, log_level="info", access_log=False
    )


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Worker child processes.")] = 2,
    loglevel: Annotated[str, typer.Option()] = "info",
) -> None:
    """Run a Celery worker against QUORUM_BROKER_URL."""
    from workers.celery_app import celery

    _require_broker()
    celery.worker_main(
        ["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}", "--without-gossip"]
    )


@app.command()
def beat(loglevel: Annotated[str, typer.Option()] = "info") -> None:
    """Run Celery beat (the periodic reconciler's clock) against QUORUM_BROKER_URL."""
    from workers.celery_app import celery

    _require_broker()
    celery.start(["beat", f"--loglevel={loglevel}"])


@traces_app.command("import")
def import_traces(
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="JSONL, a trace a line.")
    ],
    batch: Annotated[int, typer.Option(min=1, help="Traces per transaction.")] = 500,
) -> None:
    """Register every trace of a JSONL file (MLflow's `Trace.to_dict()`); re-running is safe."""
    settings = get_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    created = existing = 0
    lines = path.read_text(encoding="utf-8").splitlines()
    with typer.progressbar(length=len(lines), label="importing traces") as progress:
        for start in range(0, len(lines), batch):
            chunk = lines[start : start + batch]
            payloads = [_parse_line(line, start + i + 1) for i, line in enumerate(chunk)]
            try:
                with unit_of_work(engine) as session:
                    result = register_traces(
                        session, payloads=[p for p in payloads if p is not None], actor="cli"
                    )
            except QuorumError as exc:
                raise typer.BadParameter(f"lines {start + 1}-{start + len(chunk)}: {exc}") from None
            created += len(result.created)
            existing += len(result.existing)
            progress.update(len(chunk))
    typer.echo(f"{created} traces created, {existing} already present")


def _parse_line(line: str, number: int) -> dict | None:
    if not line.strip():
        return None
    try:
        return json.loads(line)
    except ValueError as exc:
        raise typer.BadParameter(f"line {number} is not JSON: {exc}") from None


def _require_broker() -> None:
    if not get_settings().broker_url:
        raise typer.BadParameter("set QUORUM_BROKER_URL (e.g. redis://127.0.0.1:6379/0)")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
