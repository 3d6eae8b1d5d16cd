"""Evaluating one item: validate proposals, weigh votes, apply the type rule, record it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from workflow.consensus.decision import (
    AnnotatorReliability,
    ItemDecision,
    Outcome,
    ProposalInput,
    Reason,
)
from workflow.consensus.errors import ConsensusError
from workflow.consensus.lists import evaluate_list
from workflow.consensus.rules import EPS, Ballot, Verdict, majority, numeric, text_medoid
from workflow.consensus.schema import LabelSchemaSpec, ValueType
from workflow.consensus.structured import evaluate_structured

# A reliable-looking annotator may be wrong on any given item: nobody's vote is worth nothing.
MIN_WEIGHT = 0.05

_RULES = {
    ValueType.CATEGORICAL: ("majority_vote", majority),
    ValueType.PASS_FAIL: ("majority_vote", majority),
    ValueType.NUMERIC: ("weighted_median", numeric),
    ValueType.TEXT: ("text_medoid", text_medoid),
    ValueType.CATEGORICAL_LIST: ("list_vote", evaluate_list),
    ValueType.TEXT_LIST: ("list_vote", evaluate_list),
}


def judge(spec: LabelSchemaSpec, ballots: Sequence[Ballot]) -> Verdict:
    """Apply the consensus rule of `spec`'s value type to canonical, weighted ballots."""
    if spec.value_type is ValueType.STRUCTURED:
        return evaluate_structured(ballots, spec, judge)
    return _RULES[spec.value_type][1](ballots, spec)


def algorithm_name(spec: LabelSchemaSpec) -> str:
    """The stable name of the rule used for `spec`, recorded with every decision."""
    rule = "per_field" if spec.value_type is ValueType.STRUCTURED else _RULES[spec.value_type][0]
    return f"quorum.{spec.value_type.value}.{rule}"


def vote_weights(
    spec: LabelSchemaSpec,
    annotators: Iterable[str],
    reliability: Mapping[str, AnnotatorReliability] | None,
) -> tuple[dict[str, float], str | None]:
    """Reliability weights when every annotator has enough history, else one vote each."""
    annotators = list(annotators)
    equal = dict.fromkeys(annotators, 1.0)
    if not reliability:
        return equal, None
    known = [reliability.get(a) for a in annotators]
    # Weighting only some voters would let a newcomer's unweighted vote outweigh veterans.
    if any(r is None or r.n_items < spec.reliability_min_history for r in known):
        return equal, Reason.HISTORY_TOO_SHORT
    return {
        a: max(MIN_WEIGHT, min(1.0, r.score)) for a, r in zip(annotators, known, strict=True)
    }, (Reason.RELIABILITY_WEIGHTED)


def evaluate_item(
    spec: LabelSchemaSpec,
    proposals: Iterable[ProposalInput],
    *,
    reliability: Mapping[str, AnnotatorReliability] | None = None,
    min_proposals: int = 2,
) -> ItemDecision:
    """Decide whether an item's proposals agree, what the consensus is, and where they differ."""
    if isinstance(min_proposals, bool) or not isinstance(min_proposals, int) or min_proposals < 1:
        raise ConsensusError("min_proposals must be an integer >= 1")
    # Sorting by annotator first makes every later step independent of the proposals' order.
    proposals = sorted(proposals, key=lambda p: p.annotator_id)
    ids = [p.annotator_id for p in proposals]
    if len(set(ids)) != len(ids):
        raise ConsensusError("each annotator may have only one proposal per item")
    weights, weight_reason = vote_weights(spec, ids, reliability)
    ballots = [
        Ballot(p.annotator_id, spec.validate(p.value), weights[p.annotator_id]) for p in proposals
    ]
    parameters = _parameters(spec, min_proposals, weight_reason == Reason.RELIABILITY_WEIGHTED)
    if not ballots:
        return _insufficient(spec, parameters)
    verdict = judge(spec, ballots)
    reasons = [str(r) for r in verdict.reasons]
    if weight_reason:
        reasons.append(str(weight_reason))
    if len(ballots) < min_proposals:
        outcome = Outcome.INSUFFICIENT
        reasons.insert(0, Reason.TOO_FEW_PROPOSALS)
    elif verdict.score >= spec.agreement_threshold - EPS and not verdict.blocked:
        outcome = Outcome.AGREED
        reasons.insert(
            0, Reason.UNANIMOUS if len(verdict.supporters) == len(ballots) else Reason.THRESHOLD_MET
        )
    else:
        outcome = Outcome.DISPUTED
        if verdict.score < spec.agreement_threshold - EPS:
            reasons.insert(0, Reason.BELOW_THRESHOLD)
    backing = set(verdict.supporters)
    # Outliers only make sense against a strict majority; in a split vote nobody stands out.
    majority_share = sum(b.weight for b in ballots if b.annotator_id in backing)
    outliers = ()
    if majority_share * 2 > sum(b.weight for b in ballots) + EPS:
        outliers = tuple(b.annotator_id for b in ballots if b.annotator_id not in backing)
    return ItemDecision(
        schema=spec.name,
        value_type=spec.value_type.value,
        outcome=outcome,
        reason_codes=tuple(str(r) for r in dict.fromkeys(reasons)),
        score=verdict.score,
        distance=verdict.distance,
        consensus=verdict.consensus,
        support=len(verdict.supporters),
        n_proposals=len(ballots),
        outliers=outliers,
        fields=tuple(verdict.parts),
        disputed_fields=tuple(p.path for p in verdict.parts if p.disputed),
        algorithm=algorithm_name(spec),
        parameters=parameters,
        details=verdict.details,
    )


def _parameters(spec: LabelSchemaSpec, min_proposals: int, weighted: bool) -> dict[str, Any]:
    return {
        "agreement_threshold": spec.agreement_threshold,
        "min_proposals": min_proposals,
        "reliability_weighted": weighted,
        "reliability_min_history": spec.reliability_min_history,
        "tolerance": spec.tolerance,
        "text_similarity_threshold": spec.text_similarity_threshold,
        "list_mode": spec.list_mode.value,
        "ordered": spec.ordered,
    }


def _insufficient(spec: LabelSchemaSpec, parameters: dict[str, Any]) -> ItemDecision:
    return ItemDecision(
        schema=spec.name,
        value_type=spec.value_type.value,
        outcome=Outcome.INSUFFICIENT,
        reason_codes=(Reason.TOO_FEW_PROPOSALS.value,),
        score=0.0,
        distance="none",
        consensus=None,
        support=0,
        n_proposals=0,
        outliers=(),
        fields=(),
        disputed_fields=(),
        algorithm=algorithm_name(spec),
        parameters=parameters,
    )


def decide(spec: LabelSchemaSpec, values: Sequence[Any], **kwargs: Any) -> ItemDecision:
    """Shorthand for notebooks: evaluate plain values as proposals from annotators a0, a1, ..."""
    proposals = [ProposalInput(f"a{i}", v) for i, v in enumerate(values)]
    return evaluate_item(spec, proposals, **kwargs)
