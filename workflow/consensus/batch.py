"""Vectorised re-evaluation of a whole schema: numpy kernels giving evaluate_item's outcomes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workflow.consensus.decision import AnnotatorReliability, Outcome, ProposalInput
from workflow.consensus.engine import MIN_WEIGHT, evaluate_item
from workflow.consensus.errors import ConsensusError, ValueMismatchError
from workflow.consensus.rules import EPS, WEIGHT_DIGITS
from workflow.consensus.schema import LabelSchemaSpec, ValueType
from workflow.consensus.values import canonical_values, value_key, value_tags

OUTCOMES = (Outcome.AGREED, Outcome.DISPUTED, Outcome.INSUFFICIENT)
AGREED, DISPUTED, INSUFFICIENT = 0, 1, 2
VOTE_TYPES = frozenset({ValueType.CATEGORICAL, ValueType.PASS_FAIL})


@dataclass(frozen=True)
class BatchResult:
    """Per-item outcome codes (index into OUTCOMES), consensus, score, support and count."""

    outcomes: np.ndarray
    consensus: Sequence[Any]
    scores: np.ndarray
    support: np.ndarray
    n_proposals: np.ndarray
    disputed_fields: Sequence[tuple[str, ...]] | None = None

    def outcome(self, index: int) -> Outcome:
        """The outcome of item `index`."""
        return OUTCOMES[int(self.outcomes[index])]

    def counts(self) -> dict[str, int]:
        """How many items ended in each outcome."""
        tally = np.bincount(self.outcomes, minlength=3)
        return {o.value: int(n) for o, n in zip(OUTCOMES, tally, strict=True)}


@dataclass(frozen=True)
class Kernel:
    """One vectorised field verdict: consensus per row, supporters, tie flags."""

    consensus: np.ndarray
    supporters: np.ndarray
    tie: np.ndarray


def weights_for(
    spec: LabelSchemaSpec,
    annotators: Sequence[str],
    present: np.ndarray,
    reliability: Mapping[str, AnnotatorReliability] | None,
) -> np.ndarray:
    """Per-cell vote weights, weighting a row only when all its annotators have enough history."""
    ones = present.astype(np.float64)
    if not reliability:
        return ones
    known = [reliability.get(a) for a in annotators]
    eligible = np.array(
        [r is not None and r.n_items >= spec.reliability_min_history for r in known]
    )
    score = np.array([max(MIN_WEIGHT, min(1.0, r.score)) if r else 1.0 for r in known])
    rows = np.all(eligible[None, :] | ~present, axis=1)
    return np.where(rows[:, None], score[None, :] * present, ones)


def vote_kernel(codes: np.ndarray, weights: np.ndarray) -> Kernel:
    """Weighted plurality per row over small integer codes (-1 = missing), O(rows x cols^2).

    Ties go to the smallest code, which the encoders make the first option in declared order.
    """
    present = codes >= 0
    tally = np.zeros(codes.shape)
    for j in range(codes.shape[1]):
        tally += weights[:, j : j + 1] * (codes == codes[:, j : j + 1])
    tally = np.where(present, np.round(tally, WEIGHT_DIGITS), -1.0)
    top = tally.max(axis=1, initial=-1.0)
    at_top = tally == top[:, None]
    big = np.iinfo(np.int64).max
    best = np.where(at_top & present, codes, big).min(axis=1)
    best = np.where(best == big, -1, best)
    tie = np.any(at_top & present & (codes != best[:, None]), axis=1)
    return Kernel(best, present & (codes == best[:, None]), tie)


def median_kernel(values: np.ndarray, weights: np.ndarray, tolerance: float) -> Kernel:
    """Lower weighted median per row (NaN = missing) and who lies within the tolerance of it."""
    present = ~np.isnan(values)
    order = np.argsort(values, axis=1, kind="stable")
    ranked = np.take_along_axis(values, order, axis=1)
    cum = np.round(np.cumsum(np.take_along_axis(weights, order, axis=1), axis=1), WEIGHT_DIGITS)
    half = np.round(cum[:, -1:], WEIGHT_DIGITS) / 2
    pick = np.argmax(cum >= half, axis=1)
    median = ranked[np.arange(len(values)), pick]
    scale = np.maximum(1.0, np.maximum(np.abs(values), np.abs(median)[:, None]))
    close = np.abs(values - median[:, None]) <= tolerance + EPS * scale
    return Kernel(median, present & close, np.zeros(len(values), dtype=bool))


def encode_votes(
    spec: LabelSchemaSpec, column_values: np.ndarray, *, validated: bool = False
) -> tuple[np.ndarray, list[Any]]:
    """Object grid (None = missing) to codes in tie-break order: declared options, then JSON."""
    present = np.array([v is not None for v in column_values.ravel()]).reshape(column_values.shape)
    cells = column_values[present].tolist()
    canonical = cells if validated else canonical_values(spec, cells)
    codes = np.full(column_values.shape, -1, dtype=np.int64)
    options = list(spec.options or ())
    tags, key_of = value_tags(canonical)
    declared = [value_key(o) for o in options]
    order = declared + sorted(set(key_of.values()) - set(declared))
    label_of = dict(zip(declared, options, strict=True))
    for tag, value in zip(tags, canonical, strict=True):
        label_of.setdefault(key_of[tag], value)
    index = {k: i for i, k in enumerate(order)}
    code_of = {tag: index[key] for tag, key in key_of.items()}
    codes[present] = [code_of[t] for t in tags]
    return codes, [label_of[k] for k in order]


def finish(
    spec: LabelSchemaSpec,
    kernel: Kernel,
    weights: np.ndarray,
    present: np.ndarray,
    min_proposals: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Outcome codes, scores, support and proposal counts from a kernel's verdict."""
    total = weights.sum(axis=1)
    backing = (weights * kernel.supporters).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.where(total > 0, np.round(backing / total, WEIGHT_DIGITS), 0.0)
    n = present.sum(axis=1)
    agreed = (scores >= spec.agreement_threshold - EPS) & ~kernel.tie
    outcomes = np.where(n < min_proposals, INSUFFICIENT, np.where(agreed, AGREED, DISPUTED))
    return outcomes.astype(np.int8), scores, kernel.supporters.sum(axis=1), n


