"""Running the server: the settings a `serve` or `demo` command runs with, and uvicorn."""

import os

import typer
from sqlalchemy.engine import make_url

from workflow.kernel.db import make_engine
from workflow.kernel.settings import Settings, get_settings
from workflow.models.migrations import upgrade


def configure(host: str | None, port: int | None) -> Settings:
    """The settings, with the command's host and port where given."""
    # The app reads its settings from the environment, in each API process: the options go
    # there, so that what it prints (the first admin's sign-in URL) names where it serves.
    if host is not None:
        os.environ["QUORUM_HOST"] = host
    if port is not None:
        os.environ["QUORUM_PORT"] = str(port)
    get_settings.cache_clear()
    return get_settings()


def run(*, host: str | None, port: int | None, workers: int = 1, migrate: bool = True) -> None:
    """Serve the API and pages (with no broker configured, an in-process worker too)."""
    import uvicorn

    settings = configure(host, port)
    if workers > 1 and not settings.broker_url:
        raise typer.BadParameter("several API processes need QUORUM_BROKER_URL (Redis)")
    if migrate:
        upgrade(make_engine(settings.database_url))
    mode = f"broker {settings.broker_url}" if settings.broker_url else "in-process worker"
    url = f"http://{settings.host}:{settings.port}"
    typer.echo(f"Quorum on {url}/ ({mode}, {safe_url(settings.database_url)})")
    typer.echo(f"  MLFLOW_TRACKING_URI={url}")
    if settings.smtp_host:
        typer.echo(f"  emails go to {settings.smtp_host}:{settings.smtp_port}")
    else:
        # Said at every start: in production, email that never leaves is easy to miss.
        typer.echo(
            f"  emails are written to {settings.email_dir} (no QUORUM_SMTP_HOST);"
            f" admins read them at {url}/admin/emails"
        )
    uvicorn.run(
        "api.main:app",
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level="info",
        access_log=False,
    )


def safe_url(url: str) -> str:
    """A database URL fit to print: its password hidden."""
    return make_url(url).render_as_string(hide_password=True)
