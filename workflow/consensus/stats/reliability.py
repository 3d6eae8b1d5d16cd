"""Annotator reliability: leave-one-out agreement with the consensus of the others, shrunk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workflow.consensus.decision import AnnotatorReliability, ProposalInput
from workflow.consensus.engine import evaluate_item
from workflow.consensus.schema import LabelSchemaSpec, ValueType

# Pseudo-items at the pool's mean agreement: five items barely move an annotator off the mean.
DEFAULT_PRIOR_STRENGTH = 5.0


def agreement_with(spec: LabelSchemaSpec, value: Any, consensus: Any) -> float:
    """How far one value agrees with a consensus: 0/1, or the share of agreeing fields."""
    pair = evaluate_item(
        spec, [ProposalInput("value", value), ProposalInput("consensus", consensus)]
    )
    if spec.value_type is ValueType.STRUCTURED and pair.fields:
        fields = [f for f in pair.fields if f.required] or list(pair.fields)
        return sum(not f.disputed for f in fields) / len(fields)
    return 1.0 if pair.agreed else 0.0


def leave_one_out(
    spec: LabelSchemaSpec,
    items: Mapping[str, Sequence[ProposalInput]],
    *,
    min_others: int = 2,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
) -> dict[str, AnnotatorReliability]:
    """Each annotator's mean agreement with the others' agreed consensus, shrunk to the pool mean.

    Items where the others do not agree among themselves give no reference and are skipped.
    """
    scores: dict[str, list[float]] = {}
    for item_id in sorted(items):
        proposals = list(items[item_id])
        for held_out in proposals:
            others = [p for p in proposals if p.annotator_id != held_out.annotator_id]
            if len(others) < min_others:
                continue
            reference = evaluate_item(spec, others, min_proposals=min_others)
            if reference.agreed:
                score = agreement_with(spec, held_out.value, reference.consensus)
                scores.setdefault(held_out.annotator_id, []).append(score)
    return shrink(scores, prior_strength)


def shrink(
    scores: Mapping[str, Sequence[float]], prior_strength: float = DEFAULT_PRIOR_STRENGTH
) -> dict[str, AnnotatorReliability]:
    """Posterior-mean style shrinkage of per-annotator mean scores towards the pooled mean."""
    totals = {annotator: (sum(s), len(s)) for annotator, s in scores.items()}
    return shrink_totals(totals, prior_strength)


def shrink_totals(
    totals: Mapping[str, tuple[float, int]], prior_strength: float = DEFAULT_PRIOR_STRENGTH
) -> dict[str, AnnotatorReliability]:
    """`shrink` from each annotator's (sum of scores, number of scores)."""
    n = sum(count for _, count in totals.values())
    pooled = sum(total for total, _ in totals.values()) / n if n else 0.5
    out = {}
    for annotator in sorted(totals):
        total, count = totals[annotator]
        raw = total / count if count else None
        shrunk = (total + prior_strength * pooled) / (count + prior_strength)
        out[annotator] = AnnotatorReliability(annotator, shrunk, count, raw)
    return out
