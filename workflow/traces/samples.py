"""The sample traces shipped for newcomers to annotate (MLflow 3 trace JSON, `samples.json`)."""

import json
from importlib.resources import files
from typing import Any


def sample_traces() -> list[dict[str, Any]]:
    """The 36 sample traces in `Trace.to_dict()` form, a fresh copy on each call."""
    text = files("workflow.traces").joinpath("samples.json").read_text(encoding="utf-8")
    return json.loads(text)
