"""Per-type consensus rules for single values: majority vote, weighted median, text medoid."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Any

from workflow.consensus.decision import FieldDecision, Reason
from workflow.consensus.schema import LabelSchemaSpec
from workflow.consensus.text import char_ratio, features, mismatch_reason, text_similarity
from workflow.consensus.values import value_key

# Weights are sums of floats; compare them at this resolution so the summation order cannot matter.
WEIGHT_DIGITS = 9
EPS = 1e-9
# Texts this alike that still differ in a number or negation get that named as the reason.
LOOKALIKE = 0.75


@dataclass(frozen=True)
class Ballot:
    """One canonical proposal with the weight its annotator's vote carries."""

    annotator_id: str
    value: Any
    weight: float = 1.0


@dataclass
class Verdict:
    """What a type rule concluded: consensus, its supporters, and anything blocking agreement."""

    consensus: Any
    supporters: tuple[str, ...]
    score: float
    distance: str
    reasons: list[str] = field(default_factory=list)
    parts: list[FieldDecision] = field(default_factory=list)
    blocked: bool = False
    details: dict[str, Any] = field(default_factory=dict)


def rounded(weight: float) -> float:
    """A weight total at comparison resolution."""
    return round(weight, WEIGHT_DIGITS)


def share(ballots: Sequence[Ballot], supporters: set[str] | tuple[str, ...]) -> float:
    """The weighted share of ballots cast by `supporters`, in [0, 1]."""
    total = sum(b.weight for b in ballots)
    backing = sum(b.weight for b in ballots if b.annotator_id in supporters)
    return rounded(backing / total) if total > 0 else 0.0


def option_order(spec: LabelSchemaSpec) -> Callable[[Any], tuple[int, str]]:
    """Deterministic tie-break order: declared option order first, then canonical JSON."""
    index = {value_key(o): i for i, o in enumerate(spec.options or ())}

    def order(value: Any) -> tuple[int, str]:
        key = value_key(value)
        return (index.get(key, len(index)), key)

    return order


def majority(ballots: Sequence[Ballot], spec: LabelSchemaSpec) -> Verdict:
    """Weighted majority vote; a tie at the top blocks agreement."""
    groups: dict[str, tuple[Any, list[Ballot]]] = {}
    for b in ballots:
        groups.setdefault(value_key(b.value), (b.value, []))[1].append(b)
    order = option_order(spec)
    tallies = sorted(
        ((rounded(sum(b.weight for b in bs)), value, bs) for value, bs in groups.values()),
        key=lambda t: (-t[0], order(t[1])),
    )
    top, value, backers = tallies[0]
    supporters = tuple(b.annotator_id for b in backers)
    verdict = Verdict(value, supporters, share(ballots, supporters), _categorical_distance(spec))
    if len(tallies) > 1 and tallies[1][0] == top:
        verdict.blocked = True
        verdict.reasons.append(Reason.TIE)
    verdict.details["votes"] = [
        {"value": v, "annotators": [b.annotator_id for b in bs], "weight": t}
        for t, v, bs in tallies
    ]
    return verdict


def _categorical_distance(spec: LabelSchemaSpec) -> str:
    return "ordinal" if spec.ordered else "nominal"


def weighted_median(ballots: Sequence[Ballot]) -> Any:
    """The lower weighted median: a proposed value, stable under adding a copy of itself."""
    ordered = sorted(ballots, key=lambda b: (b.value, b.annotator_id))
    half = rounded(sum(b.weight for b in ordered)) / 2
    running = 0.0
    for b in ordered:
        running += b.weight
        if rounded(running) >= half:
            return b.value
    return ordered[-1].value


def within(a: float, b: float, tolerance: float) -> bool:
    """Whether two numbers differ by no more than the tolerance (with float slack)."""
    return abs(a - b) <= tolerance + EPS * max(1.0, abs(a), abs(b))


def numeric(ballots: Sequence[Ballot], spec: LabelSchemaSpec) -> Verdict:
    """Weighted median with support = proposals within the schema's tolerance of it."""
    median = weighted_median(ballots)
    supporters = tuple(b.annotator_id for b in ballots if within(b.value, median, spec.tolerance))
    verdict = Verdict(median, supporters, share(ballots, supporters), "interval")
    values = [b.value for b in ballots]
    spread = max(values) - min(values)
    verdict.details["spread"] = spread
    if spec.min_value is not None and spec.max_value is not None:
        verdict.details["scaled_spread"] = spread / (spec.max_value - spec.min_value)
    if len(supporters) < len(ballots):
        verdict.reasons.append(Reason.OUTSIDE_TOLERANCE)
    return verdict


def text_medoid(ballots: Sequence[Ballot], spec: LabelSchemaSpec) -> Verdict:
    """The proposal matched by the most weight (then most similar to all): never a new text."""
    threshold = spec.text_similarity_threshold

    def matches(a: str, b: str) -> bool:
        sim = text_similarity(a, b)
        return sim == 1.0 or (threshold is not None and sim >= threshold)

    raw_counts: dict[str, int] = {}
    for b in ballots:
        raw_counts[b.value] = raw_counts.get(b.value, 0) + 1

    def rank(candidate: Ballot) -> tuple[float, float, str, int, str]:
        backing = sum(b.weight for b in ballots if matches(candidate.value, b.value))
        closeness = sum(text_similarity(candidate.value, b.value) * b.weight for b in ballots)
        norm = features(candidate.value).normalised
        return (
            -rounded(backing),
            -rounded(closeness),
            norm,
            -raw_counts[candidate.value],
            candidate.value,
        )

    best = min(ballots, key=rank).value
    supporters = tuple(b.annotator_id for b in ballots if matches(best, b.value))
    verdict = Verdict(best, supporters, share(ballots, supporters), "text")
    verdict.reasons.extend(_lookalike_reasons([b.value for b in ballots]))
    return verdict


def _lookalike_reasons(texts: list[str]) -> list[str]:
    # Explain the classic traps: texts that look alike but differ in a number or a negation.
    found: set[str] = set()
    distinct = sorted({features(t).normalised: t for t in texts}.values())
    for a, b in combinations(distinct, 2):
        reason = _lookalike_reason(a, b)
        if reason:
            found.add(reason)
    return sorted(found)


@lru_cache(maxsize=65536)
def _lookalike_reason(a: str, b: str) -> str | None:
    reason = mismatch_reason(a, b)
    if reason and char_ratio(features(a).normalised, features(b).normalised) >= LOOKALIKE:
        return reason
    return None
