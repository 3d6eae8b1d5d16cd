"""Leave-one-out reliability for a whole schema at once: the batch kernels in place of an
evaluation per held-out proposal, giving `leave_one_out`'s figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from workflow.consensus.batch import AGREED, VOTE_TYPES, evaluate_batch, finish, vote_kernel
from workflow.consensus.decision import AnnotatorReliability, ProposalInput
from workflow.consensus.errors import ConsensusError
from workflow.consensus.schema import LabelSchemaSpec, ValueType
from workflow.consensus.stats.ratings import Ratings, ratings
from workflow.consensus.stats.reliability import (
    DEFAULT_PRIOR_STRENGTH,
    leave_one_out,
    shrink_totals,
)

BATCH_TYPES = VOTE_TYPES | {ValueType.NUMERIC}


def batch_leave_one_out(
    spec: LabelSchemaSpec,
    items: Mapping[str, Sequence[ProposalInput]],
    *,
    min_others: int = 2,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
) -> dict[str, AnnotatorReliability]:
    """`leave_one_out`, vectorised for votes and numbers (seconds for a million proposals);
    other value types compare values pairwise in Python and take that path."""
    if spec.value_type not in BATCH_TYPES:
        return leave_one_out(spec, items, min_others=min_others, prior_strength=prior_strength)
    return ratings_leave_one_out(
        spec, ratings(spec, items), min_others=min_others, prior_strength=prior_strength
    )


def ratings_leave_one_out(
    spec: LabelSchemaSpec,
    rated: Ratings,
    *,
    min_others: int = 2,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
) -> dict[str, AnnotatorReliability]:
    """`batch_leave_one_out` of validated ratings of a vote or numeric schema."""
    if spec.value_type not in BATCH_TYPES:
        raise ConsensusError(f"batch reliability needs votes or numbers, not {spec.value_type}")
    votes = spec.value_type in VOTE_TYPES
    # Votes go to the kernels as codes (-1 = none), numbers as floats (NaN = none).
    numbers = rated.votes[0] if votes else np.array(rated.distinct, dtype=np.float64)[rated.code]
    grid, who = _by_position(rated, numbers, -1 if votes else np.nan)
    n_annotators = len(rated.annotators)
    sums = np.zeros(n_annotators)
    counts = np.zeros(n_annotators, dtype=np.int64)
    width = grid.shape[1]
    for held in range(width if width - 1 >= min_others else 0):
        rows = np.flatnonzero(who[:, held] >= 0)
        outcomes, consensus = _judge(spec, np.delete(grid[rows], held, axis=1), min_others)
        agreed = outcomes == AGREED
        rows = rows[agreed]
        if not len(rows):
            continue
        # One proposal against the consensus: agreement as `agreement_with` judges it.
        pair = np.column_stack([grid[rows, held], consensus[agreed]])
        score = (_judge(spec, pair, 2)[0] == AGREED).astype(np.float64)
        sums += np.bincount(who[rows, held], weights=score, minlength=n_annotators)
        counts += np.bincount(who[rows, held], minlength=n_annotators)
    return shrink_totals(
        {rated.annotators[a]: (float(sums[a]), int(counts[a])) for a in np.flatnonzero(counts)},
        prior_strength,
    )


def _judge(spec: LabelSchemaSpec, grid: np.ndarray, min_proposals: int):
    """The engine's outcome and consensus for each row of codes or numbers."""
    if spec.value_type in VOTE_TYPES:
        present = grid >= 0
        weights = present.astype(np.float64)
        kernel = vote_kernel(grid, weights)
        return finish(spec, kernel, weights, present, min_proposals)[0], kernel.consensus
    result = evaluate_batch(spec, grid, min_proposals=min_proposals)
    return result.outcomes, np.asarray(result.consensus, dtype=np.float64)


def _by_position(
    rated: Ratings, numbers: np.ndarray, missing: float
) -> tuple[np.ndarray, np.ndarray]:
    """Units x (the how-many-th proposal of the unit) grids of `numbers` and of annotator
    codes: without reliability weights the engine ignores who proposed, so a narrow table
    serves any number of people."""
    order = np.argsort(rated.unit, kind="stable")
    unit = rated.unit[order]
    starts = np.flatnonzero(np.r_[True, unit[1:] != unit[:-1]])
    sizes = np.diff(np.r_[starts, len(unit)])
    position = np.arange(len(unit)) - np.repeat(starts, sizes)
    width = int(sizes.max(initial=0))
    grid = np.full((len(rated.units), width), missing, dtype=numbers.dtype)
    who = np.full((len(rated.units), width), -1, dtype=np.int64)
    grid[unit, position] = numbers[order]
    who[unit, position] = rated.rater[order]
    return grid, who
