"""`quorum traces import`: register a JSONL file of traces, a batch per transaction."""

import json
from pathlib import Path
from typing import Annotated

import typer

from workflow.kernel.db import make_engine, unit_of_work
from workflow.kernel.errors import QuorumError
from workflow.kernel.settings import get_settings
from workflow.models.migrations import upgrade
from workflow.traces.store import register_traces

app = typer.Typer(help="Register traces.")


@app.command("import")
def import_traces(
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="JSONL, a trace a line.")
    ],
    batch: Annotated[int, typer.Option(min=1, help="Traces per transaction.")] = 500,
) -> None:
    """Register every trace of a JSONL file (MLflow's `Trace.to_dict()`); re-running is safe."""
    engine = make_engine(get_settings().database_url)
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
