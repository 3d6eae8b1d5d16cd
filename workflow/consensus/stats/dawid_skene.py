"""Dawid-Skene EM for categorical schemas, with confusion matrices shrunk towards the pool."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workflow.consensus.decision import AnnotatorReliability, ProposalInput
from workflow.consensus.errors import ConsensusError
from workflow.consensus.rules import option_order
from workflow.consensus.schema import LabelSchemaSpec, ValueType
from workflow.consensus.stats.ratings import Ratings, ratings
from workflow.consensus.values import value_key

# Pseudo-observations of the pooled annotator added to every confusion row: an annotator with a
# handful of items looks like the average annotator, one with hundreds looks like itself.
DEFAULT_PRIOR_STRENGTH = 5.0
_FLOOR = 1e-12


@dataclass(frozen=True)
class DawidSkeneResult:
    """Estimated true labels, class priors and each annotator's confusion matrix and accuracy."""

    classes: tuple[Any, ...]
    items: tuple[str, ...]
    labels: tuple[Any, ...]
    posteriors: np.ndarray
    priors: np.ndarray
    annotators: tuple[str, ...]
    confusion: np.ndarray
    n_items: tuple[int, ...]
    iterations: int
    converged: bool

    def accuracy(self) -> dict[str, float]:
        """Probability each annotator gives the true label, weighted by class priors."""
        diagonal = np.einsum("jkk->jk", self.confusion)
        return dict(zip(self.annotators, (diagonal @ self.priors).tolist(), strict=True))

    def reliability(self) -> dict[str, AnnotatorReliability]:
        """Accuracies as reliability records for reliability-weighted voting."""
        acc = self.accuracy()
        return {
            a: AnnotatorReliability(a, acc[a], n, acc[a])
            for a, n in zip(self.annotators, self.n_items, strict=True)
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (labels and accuracies, not the full posteriors)."""
        return {
            "classes": list(self.classes),
            "labels": dict(zip(self.items, self.labels, strict=True)),
            "priors": self.priors.tolist(),
            "accuracy": self.accuracy(),
            "n_items": dict(zip(self.annotators, self.n_items, strict=True)),
            "iterations": self.iterations,
            "converged": self.converged,
        }


def dawid_skene(
    spec: LabelSchemaSpec,
    items: Mapping[str, Sequence[ProposalInput]],
    *,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
    max_iterations: int = 500,
    tolerance: float = 1e-6,
) -> DawidSkeneResult:
    """Fit Dawid-Skene by EM, starting from majority-vote shares; classes ordered by option."""
    _check(spec, prior_strength)
    return fit_dawid_skene(
        spec,
        ratings(spec, items),
        prior_strength=prior_strength,
        max_iterations=max_iterations,
        tolerance=tolerance,
    )


def _check(spec: LabelSchemaSpec, prior_strength: float) -> None:
    if spec.value_type not in (ValueType.CATEGORICAL, ValueType.PASS_FAIL):
        raise ConsensusError("Dawid-Skene applies to categorical and pass_fail schemas")
    if prior_strength < 0:
        raise ConsensusError("prior_strength must be >= 0")


def fit_dawid_skene(
    spec: LabelSchemaSpec,
    rated: Ratings,
    *,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
    max_iterations: int = 500,
    tolerance: float = 1e-6,
) -> DawidSkeneResult:
    """`dawid_skene` of ratings already built (and validated) for the schema."""
    _check(spec, prior_strength)
    item_ids, annotators = rated.units, rated.annotators
    codes, labels = rated.votes  # every declared option, and any other value found
    order = option_order(spec)
    classes = tuple(sorted(labels, key=order))
    if not len(rated.code) or len(classes) < 2:
        raise ConsensusError("Dawid-Skene needs observations of at least two classes")
    class_index = {value_key(c): k for k, c in enumerate(classes)}
    i_obs, j_obs = rated.unit, rated.rater
    l_obs = np.array([class_index[value_key(label)] for label in labels], dtype=np.int64)[codes]
    shape = (len(item_ids), len(annotators), len(classes))
    posteriors = _majority_shares(i_obs, l_obs, shape)
    iterations, converged = 0, False
    while iterations < max_iterations and not converged:
        iterations += 1
        priors, confusion = _m_step(posteriors, i_obs, j_obs, l_obs, shape, prior_strength)
        updated = _e_step(priors, confusion, i_obs, j_obs, l_obs, shape)
        converged = float(np.abs(updated - posteriors).max()) < tolerance
        posteriors = updated
    priors, confusion = _m_step(posteriors, i_obs, j_obs, l_obs, shape, prior_strength)
    # Ties between classes resolve to the earlier option, matching the majority vote's order.
    labels = tuple(classes[k] for k in np.argmax(posteriors, axis=1))
    n_items = tuple(np.bincount(j_obs, minlength=len(annotators)).tolist())
    return DawidSkeneResult(
        classes,
        item_ids,
        labels,
        posteriors,
        priors,
        annotators,
        confusion,
        n_items,
        iterations,
        converged,
    )


def _majority_shares(i_obs: np.ndarray, l_obs: np.ndarray, shape: tuple[int, int, int]):
    n_items, _, n_classes = shape
    counts = np.bincount(i_obs * n_classes + l_obs, minlength=n_items * n_classes)
    counts = counts.reshape(n_items, n_classes).astype(np.float64)
    return counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)


def _m_step(posteriors, i_obs, j_obs, l_obs, shape, prior_strength):
    _, n_annotators, n_classes = shape
    priors = posteriors.mean(axis=0)
    priors = np.maximum(priors, _FLOOR) / np.maximum(priors, _FLOOR).sum()
    counts = np.empty((n_annotators, n_classes, n_classes))
    for k in range(n_classes):
        flat = np.bincount(
            j_obs * n_classes + l_obs,
            weights=posteriors[i_obs, k],
            minlength=n_annotators * n_classes,
        )
        counts[:, k, :] = flat.reshape(n_annotators, n_classes)
    pooled = counts.sum(axis=0)
    pooled = pooled / np.maximum(pooled.sum(axis=1, keepdims=True), _FLOOR)
    smoothed = counts + prior_strength * pooled[None, :, :] + _FLOOR
    return priors, smoothed / smoothed.sum(axis=2, keepdims=True)


def _e_step(priors, confusion, i_obs, j_obs, l_obs, shape):
    n_items, _, n_classes = shape
    log_conf = np.log(confusion)
    # log P(class k | item) = log prior_k + sum over the item's labels of log confusion[j, k, l].
    contrib = log_conf[j_obs, :, l_obs]
    logits = np.tile(np.log(priors), (n_items, 1))
    for k in range(n_classes):
        logits[:, k] += np.bincount(i_obs, weights=contrib[:, k], minlength=n_items)
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    return weights / weights.sum(axis=1, keepdims=True)
