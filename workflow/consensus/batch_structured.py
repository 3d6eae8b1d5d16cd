"""Batch evaluation of structured schemas: numpy kernels per declared field, rules per item else."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from workflow.consensus.batch import (
    AGREED,
    DISPUTED,
    INSUFFICIENT,
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
from workflow.consensus.text import features
from workflow.consensus.values import canonical_value

# Categorical fields without options accept JSON null as a value, which the kernels read as missing.
VECTOR_TYPES = frozenset({ValueType.PASS_FAIL, ValueType.NUMERIC})
_MISSING = object()


class _Field:
    """One field path across the batch: its spec, where it is present, and its values."""

    def __init__(self, shape: tuple[int, int], leaf: LabelSchemaSpec | None) -> None:
        self.leaf = leaf
        self.mask = np.zeros(shape, dtype=bool)
        self.values = np.full(shape, None, dtype=object)

    @property
    def vectorised(self) -> bool:
        """Whether a numpy kernel decides this field (declared votes and numbers)."""
        leaf = self.leaf
        if leaf is None:
            return False
        return leaf.value_type in VECTOR_TYPES or (
            leaf.value_type is ValueType.CATEGORICAL and leaf.options is not None
        )


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
    fields = _columns(spec, grid, present)
    n_rows = len(grid)
    item_ok = np.ones(n_rows, dtype=bool)
    item_score = np.ones(n_rows)
    backers = present.copy()
    agreed_leaves: list[dict[Path, Any]] = [{} for _ in range(n_rows)]
    disputed: list[list[str]] = [[] for _ in range(n_rows)]
    for path in sorted(fields, key=path_text):
        field = fields[path]
        rows_here = np.flatnonzero(field.mask.any(axis=1))
        if field.vectorised:
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
                path, field, spec, present, weights, names, rows_here, agreed_leaves, disputed
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


def _columns(spec: LabelSchemaSpec, grid: np.ndarray, present: np.ndarray) -> dict[Path, _Field]:
    """Validate every proposal and spread its leaves into one column grid per field path."""
    at = np.nonzero(present)
    cells = grid[at].tolist()
    plan = _flat_plan(spec)
    flat_ok = plan is not None and all(type(c) is dict for c in cells)
    if flat_ok and set().union(*cells) <= plan.keys():
        # Flat declared schema: pull each field out of every proposal at C speed.
        fields = {}
        for name, (path, sub) in plan.items():
            got = [c.get(name, _MISSING) for c in cells]
            has = np.array([g is not _MISSING for g in got], dtype=bool)
            if not has.any():
                continue
            field = fields[path] = _Field(grid.shape, sub)
            field.mask[at[0][has], at[1][has]] = True
            checked = [canonical_value(sub, g, name, spec.name) for g in got if g is not _MISSING]
            field.values[at[0][has], at[1][has]] = _objects(checked)
        return fields
    fields = {}
    for i, j, cell in zip(at[0].tolist(), at[1].tolist(), cells, strict=True):
        for path, (leaf, value) in flatten(spec, spec.validate(cell)).items():
            field = fields.get(path) or fields.setdefault(path, _Field(grid.shape, leaf))
            field.mask[i, j] = True
            field.values[i, j] = value
    return fields


def _objects(values: list[Any]) -> np.ndarray:
    # np.array would turn a list of lists into a 2-D array; fill an object vector instead.
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@lru_cache(maxsize=64)
def _flat_plan(spec: LabelSchemaSpec) -> dict[str, tuple[Path, LabelSchemaSpec]] | None:
    """For a schema whose declared fields are all leaves: each field's path and spec."""
    if spec.list_key is not None or not spec.fields:
        return None
    if any(f.value_type is ValueType.STRUCTURED for f in spec.fields):
        return None
    return {f.name: ((("field", f.name),), f) for f in spec.fields}


def _vector_field(field: _Field, weights: np.ndarray, present: np.ndarray, rows: np.ndarray):
    leaf = field.leaf
    sub_w = weights[rows]
    mask = field.mask[rows]
    if leaf.value_type is ValueType.NUMERIC:
        values = np.full(mask.shape, np.nan)
        values[mask] = field.values[rows][mask].astype(np.float64)
        kernel = median_kernel(values, sub_w * mask, leaf.tolerance)
        shown = kernel.consensus
    else:
        codes, labels = encode_votes(leaf, field.values[rows], validated=True)
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


def _row_field(path, field, spec, present, weights, names, rows, agreed_leaves, disputed):
    # Text, list and undeclared fields run the per-item leaf rule on each row that has them.
    n_rows, width = present.shape
    ok, score = np.ones(n_rows, dtype=bool), np.ones(n_rows)
    support = np.ones((n_rows, width), dtype=bool)
    for i in rows.tolist():
        cols = np.flatnonzero(present[i]).tolist()
        if _unanimous_text(field, i, cols, agreed_leaves[i], path):
            continue
        ballots = [Ballot(names[j], None, float(weights[i, j])) for j in cols]
        flat = {
            names[j]: {path: (field.leaf, field.values[i, j])} if field.mask[i, j] else {}
            for j in cols
        }
        leaf = decide_leaf(path, sorted(ballots, key=lambda b: b.annotator_id), flat, spec, judge)
        decision = leaf.decision
        ok[i], score[i] = not decision.disputed, decision.score
        support[i] = [names[j] in leaf.supporters for j in range(width)]
        if decision.present and not decision.disputed:
            agreed_leaves[i][path] = decision.consensus
        disputed[i].extend(p.path for p in (decision, *leaf.parts) if p.disputed)
    return ok, score, support


def _unanimous_text(field: _Field, i: int, cols: list[int], leaves: dict, path: Path) -> bool:
    """Fast path: a declared text field all proposals give, with one normalised text."""
    if field.leaf is None or field.leaf.value_type is not ValueType.TEXT:
        return False
    if not field.mask[i, cols].all():
        return False
    texts = field.values[i, cols].tolist()
    if len(set(texts)) == 1:
        leaves[path] = texts[0]
    elif len({features(t).normalised for t in texts}) == 1:
        # The text rule's tie-break among equal normalised texts: most frequent, then smallest.
        counts = Counter(texts)
        leaves[path] = min(counts, key=lambda t: (-counts[t], t))
    else:
        return False
    return True
