"""Turning a raters x units table of JSON-shaped values into integer codes and a distance metric."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workflow.consensus.errors import ConsensusError
from workflow.consensus.lists import average_overlap_distance, jaccard_distance, masi_distance
from workflow.consensus.stats.metrics import Interval, Metric, Nominal, Ordinal, Pairwise, Ratio
from workflow.consensus.text import features, text_similarity
from workflow.consensus.values import value_key

NUMERIC_LEVELS = {"interval": Interval, "ordinal": Ordinal, "ratio": Ratio}
SET_LEVELS = {"jaccard": jaccard_distance, "masi": masi_distance}
LEVELS = frozenset({"nominal", "text", "ranked", *NUMERIC_LEVELS, *SET_LEVELS})


def encode(
    table: Sequence[Sequence[Any]] | np.ndarray,
    level: str,
    distance: Callable[[Any, Any], float] | None = None,
) -> tuple[np.ndarray, Metric]:
    """Codes (raters x units, -1 = missing) and the metric over the distinct values they index."""
    if isinstance(table, np.ndarray) and table.dtype.kind in "fiu":
        if table.ndim != 2:
            raise ConsensusError("the table must be two-dimensional: raters x units")
        return encode_numbers(table.astype(np.float64, copy=False), level)
    rows = _rows(table)
    kinds = {type(v) for row in rows for v in row} - {type(None)}
    if distance is None and kinds <= {int, float} and level in (*NUMERIC_LEVELS, "nominal"):
        return encode_numbers(np.array(rows, dtype=np.float64).reshape(len(rows), -1), level)
    if level in NUMERIC_LEVELS and distance is None:
        raise ConsensusError(
            f"{level} alpha needs numbers; found {sorted(k.__name__ for k in kinds)}"
        )
    keyed = _keyer(level, distance)
    lookup: dict[Any, int] = {}
    values: list[Any] = []
    codes = np.full((len(rows), len(rows[0]) if rows else 0), -1, dtype=np.int64)
    for r, row in enumerate(rows):
        for u, value in enumerate(row):
            if value is None:
                continue
            key = keyed(value)
            if key not in lookup:
                lookup[key] = len(values)
                values.append(key)
            codes[r, u] = lookup[key]
    return codes, _object_metric(level, values, distance)


def _rows(table: Any) -> list[list[Any]]:
    rows = [list(row) for row in table]
    if len({len(row) for row in rows}) > 1:
        raise ConsensusError("every rater's row must cover the same units (use None for missing)")
    return rows


def encode_numbers(x: np.ndarray, level: str) -> tuple[np.ndarray, Metric]:
    """Codes of an array of numbers of any shape (NaN = missing) and the metric over them."""
    present = ~np.isnan(x)
    if level == "ratio" and np.any(x[present] < 0):
        raise ConsensusError("ratio alpha needs non-negative values")
    values, inverse = np.unique(x[present], return_inverse=True)
    codes = np.full(x.shape, -1, dtype=np.int64)
    codes[present] = inverse.reshape(-1)
    metric = NUMERIC_LEVELS[level](values) if level in NUMERIC_LEVELS else Nominal()
    metric.size = len(values)
    return codes, metric


def last_cells(rater: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Where the last cell written to each (rater, unit) is: the one a table filled by
    assignment would hold."""
    cell = unit.astype(np.int64) * (int(rater.max(initial=0)) + 1) + rater
    return len(cell) - 1 - np.unique(cell[::-1], return_index=True)[1]


def _keyer(level: str, distance: Callable[[Any, Any], float] | None) -> Callable[[Any], Any]:
    # Each value is reduced to the identity its distance compares, so equal answers share a code.
    if distance is not None:
        return lambda v: (
            v if isinstance(v, str | int | float | bool | frozenset | tuple) else (value_key(v))
        )
    if level in SET_LEVELS:
        return lambda v: frozenset(value_key(e) for e in _listed(v))
    if level == "ranked":
        return lambda v: tuple(dict.fromkeys(value_key(e) for e in _listed(v)))
    if level == "text":
        return lambda v: features(_text(v)).normalised
    return value_key


def _listed(value: Any) -> Sequence[Any]:
    if not isinstance(value, list | tuple | set | frozenset):
        raise ConsensusError(f"set and ranked levels need lists, got {type(value).__name__}")
    return sorted(value, key=value_key) if isinstance(value, set | frozenset) else value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ConsensusError(f"text alpha needs strings, got {type(value).__name__}")
    return value


def _object_metric(
    level: str, values: list[Any], distance: Callable[[Any, Any], float] | None
) -> Metric:
    if distance is not None:
        return Pairwise(level, values, distance)
    if level in SET_LEVELS:
        return Pairwise(level, values, SET_LEVELS[level])
    if level == "ranked":
        return Pairwise(level, values, average_overlap_distance)
    if level == "text":
        return Pairwise(level, values, lambda a, b: 1 - text_similarity(a, b))
    metric = Nominal()
    metric.size = len(values)
    return metric
