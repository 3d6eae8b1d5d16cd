"""Consensus for list values: a vote per element for sets, whole-list support for ranked lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workflow.consensus.decision import FieldDecision, Outcome, Reason
from workflow.consensus.rules import EPS, Ballot, Verdict, option_order, rounded, share
from workflow.consensus.schema import LabelSchemaSpec, ListMode, ValueType
from workflow.consensus.text import normalise_text
from workflow.consensus.values import value_key


def element_key(spec: LabelSchemaSpec, element: Any) -> str:
    """The identity of a list element: normalised text, or canonical JSON for categories."""
    return normalise_text(element) if spec.value_type is ValueType.TEXT_LIST else value_key(element)


def jaccard_distance(a: frozenset[str], b: frozenset[str]) -> float:
    """1 - |a & b| / |a | b|; two empty sets are identical."""
    union = a | b
    return 0.0 if not union else 1 - len(a & b) / len(union)


def masi_distance(a: frozenset[str], b: frozenset[str]) -> float:
    """Passonneau's MASI: Jaccard scaled by the overlap kind (equal, subset, partial, none)."""
    if a == b:
        return 0.0
    union = a | b
    common = a & b
    monotonicity = 2 / 3 if (a <= b or b <= a) else (1 / 3 if common else 0.0)
    return 1 - len(common) / len(union) * monotonicity


def average_overlap_distance(a: Sequence[str], b: Sequence[str]) -> float:
    """Rank-aware distance: 1 - mean over depths d of |a[:d] ∩ b[:d]| / d (top ranks weigh most)."""
    depth = max(len(a), len(b))
    if depth == 0:
        return 0.0
    seen_a: set[str] = set()
    seen_b: set[str] = set()
    overlap = 0.0
    for d in range(depth):
        seen_a.update(a[d : d + 1])
        seen_b.update(b[d : d + 1])
        overlap += len(seen_a & seen_b) / (d + 1)
    return 1 - overlap / depth


def evaluate_list(ballots: Sequence[Ballot], spec: LabelSchemaSpec) -> Verdict:
    """Dispatch on the schema's list mode."""
    if spec.list_mode is ListMode.ORDERED:
        return _ranked(ballots, spec)
    return _set_vote(ballots, spec)


def _representatives(ballots: Sequence[Ballot], spec: LabelSchemaSpec) -> dict[str, Any]:
    # Several spellings of one text element: show the most common, then the smallest.
    spellings: dict[str, dict[Any, int]] = {}
    for b in ballots:
        for element in b.value:
            counts = spellings.setdefault(element_key(spec, element), {})
            counts[element] = counts.get(element, 0) + 1
    return {
        key: min(counts, key=lambda e: (-counts[e], value_key(e)))
        for key, counts in spellings.items()
    }


def _set_vote(ballots: Sequence[Ballot], spec: LabelSchemaSpec) -> Verdict:
    keys = {b.annotator_id: frozenset(element_key(spec, e) for e in b.value) for b in ballots}
    shown = _representatives(ballots, spec)
    total = sum(b.weight for b in ballots)
    order = option_order(spec)
    parts: list[FieldDecision] = []
    chosen: list[tuple[float, str]] = []
    for key in sorted(shown):
        holders = {b.annotator_id for b in ballots if key in keys[b.annotator_id]}
        inside = rounded(sum(b.weight for b in ballots if b.annotator_id in holders) / total)
        # Included on a strict weighted majority; decided once either side reaches the threshold.
        included = inside > 0.5
        decisive = max(inside, rounded(1 - inside))
        agreed = decisive >= spec.agreement_threshold - EPS
        backers = holders if included else {b.annotator_id for b in ballots} - holders
        parts.append(
            FieldDecision(
                path=f"[{shown[key]}]",
                outcome=_outcome(agreed),
                consensus=shown[key],
                present=included,
                support=len(backers),
                n_proposals=len(ballots),
                score=decisive,
            )
        )
        # Majority elements form the consensus even when contested, so a reviewer sees the
        # majority view and adding a copy of the consensus can only firm every element up.
        if included:
            chosen.append((inside, key))
    # Consensus order: strongest support, then the average position annotators gave the element,
    # then option order; symmetric in the proposals, and a unanimous list keeps its own order.
    chosen.sort(key=lambda t: (-t[0], _mean_position(ballots, spec, t[1]), order(shown[t[1]])))
    consensus = [shown[k] for _, k in chosen]
    agreed_keys = frozenset(k for _, k in chosen)
    supporters = tuple(a for a, ks in keys.items() if ks == agreed_keys)
    score = min((p.score for p in parts), default=1.0)
    verdict = Verdict(consensus, supporters, score, "jaccard", parts=parts)
    if any(p.disputed for p in parts):
        verdict.blocked = True
        verdict.reasons.append(Reason.CONTESTED_ELEMENTS)
    return verdict


def _mean_position(ballots: Sequence[Ballot], spec: LabelSchemaSpec, key: str) -> float:
    spots = [i for b in ballots for i, e in enumerate(b.value) if element_key(spec, e) == key]
    return rounded(sum(spots) / len(spots))


def _ranked(ballots: Sequence[Ballot], spec: LabelSchemaSpec) -> Verdict:
    ranks = {b.annotator_id: tuple(element_key(spec, e) for e in b.value) for b in ballots}
    groups: dict[tuple[str, ...], list[Ballot]] = {}
    for b in ballots:
        groups.setdefault(ranks[b.annotator_id], []).append(b)

    def rank(ranking: tuple[str, ...]) -> tuple[float, float, tuple[str, ...]]:
        backing = sum(b.weight for b in groups[ranking])
        spread = sum(
            average_overlap_distance(ranking, ranks[b.annotator_id]) * b.weight for b in ballots
        )
        return (-rounded(backing), rounded(spread), ranking)

    best = min(groups, key=rank)
    supporters = tuple(b.annotator_id for b in groups[best])
    shown = _representatives(ballots, spec)
    verdict = Verdict(
        [shown[k] for k in best], supporters, share(ballots, supporters), "average_overlap"
    )
    verdict.parts = _positions(ballots, ranks, shown, spec)
    return verdict


def _positions(
    ballots: Sequence[Ballot],
    ranks: dict[str, tuple[str, ...]],
    shown: dict[str, Any],
    spec: LabelSchemaSpec,
) -> list[FieldDecision]:
    # Per-position breakdown so a reviewer sees where the rankings part ways.
    depth = max((len(r) for r in ranks.values()), default=0)
    parts = []
    for d in range(depth):
        at = {a: (r[d] if d < len(r) else None) for a, r in ranks.items()}
        tally: dict[str | None, float] = {}
        for b in ballots:
            tally[at[b.annotator_id]] = tally.get(at[b.annotator_id], 0.0) + b.weight
        top = min(tally, key=lambda k: (-rounded(tally[k]), k is None, k or ""))
        backers = {a for a, k in at.items() if k == top}
        score = share(ballots, backers)
        parts.append(
            FieldDecision(
                path=f"[{d}]",
                outcome=_outcome(score >= spec.agreement_threshold - EPS),
                consensus=None if top is None else shown[top],
                present=top is not None,
                support=len(backers),
                n_proposals=len(ballots),
                score=score,
            )
        )
    return parts


def _outcome(agreed: bool) -> Outcome:
    return Outcome.AGREED if agreed else Outcome.DISPUTED
