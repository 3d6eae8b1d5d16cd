"""A label schema's agreement figures from its proposals: alpha per field with its interval,
kappa between annotators, and each annotator's reliability. Pure: the consensus engine only."""

from typing import Any

import numpy as np

from workflow.consensus import (
    ConsensusError,
    LabelSchemaSpec,
    ValueType,
    batch_leave_one_out,
    schema_alpha,
)
from workflow.consensus.stats.dataset import ratings_alpha
from workflow.consensus.stats.dawid_skene import fit_dawid_skene
from workflow.consensus.stats.kappa import kappa_of_cells
from workflow.consensus.stats.ratings import Ratings
from workflow.consensus.stats.reliability_batch import BATCH_TYPES, ratings_leave_one_out

# Resamples for alpha's 95% interval: 200 keeps a million proposals' bootstrap near a second
# (measured in bench/dashboard.py); the interval's ends move by about 0.002 between seeds.
BOOTSTRAP = 200
SEED = 0
VOTES = (ValueType.CATEGORICAL, ValueType.PASS_FAIL)
# The page shows accuracies to two decimals; EM stops once no posterior moves by more than
# this: 1e-6 took 36 iterations and 4 s on a million proposals.
DS_TOLERANCE = 1e-3


def schema_figures(spec: LabelSchemaSpec, rated: Ratings) -> dict[str, Any]:
    """Everything the dashboard shows for one schema, JSON-safe."""
    return {
        "schema": spec.name,
        "value_type": spec.value_type.value,
        "proposals": len(rated.code),
        "units": len(rated.units),
        "annotators": len(rated.annotators),
        "alpha": _alpha_rows(spec, rated),
        "kappa": kappa_of_cells(
            rated.rater, rated.unit, rated.identity_codes(), rated.annotators
        ).to_dict(),
        "reliability": _reliability_rows(spec, rated),
    }


def _alpha_rows(spec: LabelSchemaSpec, rated: Ratings) -> list[dict[str, Any]]:
    if spec.value_type is ValueType.STRUCTURED:
        found = schema_alpha(spec, rated.by_unit(), bootstrap=BOOTSTRAP, seed=SEED)
    else:
        found = {"": ratings_alpha(spec, rated, bootstrap=BOOTSTRAP, seed=SEED)}
    return [{"field": field, **result.to_dict()} for field, result in found.items()]


def _reliability_rows(spec: LabelSchemaSpec, rated: Ratings) -> list[dict[str, Any]]:
    if spec.value_type in BATCH_TYPES:
        loo = ratings_leave_one_out(spec, rated)
    else:
        loo = batch_leave_one_out(spec, rated.by_unit())
    accuracy: dict[str, float] = {}
    if spec.value_type in VOTES:
        try:
            accuracy = fit_dawid_skene(spec, rated, tolerance=DS_TOLERANCE).accuracy()
        except ConsensusError:
            accuracy = {}  # one class only: nothing to tell annotators apart by
    given = np.bincount(rated.rater, minlength=len(rated.annotators)).tolist()
    counts = dict(zip(rated.annotators, given, strict=True))
    return [
        {
            "annotator": name,
            "proposals": counts[name],
            "leave_one_out": loo[name].score if name in loo else None,
            "leave_one_out_raw": loo[name].raw_score if name in loo else None,
            "leave_one_out_items": loo[name].n_items if name in loo else 0,
            "dawid_skene": accuracy.get(name),
        }
        for name in rated.annotators
    ]
