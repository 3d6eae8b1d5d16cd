"""Schema migrations: Alembic, run programmatically so `quorum migrate` needs no alembic.ini."""

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from workflow.kernel.shipped import shipped

SCRIPTS = shipped("migrations")


def alembic_config(database_url: str) -> Config:
    """Alembic settings for this database: scripts in `migrations/`, date-prefixed file names."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.set_main_option(
        "file_template",
        "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s",
    )
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database up to `revision`, in one transaction where the database allows."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
