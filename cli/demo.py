"""`quorum demo`: the sample traces, people, label schemas, a committee and two campaigns, with
some work done, then the server, so the whole loop shows in a browser within a minute."""

from typing import Annotated

import typer

from cli import serving
from workflow.demo import seed
from workflow.kernel.db import make_engine, unit_of_work
from workflow.models.migrations import upgrade


def demo(
    host: Annotated[str | None, typer.Option(help="Interface (default: QUORUM_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: QUORUM_PORT).")] = None,
) -> None:
    """Load the demo into this folder's database (once), print its people's passwords, serve."""
    settings = serving.configure(host, port)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        loaded = (
            None if seed.loaded(session) else seed.load(session, limits=settings.value_limits())
        )
    engine.dispose()
    if loaded is None:
        typer.echo("The demo is loaded already; its passwords were shown when it was.")
    else:
        url = f"http://{settings.host}:{settings.port}"
        typer.echo(
            f"Loaded the demo: {loaded.traces} sample traces, {loaded.proposals} proposals by"
            f" three annotators, a committee of three and the campaigns {seed.CAMPAIGN!r} and"
            f" {seed.TRIAGE!r}, the rest of their items in the annotators' queues."
        )
        typer.echo(f"Sign in at {url}/login as any of these (shown once, not again):")
        for name, password in loaded.passwords.items():
            typer.echo(f"  {name:<5} {seed.PEOPLE[name]:<10} {password}")
    serving.run(host=None, port=None, migrate=False)
