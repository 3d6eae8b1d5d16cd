"""The FastAPI application: JSON API, MLflow-compatible routes and pages over one database."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api import errors
from api.auth import admit
from api.deps import SessionDep
from api.limits import BodySizeLimit
from api.mlflow.routes import router as mlflow_router
from api.pages import admin as admin_pages
from api.pages import campaigns as campaign_pages
from api.pages import dashboard as dashboard_pages
from api.pages import items as item_pages
from api.pages import notifications as notification_pages
from api.pages import review as review_pages
from api.pages import sessions as page_auth
from api.pages import site as pages
from api.pages import webhooks as webhook_pages
from api.pages import work as work_pages
from api.ratelimit import make_limiter
from api.runtime import Runtime
from api.security_headers import SecurityHeaders
from api.v1 import campaigns as campaign_routes
from api.v1 import health
from api.v1 import identity as identity_routes
from api.v1 import imports as import_routes
from api.v1 import items as item_routes
from api.v1 import notifications as notification_routes
from api.v1 import queue as queue_routes
from api.v1 import review as review_routes
from api.v1 import traces as traces_routes
from api.v1 import webhooks as webhook_routes
from workers import letters
from workers.embedded import Embedded
from workers.relay import Relay
from workflow.identity import users
from workflow.identity.access import Actor, Permission
from workflow.kernel.db import make_engine, unit_of_work
from workflow.kernel.settings import Settings, get_settings
from workflow.kernel.shipped import shipped
from workflow.tasks.registry import coalescing, tasks

MLFLOW_PREFIXES = ("/api/3.0/mlflow", "/ajax-api/3.0/mlflow")
STATIC = shipped("static")
# uvicorn's own logger: the one line a first start must show reaches the console under uvicorn.
log = logging.getLogger("uvicorn.error")


def _first_admin(engine: Engine, settings: Settings) -> None:
    """Secure by default: an empty database gets an admin, whose password is shown once."""
    with unit_of_work(engine) as session:
        password = users.bootstrap_admin(session)
    if password is not None:
        log.warning(
            "Created the first user, %r (admin). Sign in at http://%s:%s/login with password %s"
            " and change it; it is not shown again.",
            users.BOOTSTRAP_ADMIN,
            settings.host,
            settings.port,
            password,
        )


async def _page_or_token(request: Request, session: SessionDep) -> Actor:
    """A signed-in page (the API reference at /docs fetches the description) or a token."""
    try:
        actor = (await page_auth.page_session(request, session)).actor
    except page_auth.LoginRequired:
        return await run_in_threadpool(admit, request, session, (Permission.READ,))
    actor.require(Permission.READ, "the API description")
    return actor


def _openapi(request: Request, _by: Annotated[Actor, Depends(_page_or_token)]) -> dict[str, Any]:
    """The OpenAPI description, for signed-in callers (nothing but sign-in is anonymous)."""
    return request.app.openapi()


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the app; the relay and (embedded mode) the worker run while the app is up."""
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)

    redis_url = settings.rate_limit_redis()
    state = Runtime(
        settings=settings,
        engine=engine,
        limits=settings.value_limits(),
        write_rate=make_limiter(redis_url, settings.write_rate, settings.write_burst),
        login_rate=make_limiter(redis_url, settings.login_rate, settings.login_burst),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        _first_admin(engine, settings)
        state.write_slots = anyio.CapacityLimiter(settings.write_concurrency)
        if settings.broker_url:
            from workers.celery_app import CeleryPublisher, make_celery

            publisher = CeleryPublisher(make_celery(settings.broker_url, settings))
            coalesce = coalescing(tasks(settings, compose=letters.compose))
            relay = Relay(engine, publisher, coalesce=coalesce, linger=settings.relay_linger)
            relay.start()
            state.queue_depth = publisher.depth
            yield
            relay.stop()
        else:
            state.embedded = Embedded(engine, settings).start()
            state.queue_depth = state.embedded.worker.depth
            yield
            state.embedded.stop()

    signals = settings.telemetry
    app = FastAPI(
        title="Quorum",
        version="0.1.0",
        lifespan=lifespan,
        # FastAPI's own Swagger UI and ReDoc need inline scripts, which the CSP refuses: the
        # API reference is the page /docs (vendored Swagger UI, started from a static file).
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served below, to signed-in callers only
        telemetry={"tracing": signals, "metrics": signals, "logs": signals},
    )
    app.state.runtime = state
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_request_bytes,
        per_path={import_routes.IMPORT_PATH: settings.max_import_bytes},
    )
    app.add_middleware(SecurityHeaders)
    errors.install(app, error_page=pages.error_page)
    page_auth.install(app)
    for prefix in MLFLOW_PREFIXES:
        app.include_router(mlflow_router, prefix=prefix)
    app.include_router(traces_routes.router)
    app.include_router(import_routes.router)
    app.include_router(review_routes.router)
    app.include_router(item_routes.router)
    app.include_router(identity_routes.router)
    app.include_router(campaign_routes.router)
    app.include_router(queue_routes.router)
    app.include_router(webhook_routes.router)
    app.include_router(notification_routes.router)
    app.add_api_route("/openapi.json", _openapi, methods=["GET"], include_in_schema=False)
    app.include_router(health.router)
    app.include_router(pages.router)
    app.include_router(admin_pages.router)
    app.include_router(campaign_pages.router)
    app.include_router(item_pages.router)
    app.include_router(work_pages.router)
    app.include_router(review_pages.router)
    app.include_router(dashboard_pages.router)
    app.include_router(webhook_pages.router)
    app.include_router(notification_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
