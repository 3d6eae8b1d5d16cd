"""compose.yaml cannot run here (no Docker engine): check its shape and that its commands exist."""

from pathlib import Path

import click
import pytest
import yaml
from typer.main import get_command

from cli.main import app

COMPOSE = yaml.safe_load((Path(__file__).parent.parent / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
CLI = get_command(app)


def test_production_services_are_all_there():
    assert set(SERVICES) == {"postgres", "redis", "migrate", "api", "worker", "beat"}
    for name in ("postgres", "redis", "api", "worker"):
        assert "healthcheck" in SERVICES[name], name
    assert set(COMPOSE["volumes"]) == {"postgres-data", "redis-data"}


def test_app_services_wait_for_the_migration():
    for name in ("api", "worker", "beat"):
        condition = SERVICES[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"


@pytest.mark.parametrize("name", ["migrate", "api", "worker", "beat"])
def test_every_quorum_command_parses_in_the_cli(name):
    program, *args = SERVICES[name]["command"]
    assert program == "quorum"
    command: click.Command = CLI
    while isinstance(command, click.Group):
        sub = args.pop(0)
        command = command.get_command(click.Context(command), sub)
        assert command is not None, f"{name}: no `quorum ... {sub}` command"
    command.make_context(name, list(args))  # raises on an unknown option or bad value


def test_production_settings_are_refused_without_secrets():
    from pydantic import ValidationError

    from workflow.kernel.settings import Settings

    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", database_url="postgresql://x@y/z")


def test_a_visibility_timeout_shorter_than_the_task_limit_is_refused():
    from pydantic import ValidationError

    from workflow.kernel.settings import Settings

    with pytest.raises(ValidationError, match="VISIBILITY_TIMEOUT"):
        Settings(task_time_limit=60, visibility_timeout=30)
