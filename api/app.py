"""The FastAPI application: JSON API, MLflow-compatible routes and pages over one database."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from api import errors, health, import_routes, pages, review_routes, traces_routes
from api.limits import BodySizeLimit
from api.mlflow.routes import router as mlflow_router
from workers.embedded import Embedded
from workers.relay import Relay
from workflow.db import make_engine
from workflow.settings import Settings, get_settings

MLFLOW_PREFIXES = ("/api/3.0/mlflow", "/ajax-api/3.0/mlflow")


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the app; the relay and (embedded mode) the worker run while the app is up."""
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.broker_url:
            from workers.celery_app import CeleryPublisher, make_celery

            publisher = CeleryPublisher(make_celery(settings.broker_url, settings))
            app.state.relay, app.state.embedded = Relay(engine, publisher).start(), None
            app.state.queue_depth = publisher.depth
        else:
            embedded = Embedded(engine, settings).start()
            app.state.relay, app.state.embedded = embedded.relay, embedded
            app.state.queue_depth = embedded.worker.depth
        yield
        if app.state.embedded is not None:
            app.state.embedded.stop()
        else:
            app.state.relay.stop()

    signals = settings.telemetry
    app = FastAPI(
        title="Quorum",
        version="0.1.0",
        lifespan=lifespan,
        telemetry={"tracing": signals, "metrics": signals, "logs": signals},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.limits = settings.value_limits()
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_request_bytes,
        per_path={import_routes.IMPORT_PATH: settings.max_import_bytes},
    )
    errors.install(app)
    for prefix in MLFLOW_PREFIXES:
        app.include_router(mlflow_router, prefix=prefix)
    app.include_router(traces_routes.router)
    app.include_router(import_routes.router)
    app.include_router(review_routes.router)
    app.include_router(health.router)
    app.include_router(pages.router)
    return app
