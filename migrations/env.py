"""Alembic environment: Quorum's SQLModel metadata, on the connection the caller passes in."""

from alembic import context
from sqlmodel import SQLModel

import workflow.models  # noqa: F401  (registers every table on SQLModel.metadata)
from workflow.kernel.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    """Run against `config.attributes["connection"]`, or a new engine for the configured URL."""
    connection = config.attributes.get("connection")
    if connection is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url"))
        with engine.connect() as fresh:
            _run(fresh)
        engine.dispose()
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
