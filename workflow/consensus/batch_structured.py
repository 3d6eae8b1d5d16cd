"""Batch evaluation of structured schemas: numpy kernels per declared field, rules per item else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from workflow.consensus.batch import (
    AGREED,
    DISPUTED,
    INSUFFICIENT,
    VOTE_TYPES,
    BatchResult,
    Kernel,
    encode_votes,
    median_kernel,
    vote_kernel,
    weights_for,
)
from workflow.consensus.decision import AnnotatorReliability
from workflow.consensus.engine import judge
from workflow.consensus.rules import EPS, WEIGHT_DIGITS, Ballot
from workflow.consensus.schema import LabelSchemaSpec, ValueType
from workflow.consensus.structured import Path, decide_leaf, flatten, path_text, unflatten

VECTOR_TYPES = VOTE_TYPES | {ValueType.NUMERIC}


class _Field:
    """One field path across the batch: where it is present, its verdict per row."""

    def __init__(self, shape: tuple[int, int], leaf: LabelSchemaSpec | None) -> None:
        self.leaf = leaf
        self.mask = np.zeros(shape, dtype=bool)
        self.values: dict[tuple[int, int], Any] = {}


def evaluate_structured_batch(
    spec: LabelSchemaSpec,
    rows: Sequence[Sequence[Any]],
    names: Sequence[str],
    reliability: Mapping[str, AnnotatorReliability] | None,
    min_proposals: int,
) -> BatchResult:
    """Per-field verdicts combined as evaluate_item does: every required field must agree."""
    grid = np.array(rows, dtype=object).reshape(len(rows), len(names))
    present = grid != None  # noqa: E711 - element-wise comparison on an object array
    weights = weights_for(spec, names, present, reliability)
    flats, fields = _flatten_all(spec, grid, present)
    n_rows = len(grid)
    item_ok = np.ones(n_rows, dtype=bool)
    item_score = np.ones(n_rows)
    backers = present.copy()
    agreed_leaves: list[dict[Path, Any]] = [{} for _ in range(n_rows)]
    disputed: list[list[str]] = [[] for _ in range(n_rows)]
    for path in sorted(fields, key=path_text):
        field = fields[path]
        rows_here = np.flatnonzero(field.mask.any(axis=1))
        if field.leaf is not None and field.leaf.value_type in VECTOR_TYPES:
            ok, score, support, is_present, value = _vector_field(
                field, weights, present, rows_here
            )
            for i in rows_here.tolist():
                if not ok[i]:
                    disputed[i].append(path_text(path))
                elif is_present[i]:
                    agreed_leaves[i][path] = value[i]
        else:
            ok, score, support = _row_field(
                path, spec, grid, weights, names, flats, rows_here, agreed_leaves, disputed
            )
        if spec.is_required(path[0][1]):
            item_ok[rows_here] &= ok[rows_here]
            item_score[rows_here] = np.minimum(item_score[rows_here], score[rows_here])
            backers[rows_here] &= support[rows_here]
    n = present.sum(axis=1)
    agreed = item_ok & (item_score >= spec.agreement_threshold - EPS)
    outcomes = np.where(n < min_proposals, INSUFFICIENT, np.where(agreed, AGREED, DISPUTED))
    consensus = [unflatten(leaves) if n[i] else None for i, leaves in enumerate(agreed_leaves)]
    return BatchResult(
        outcomes.astype(np.int8),
        consensus,
        np.where(n > 0, item_score, 0.0),
        backers.sum(axis=1),
        n,
        [tuple(d) for d in disputed],
    )


def _flatten_all(spec: LabelSchemaSpec, grid: np.ndarray, present: np.ndarray):
    flats: dict[tuple[int, int], dict[Path, tuple[Any, Any]]] = {}
    fields: dict[Path, _Field] = {}
    for i, j in zip(*np.nonzero(present), strict=True):
        cell = (int(i), int(j))
        flats[cell] = flatten(spec, spec.validate(grid[cell]))
        for path, (leaf, value) in flats[cell].items():
            field = fields.get(path) or fields.setdefault(path, _Field(grid.shape, leaf))
            field.mask[cell] = True
            field.values[cell] = value
    return flats, fields


def _vector_field(field: _Field, weights: np.ndarray, present: np.ndarray, rows: np.ndarray):
    leaf = field.leaf
    sub_w = weights[rows]
    mask = field.mask[rows]
    cells = [(int(rows[r]), int(j)) for r, j in zip(*np.nonzero(mask), strict=True)]
    if leaf.value_type is ValueType.NUMERIC:
        values = np.full(mask.shape, np.nan)
        values[mask] = [float(leaf.validate(field.values[c])) for c in cells]
        kernel = median_kernel(values, sub_w * mask, leaf.tolerance)
        shown = kernel.consensus
    else:
        objects = np.full(mask.shape, None, dtype=object)
        objects[mask] = [field.values[c] for c in cells]
        codes, labels = encode_votes(leaf, objects)
        kernel = vote_kernel(codes, sub_w * mask)
        shown = np.array([*labels, None], dtype=object)[kernel.consensus]
    return _absent_votes(leaf, kernel, shown, sub_w, mask, present[rows], rows, len(present))


def _absent_votes(leaf, kernel: Kernel, shown, sub_w, mask, present, rows, n_rows):
    # Leaving a field out is a vote for its absence, exactly as in the per-item rule.
    absent = present & ~mask
    back_w = np.round((sub_w * kernel.supporters).sum(axis=1), WEIGHT_DIGITS)
    absent_w = np.round((sub_w * absent).sum(axis=1), WEIGHT_DIGITS)
    is_present = ~absent.any(axis=1) | (absent_w <= back_w)
    supporters = np.where(is_present[:, None], kernel.supporters, absent)
    total = (sub_w * present).sum(axis=1)
    score = np.round((sub_w * supporters).sum(axis=1) / total, WEIGHT_DIGITS)
    ok = (score >= leaf.agreement_threshold - EPS) & ~(kernel.tie & is_present)
    full_ok, full_score = np.ones(n_rows, dtype=bool), np.ones(n_rows)
    full_support = np.ones((n_rows, present.shape[1]), dtype=bool)
    full_present = np.zeros(n_rows, dtype=bool)
    full_value = np.empty(n_rows, dtype=object)
    full_ok[rows], full_score[rows], full_support[rows] = ok, score, supporters
    full_present[rows] = is_present
    full_value[rows] = list(shown)
    return full_ok, full_score, full_support, full_present, full_value


def _row_field(path, spec, grid, weights, names, flats, rows, agreed_leaves, disputed):
    # Text, list and undeclared fields run the per-item leaf rule on each row that has them.
    n_rows, width = grid.shape
    ok, score = np.ones(n_rows, dtype=bool), np.ones(n_rows)
    support = np.ones((n_rows, width), dtype=bool)
    for i in rows.tolist():
        cols = [j for j in range(width) if (i, j) in flats]
        ballots = [Ballot(names[j], None, float(weights[i, j])) for j in cols]
        flat = {names[j]: flats[(i, j)] for j in cols}
        leaf = decide_leaf(path, sorted(ballots, key=lambda b: b.annotator_id), flat, spec, judge)
        decision = leaf.decision
        ok[i], score[i] = not decision.disputed, decision.score
        support[i] = [names[j] in leaf.supporters for j in range(width)]
        if decision.present and not decision.disputed:
            agreed_leaves[i][path] = decision.consensus
        disputed[i].extend(p.path for p in (decision, *leaf.parts) if p.disputed)
    return ok, score, support
