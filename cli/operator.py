"""What the operator's commands share: who acts, one unit of work, refusals, and tables."""

import getpass
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import typer
from sqlmodel import Session

from workflow.identity.access import Actor, trusted
from workflow.kernel.db import make_engine, unit_of_work
from workflow.kernel.errors import QuorumError
from workflow.kernel.settings import get_settings
from workflow.models.migrations import upgrade


def operator() -> Actor:
    """The actor the audit log names for a command: `cli:<os user>`, holding every permission."""
    # Whoever can run this command can open the database, so there is nothing to check; naming
    # the account they run it from is what keeps the audit log accountable, as an API token does.
    return trusted(f"cli:{getpass.getuser()}")


@contextmanager
def unit() -> Iterator[Session]:
    """One unit of work on the configured database, migrated first as `serve` does; a domain
    refusal ends the command with its one-line message on stderr and status 1."""
    engine = make_engine(get_settings().database_url)
    upgrade(engine)
    try:
        with unit_of_work(engine) as session:
            yield session
    except QuorumError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def moment(at: datetime | None) -> str:
    """A time as a table shows it: UTC to the minute, or `-` for none."""
    return f"{at:%Y-%m-%d %H:%M}" if at else "-"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print rows under a header, each column as wide as its widest cell."""
    cells = [list(header), *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        padded = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        typer.echo("  ".join(padded).rstrip())
