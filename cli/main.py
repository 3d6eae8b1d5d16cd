"""The `quorum` command: serve, worker, beat and migrate; `traces`, `users`, `tokens` beside it."""

from typing import Annotated

import typer

from cli import demo, serving, tokens, traces, users
from workflow.kernel.db import make_engine
from workflow.kernel.settings import get_settings
from workflow.models.migrations import upgrade

app = typer.Typer(help="Quorum: several annotators' expectations in, one trusted ground truth out.")
app.add_typer(traces.app, name="traces")
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema to the latest migration."""
    settings = get_settings()
    upgrade(make_engine(settings.database_url))
    typer.echo(f"database at {serving.safe_url(settings.database_url)} is up to date")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default: QUORUM_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: QUORUM_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="API processes (>1 needs a broker).")] = 1,
    no_migrate: Annotated[bool, typer.Option(help="Skip migrations on start.")] = False,
) -> None:
    """Run the API and pages; with no broker configured, an in-process worker too."""
    serving.run(host=host, port=port, workers=workers, migrate=not no_migrate)


app.command()(demo.demo)


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


def _require_broker() -> None:
    if not get_settings().broker_url:
        raise typer.BadParameter("set QUORUM_BROKER_URL (e.g. redis://127.0.0.1:6379/0)")