def evaluate_batch(
    spec: LabelSchemaSpec,
    rows: Sequence[Sequence[Any]] | np.ndarray,
    *,
    annotators: Sequence[str] | None = None,
    reliability: Mapping[str, AnnotatorReliability] | None = None,
    min_proposals: int = 2,
    validated: bool = False,
) -> BatchResult:
    """Evaluate many items at once: one row per item, one column per annotator, None = missing.

    Categorical/pass_fail rows may also be an integer array of option indices (-1 = missing)
    and numeric rows a float array (NaN = missing); structured schemas vectorise per field.
    `validated` says the values are canonical already (votes and numbers skip the check).
    """
    width = len(rows[0]) if len(rows) else 0
    names = list(annotators) if annotators is not None else [f"a{i}" for i in range(width)]
    if len(names) != width or len(set(names)) != width:
        raise ConsensusError("one distinct annotator id per column is needed")
    kind = spec.value_type
    if kind in VOTE_TYPES:
        return _votes(spec, rows, names, reliability, min_proposals, validated)
    if kind is ValueType.NUMERIC:
        return _numbers(spec, rows, names, reliability, min_proposals, validated)
    if kind is ValueType.STRUCTURED:
        # The structured batch builds on this module's kernels, so it can only be imported late.
        from workflow.consensus.batch_structured import evaluate_structured_batch

        return evaluate_structured_batch(spec, rows, names, reliability, min_proposals)
    return _per_item(spec, rows, names, reliability, min_proposals)


def _votes(spec, rows, names, reliability, min_proposals, validated) -> BatchResult:
    if isinstance(rows, np.ndarray) and rows.dtype.kind in "iu":
        codes = rows.astype(np.int64, copy=False)
        labels = list(spec.options or ())
        if not labels or codes.max(initial=-1) >= len(labels) or codes.min(initial=0) < -1:
            raise ValueMismatchError(spec.name, "", "option index out of range")
    else:
        grid = np.array(rows, dtype=object).reshape(len(rows), -1)
        codes, labels = encode_votes(spec, grid, validated=validated)
    present = codes >= 0
    weights = weights_for(spec, names, present, reliability)
    kernel = vote_kernel(codes, weights)
    outcomes, scores, support, n = finish(spec, kernel, weights, present, min_proposals)
    lookup = np.array([*labels, None], dtype=object)
    return BatchResult(outcomes, lookup[kernel.consensus], scores, support, n)


def _numbers(spec, rows, names, reliability, min_proposals, validated) -> BatchResult:
    if isinstance(rows, np.ndarray) and rows.dtype.kind == "f":
        values = rows
    else:
        grid = np.array(rows, dtype=object).reshape(len(rows), -1)
        present = grid != None  # noqa: E711 - element-wise comparison on an object array
        values = np.full(grid.shape, np.nan)
        cells = grid[present].tolist()
        values[present] = [
            float(v) for v in (cells if validated else canonical_values(spec, cells))
        ]
    present = ~np.isnan(values)
    weights = weights_for(spec, names, present, reliability)
    kernel = median_kernel(values, weights, spec.tolerance)
    outcomes, scores, support, n = finish(spec, kernel, weights, present, min_proposals)
    consensus = np.where(n > 0, kernel.consensus, np.nan)
    return BatchResult(outcomes, consensus, scores, support, n)


def _per_item(spec, rows, names, reliability, min_proposals) -> BatchResult:
    # Text and list rules compare values pairwise in Python; the batch runs them item by item.
    decisions = [
        evaluate_item(
            spec,
            [ProposalInput(a, v) for a, v in zip(names, row, strict=True) if v is not None],
            reliability=reliability,
            min_proposals=min_proposals,
        )
        for row in rows
    ]
    return BatchResult(
        np.array([OUTCOMES.index(d.outcome) for d in decisions], dtype=np.int8),
        [d.consensus for d in decisions],
        np.array([d.score for d in decisions]),
        np.array([d.support for d in decisions]),
        np.array([d.n_proposals for d in decisions]),
        [d.disputed_fields for d in decisions],
    )
